// Package deploy_test checks the packaging without docker or a running
// systemd: the Dockerfile and .dockerignore at the repository root, the
// systemd unit and environment file in this directory, and the README's
// Production section. The Dockerfile's build command is run as written to
// build the binary that the run tests start, and systemd-analyze verifies
// the unit where it is installed.
package deploy_test

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/build"
	"go/version"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/config"
)

// root is the repository root; tests run in deploy/.
const root = ".."

// The Dockerfile's -X flags set these: they must stay string variables
// (a constant, or a missing name, makes -X silently do nothing).
var _, _ *string = &gatehouse.Version, &gatehouse.Commit

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ---- Dockerfile ----------------------------------------------------------

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int    // where it starts, 1-based
	cmd  string // "RUN"
	args string // everything after the instruction word
}

func (in instruction) String() string { return fmt.Sprintf("line %d: %s %s", in.line, in.cmd, in.args) }

// stage is one FROM and the instructions up to the next.
type stage struct {
	from  instruction
	image string // the FROM image, global ARGs expanded
	name  string // AS name, or ""
	body  []instruction
}

func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.body {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// dockerfile is a parsed Dockerfile: the ARGs before the first FROM, and
// the stages.
type dockerfile struct {
	globalArgs map[string]string
	stages     []stage
	all        []instruction
}

var knownInstructions = []string{
	"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
	"LABEL", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}

// parseDockerfile is a small line-based Dockerfile parser: comment lines
// (a # first on the line) and blank lines are dropped, also inside a
// continuation; a line ending in \ continues on the next. Instructions
// must be upper case and known. Only the default escape character is
// supported, and no heredocs.
func parseDockerfile(src string) (dockerfile, error) {
	df := dockerfile{globalArgs: map[string]string{}}
	var errs []error
	var cur *instruction
	sc := bufio.NewScanner(strings.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		trimmed := strings.TrimSpace(raw)
		if strings.HasPrefix(trimmed, "#") {
			if cur == nil && regexp.MustCompile(`^#\s*escape\s*=`).MatchString(trimmed) {
				errs = append(errs, fmt.Errorf("line %d: the escape directive is not supported here", n))
			}
			continue
		}
		if trimmed == "" {
			continue
		}
		text, more := strings.CutSuffix(strings.TrimRight(raw, " \t"), `\`)
		if cur == nil {
			word, rest, _ := strings.Cut(strings.TrimLeft(text, " \t"), " ")
			if word != strings.ToUpper(word) {
				errs = append(errs, fmt.Errorf("line %d: instruction %q is not upper case", n, word))
			}
			if !slices.Contains(knownInstructions, strings.ToUpper(word)) {
				errs = append(errs, fmt.Errorf("line %d: unknown instruction %q", n, word))
			}
			cur = &instruction{line: n, cmd: strings.ToUpper(word), args: rest}
		} else {
			cur.args += text
		}
		if strings.Contains(text, "<<") && (cur.cmd == "RUN" || cur.cmd == "COPY") {
			errs = append(errs, fmt.Errorf("line %d: heredocs are not supported here", n))
		}
		if more {
			continue
		}
		cur.args = strings.TrimSpace(cur.args)
		df.all = append(df.all, *cur)
		cur = nil
	}
	if cur != nil {
		errs = append(errs, fmt.Errorf("line %d: the file ends in a continuation", cur.line))
	}
	for _, in := range df.all {
		switch {
		case in.cmd == "FROM":
			f := strings.Fields(in.args)
			f = slices.DeleteFunc(f, func(s string) bool { return strings.HasPrefix(s, "--") })
			if len(f) != 1 && (len(f) != 3 || !strings.EqualFold(f[1], "AS")) {
				errs = append(errs, fmt.Errorf("%v: want FROM IMAGE [AS NAME]", in))
				continue
			}
			st := stage{from: in, image: os.Expand(f[0], func(k string) string { return df.globalArgs[k] })}
			if len(f) == 3 {
				st.name = f[2]
			}
			df.stages = append(df.stages, st)
		case len(df.stages) == 0:
			if in.cmd != "ARG" {
				errs = append(errs, fmt.Errorf("%v: only ARG may come before the first FROM", in))
				continue
			}
			k, v, _ := strings.Cut(in.args, "=")
			df.globalArgs[k] = v
		default:
			st := &df.stages[len(df.stages)-1]
			st.body = append(st.body, in)
		}
	}
	if len(df.stages) == 0 {
		errs = append(errs, errors.New("no FROM"))
	}
	return df, errors.Join(errs...)
}

// jsonArgs is an exec-form argument list (["a", "b"]), or an error for the
// shell form.
func jsonArgs(s string) ([]string, error) {
	var out []string
	if !strings.HasPrefix(s, "[") {
		return nil, fmt.Errorf("%q is not in JSON (exec) form", s)
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	return out, nil
}

// healthcheck splits HEALTHCHECK [OPTIONS] CMD [...] into its options and
// its exec-form command.
func healthcheck(in instruction) (map[string]string, []string, error) {
	opts := map[string]string{}
	rest := in.args
	for strings.HasPrefix(rest, "--") {
		opt, after, _ := strings.Cut(rest, " ")
		k, v, ok := strings.Cut(strings.TrimPrefix(opt, "--"), "=")
		if !ok {
			return nil, nil, fmt.Errorf("%v: option %q: want --NAME=VALUE", in, opt)
		}
		opts[k] = v
		rest = strings.TrimSpace(after)
	}
	cmd, ok := strings.CutPrefix(rest, "CMD ")
	if !ok {
		return nil, nil, fmt.Errorf("%v: want CMD after the options", in)
	}
	args, err := jsonArgs(strings.TrimSpace(cmd))
	return opts, args, err
}

func loadDockerfile(t *testing.T) dockerfile {
	t.Helper()
	df, err := parseDockerfile(readFile(t, "Dockerfile"))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	return df
}

// The parser itself: continuations, comments inside them, and the errors.
func TestParseDockerfile(t *testing.T) {
	t.Parallel()
	df, err := parseDockerfile("ARG V=1\nFROM a:${V} AS b\n# c\nRUN x \\\n  # inside\n\n  y\nFROM c\nUSER 1\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(df.stages) != 2 || df.stages[0].image != "a:1" || df.stages[0].name != "b" || df.stages[1].image != "c" {
		t.Fatalf("stages = %+v", df.stages)
	}
	if run := df.stages[0].body; len(run) != 1 || run[0].args != "x   y" || run[0].line != 4 {
		t.Errorf("RUN = %+v, want one instruction \"x   y\" at line 4", run)
	}
	for _, bad := range []string{"run x\n", "FROB x\n", "FROM a\nRUN x \\\n", "RUN x\n", "# escape=`\nFROM a\n", "FROM a b\n"} {
		if _, err := parseDockerfile(bad); err == nil {
			t.Errorf("parseDockerfile(%q): no error", bad)
		}
	}
}

// The Dockerfile builds a static, versioned binary on the Go of go.mod and
// runs it as a non-root user on distroless, with the data volume, the
// port, a healthcheck through the binary, and exec-form commands.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	df := loadDockerfile(t)
	if len(df.stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a final stage", len(df.stages))
	}
	build, final := df.stages[0], df.stages[len(df.stages)-1]

	// The build stage: the official golang image, no older than go.mod's
	// go line and in its series (GOTOOLCHAIN=local never downloads one).
	m := regexp.MustCompile(`^golang:(\d+\.\d+(?:\.\d+)?)(?:-[a-z0-9]+)?$`).FindStringSubmatch(build.image)
	if m == nil {
		t.Fatalf("build stage FROM %q, want the official golang:VERSION image", build.image)
	}
	modGo := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(readFile(t, "go.mod"))
	if modGo == nil {
		t.Fatal("go.mod has no go line")
	}
	if version.Compare("go"+m[1], "go"+modGo[1]) < 0 || version.Lang("go"+m[1]) != version.Lang("go"+modGo[1]) {
		t.Errorf("build image Go %s, want go.mod's %s (or a newer patch release)", m[1], modGo[1])
	}
	if build.name == "" {
		t.Errorf("the build stage has no name (FROM ... AS build)")
	}
	buildEnv := map[string]string{}
	for _, in := range build.all("ENV") {
		for _, kv := range strings.Fields(in.args) {
			k, v, _ := strings.Cut(kv, "=")
			buildEnv[k] = v
		}
	}
	if buildEnv["GOTOOLCHAIN"] != "local" {
		t.Errorf("build stage ENV GOTOOLCHAIN = %q, want local", buildEnv["GOTOOLCHAIN"])
	}
	for _, want := range []string{"ARG VERSION=dev", "ARG COMMIT=unknown"} {
		if !slices.ContainsFunc(build.body, func(in instruction) bool { return in.cmd+" "+in.args == want }) {
			t.Errorf("build stage lacks %s", want)
		}
	}
	goBuild := goBuildArgs(t, df)
	if buildEnv["CGO_ENABLED"] != "0" && !strings.Contains(goBuild, "CGO_ENABLED=0") {
		t.Errorf("CGO_ENABLED=0 is set neither by ENV nor on the go build line")
	}
	for _, want := range []string{"-trimpath", "./cmd/gatehouse", "-o /out/gatehouse"} {
		if !strings.Contains(goBuild, want) {
			t.Errorf("go build line lacks %s: %s", want, goBuild)
		}
	}
	ldflags := dockerLDFlags(t, df)
	for _, want := range []string{"-s", "-w", "-X github.com/gatehouse/gatehouse.Version=${VERSION}", "-X github.com/gatehouse/gatehouse.Commit=${COMMIT}"} {
		if !strings.Contains(" "+ldflags+" ", " "+want+" ") {
			t.Errorf("-ldflags lacks %s: %q", want, ldflags)
		}
	}

	// The final stage.
	if final.image != "gcr.io/distroless/static-debian12:nonroot" && final.image != "scratch" {
		t.Errorf("final stage FROM %q, want distroless static (nonroot) or scratch", final.image)
	}
	users := final.all("USER")
	if len(users) == 0 {
		t.Fatalf("the final stage sets no USER (it would run as root)")
	}
	user := users[len(users)-1].args
	uid, gid, _ := strings.Cut(user, ":")
	for _, id := range []string{uid, gid} {
		if id == "" {
			continue
		}
		if n, err := strconv.Atoi(id); err != nil || n == 0 {
			t.Errorf("USER %s: want numeric ids other than 0 (root)", user)
		}
	}
	if !slices.ContainsFunc(final.all("COPY"), func(in instruction) bool {
		f := strings.Fields(in.args)
		return slices.Contains(f, "--from="+build.name) && f[len(f)-1] == "/gatehouse"
	}) {
		t.Errorf("the final stage does not COPY --from=%s the binary to /gatehouse", build.name)
	}
	// /data exists owned by the user, so that a new named volume is
	// writable by it.
	if !slices.ContainsFunc(final.all("COPY"), func(in instruction) bool {
		f := strings.Fields(in.args)
		return slices.Contains(f, "--chown="+user) && f[len(f)-1] == "/data"
	}) {
		t.Errorf("the final stage does not create /data owned by %s (COPY --chown=%s ... /data)", user, user)
	}
	if !slices.ContainsFunc(final.all("ENV"), func(in instruction) bool { return slices.Contains(strings.Fields(in.args), "GATEHOUSE_DATA=/data") }) {
		t.Errorf("the final stage lacks ENV GATEHOUSE_DATA=/data (admin commands run with docker exec would miss the volume)")
	}
	volumes := final.all("VOLUME")
	if len(volumes) != 1 || !slices.Contains(volumeArgs(volumes[0].args), "/data") {
		t.Errorf("VOLUME = %v, want one VOLUME /data", volumes)
	}
	exposed := final.all("EXPOSE")
	if len(exposed) != 1 || !slices.ContainsFunc(strings.Fields(exposed[0].args), func(p string) bool { return p == "8080" || p == "8080/tcp" }) {
		t.Errorf("EXPOSE = %v, want EXPOSE 8080", exposed)
	}

	entrypoint, cmd := execForm(t, final)
	if !slices.Equal(entrypoint, []string{"/gatehouse"}) {
		t.Errorf("ENTRYPOINT %q, want [\"/gatehouse\"]", entrypoint)
	}
	if want := []string{"serve", "--data", "/data", "--addr", "0.0.0.0:8080"}; !slices.Equal(cmd, want) {
		t.Errorf("CMD %q, want %q", cmd, want)
	}

	// Exactly one HEALTHCHECK, in the final stage, through the binary.
	var checks []instruction
	for _, in := range df.all {
		if in.cmd == "HEALTHCHECK" {
			checks = append(checks, in)
		}
	}
	if len(checks) != 1 || len(final.all("HEALTHCHECK")) != 1 {
		t.Fatalf("HEALTHCHECKs %v, want exactly one, in the final stage", checks)
	}
	opts, hc, err := healthcheck(checks[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(hc) < 2 || hc[0] != entrypoint[0] || hc[1] != "healthcheck" {
		t.Errorf("HEALTHCHECK CMD %q, want [\"/gatehouse\", \"healthcheck\", ...]", hc)
	}
	for _, k := range []string{"interval", "timeout", "start-period", "retries"} {
		if opts[k] == "" {
			t.Errorf("HEALTHCHECK sets no --%s", k)
		}
	}
	// The probe's own timeout is 2 s; docker's must leave it room.
	if d, err := time.ParseDuration(opts["timeout"]); err != nil || d <= 2*time.Second {
		t.Errorf("HEALTHCHECK --timeout=%s, want a duration above the probe's own 2s", opts["timeout"])
	}
}

// execForm returns the final stage's ENTRYPOINT and CMD, both of which
// must be in exec form.
func execForm(t *testing.T, final stage) (entrypoint, cmd []string) {
	t.Helper()
	for _, c := range []struct {
		name string
		dst  *[]string
	}{{"ENTRYPOINT", &entrypoint}, {"CMD", &cmd}} {
		ins := final.all(c.name)
		if len(ins) != 1 {
			t.Fatalf("%d %s instructions in the final stage, want 1", len(ins), c.name)
		}
		args, err := jsonArgs(ins[0].args)
		if err != nil {
			t.Fatalf("%v: %v", ins[0], err)
		}
		*c.dst = args
	}
	return entrypoint, cmd
}

func volumeArgs(s string) []string {
	if args, err := jsonArgs(s); err == nil {
		return args
	}
	return strings.Fields(s)
}

// goBuildArgs is the build stage's RUN line that runs go build.
func goBuildArgs(t *testing.T, df dockerfile) string {
	t.Helper()
	for _, in := range df.stages[0].all("RUN") {
		if strings.Contains(in.args, "go build") {
			return in.args
		}
	}
	t.Fatal("the build stage has no RUN ... go build")
	return ""
}

// dockerLDFlags is the -ldflags value of the go build line, unexpanded.
func dockerLDFlags(t *testing.T, df dockerfile) string {
	t.Helper()
	m := regexp.MustCompile(`-ldflags "([^"]*)"`).FindStringSubmatch(goBuildArgs(t, df))
	if m == nil {
		t.Fatal(`the go build line has no -ldflags "..."`)
	}
	return m[1]
}

// .dockerignore keeps the repository's history, dependencies of the npm
// test client, databases and build outputs out of the build context, and
// none of what the build needs.
func TestDockerignore(t *testing.T) {
	t.Parallel()
	var patterns []string
	for line := range strings.SplitSeq(readFile(t, ".dockerignore"), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	for _, want := range []string{".git", "**/node_modules", "tests/sunshine-client/node_modules", "gatehouse-data", "**/*.db"} {
		if !slices.Contains(patterns, want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
	// Nothing that the build reads is excluded. (Patterns starting with
	// "**/" are matched against every suffix of the path.)
	excluded := func(p string) bool {
		for _, pat := range patterns {
			if strings.HasPrefix(pat, "!") {
				continue
			}
			pat = strings.TrimPrefix(pat, "/")
			parts := strings.Split(p, "/")
			for i := range parts {
				if i > 0 && !strings.HasPrefix(pat, "**/") {
					break
				}
				for j := i + 1; j <= len(parts); j++ { // the path or a parent directory
					if ok, _ := filepath.Match(strings.TrimPrefix(pat, "**/"), strings.Join(parts[i:j], "/")); ok {
						return true
					}
				}
			}
		}
		return false
	}
	if !excluded("tests/sunshine-client/node_modules/x/index.js") || !excluded("internal/x/a.db") || !excluded(".git/HEAD") {
		t.Errorf("the exclusion check does not exclude what it should")
	}
	list := exec.Command(gobin(), "list", "-deps", "-f", `{{if not .Standard}}{{.Dir}}{{"\n"}}{{range .GoFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}{{end}}`, "./cmd/gatehouse")
	list.Dir = root
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	abs, _ := filepath.Abs(root)
	needed := []string{"go.mod", "go.sum"}
	for line := range strings.SplitSeq(string(out), "\n") {
		if rel, err := filepath.Rel(abs, line); err == nil && line != "" && !strings.HasPrefix(rel, "..") {
			needed = append(needed, filepath.ToSlash(rel))
		}
	}
	if !slices.ContainsFunc(needed, func(p string) bool { return strings.HasSuffix(p, ".sql") }) {
		t.Errorf("go list named no embedded migrations; the check is not seeing what the build reads")
	}
	for _, p := range needed {
		if excluded(p) {
			t.Errorf(".dockerignore excludes %s, which the build needs", p)
		}
	}
}

// ---- the binary, built as the Dockerfile builds it ------------------------

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func gobin() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(build.Default.GOROOT, "bin", "go")
}

// Build arguments the test passes, as docker build --build-arg would.
const (
	testVersion = "v0.0.0-deploytest"
	testCommit  = "abc1234"
)

// dockerBuiltBinary builds cmd/gatehouse once with the Dockerfile's
// CGO_ENABLED=0, -trimpath and -ldflags (VERSION and COMMIT expanded).
func dockerBuiltBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	df := loadDockerfile(t)
	ldflags := os.Expand(dockerLDFlags(t, df), func(k string) string {
		return map[string]string{"VERSION": testVersion, "COMMIT": testCommit}[k]
	})
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "gatehouse-deploy-test-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "gatehouse")
		cmd := exec.Command(gobin(), "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", binPath, "./cmd/gatehouse")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// The binary the Dockerfile builds is static (it runs on distroless or
// scratch: no dynamic loader) and reports the build arguments as its
// version.
func TestDockerBuildFlags(t *testing.T) {
	t.Parallel()
	bin := dockerBuiltBinary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Skipf("not an ELF binary here: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("the binary asks for a dynamic loader (PT_INTERP): it is not static")
		}
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("gatehouse %s (%s)\n", testVersion, testCommit); string(out) != want {
		t.Errorf("gatehouse version = %q, want %q", out, want)
	}
}

// The image's ENTRYPOINT and CMD start a server (with a temporary data
// directory and a free port in place of /data and 8080), its HEALTHCHECK
// command passes against it and fails without it, and SIGTERM, docker
// stop's signal, ends it with status 0.
func TestDockerfileCommandsRun(t *testing.T) {
	t.Parallel()
	bin := dockerBuiltBinary(t)
	df := loadDockerfile(t)
	final := df.stages[len(df.stages)-1]
	entrypoint, cmd := execForm(t, final)
	_, hc, err := healthcheck(final.all("HEALTHCHECK")[0])
	if err != nil {
		t.Fatal(err)
	}

	// The healthcheck's default URL is the port the image serves on.
	help, err := exec.Command(bin, "healthcheck", "--help").Output()
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(cmd[slices.Index(cmd, "--addr")+1])
	if want := "http://127.0.0.1:" + port + "/healthz"; !strings.Contains(string(help), want) {
		t.Errorf("healthcheck --help does not name the default %s:\n%s", want, help)
	}

	data := t.TempDir()
	free := freePort(t)
	args := slices.Clone(cmd)
	args[slices.Index(args, "--data")+1] = data
	args[slices.Index(args, "--addr")+1] = free
	resolve := func(argv []string) *exec.Cmd {
		if argv[0] != entrypoint[0] {
			t.Fatalf("%q does not run the entrypoint %s", argv, entrypoint[0])
		}
		c := exec.Command(bin, argv[1:]...)
		c.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + data}
		return c
	}
	check := func() *exec.Cmd { return resolve(append(slices.Clone(hc), "--url", "http://"+free+"/healthz")) }

	// Nothing listens yet: exit status 1.
	if err := check().Run(); exitStatus(err) != 1 {
		t.Errorf("healthcheck with no server: %v, want exit status 1", err)
	}

	srv := resolve(append(slices.Clone(entrypoint), args...))
	var logs bytes.Buffer
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = srv.Wait(); close(exited) }()
	t.Cleanup(func() {
		srv.Process.Kill()
		<-exited
	})

	deadline := time.Now().Add(30 * time.Second)
	for {
		c := check()
		out, err := c.CombinedOutput()
		if err == nil {
			if len(out) != 0 {
				t.Errorf("healthcheck printed %q on success, want nothing", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthcheck never passed: %v %s\nserver log:\n%s", err, out, logs.String())
		}
		select {
		case <-exited:
			t.Fatalf("the server exited: %v\n%s", waitErr, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	for _, f := range []string{"gatehouse.db", "master.key"} {
		if _, err := os.Stat(filepath.Join(data, f)); err != nil {
			t.Errorf("the data directory lacks %s: %v", f, err)
		}
	}

	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Errorf("after SIGTERM the server exited with %v, want status 0\n%s", waitErr, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the server did not stop within 20s of SIGTERM\n%s", logs.String())
	}
}

func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return ee.ExitCode()
	}
	return -1
}

// freePort returns a loopback HOST:PORT that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// ---- the systemd unit ----------------------------------------------------

// unitFile is a parsed systemd unit: each section's keys with every value
// given (a key may repeat, as SystemCallFilter= does).
type unitFile map[string]map[string][]string

// parseUnit reads the INI dialect of systemd units: [Section] headers,
// KEY=VALUE lines, # and ; comments, and lines continued with \.
func parseUnit(src string) (unitFile, []string, error) {
	u := unitFile{}
	var order []string
	var section string
	var errs []error
	var pending string
	for n, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if pending == "" && (line == "" || line[0] == '#' || line[0] == ';') {
			continue
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			pending += s + " "
			continue
		}
		line, pending = pending+line, ""
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				errs = append(errs, fmt.Errorf("line %d: bad section header %q", n+1, line))
				continue
			}
			section = line[1 : len(line)-1]
			if u[section] != nil {
				errs = append(errs, fmt.Errorf("line %d: section [%s] twice", n+1, section))
			}
			u[section] = map[string][]string{}
			order = append(order, section)
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section == "" || strings.TrimSpace(k) == "" {
			errs = append(errs, fmt.Errorf("line %d: want KEY=VALUE inside a section: %q", n+1, line))
			continue
		}
		k = strings.TrimSpace(k)
		u[section][k] = append(u[section][k], strings.TrimSpace(v))
	}
	return u, order, errors.Join(errs...)
}

func loadUnit(t *testing.T) unitFile {
	t.Helper()
	u, order, err := parseUnit(readFile(t, "deploy/gatehouse.service"))
	if err != nil {
		t.Fatalf("deploy/gatehouse.service: %v", err)
	}
	if want := []string{"Unit", "Service", "Install"}; !slices.Equal(order, want) {
		t.Fatalf("sections %v, want %v", order, want)
	}
	return u
}

// The unit runs the server sandboxed: every hardening setting below has
// the value given, once.
func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	u := loadUnit(t)
	svc := u["Service"]
	want := map[string]string{
		"Type":                    "exec",
		"ExecStart":               "/usr/local/bin/gatehouse serve --data ${STATE_DIRECTORY}",
		"EnvironmentFile":         "-/etc/gatehouse/env",
		"DynamicUser":             "yes",
		"StateDirectory":          "gatehouse",
		"StateDirectoryMode":      "0700",
		"UMask":                   "0077",
		"Restart":                 "on-failure",
		"KillSignal":              "SIGTERM",
		"LimitNOFILE":             "65536",
		"NoNewPrivileges":         "yes",
		"CapabilityBoundingSet":   "",
		"AmbientCapabilities":     "",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "yes",
		"ProtectKernelTunables":   "yes",
		"ProtectKernelModules":    "yes",
		"ProtectKernelLogs":       "yes",
		"ProtectControlGroups":    "yes",
		"ProtectClock":            "yes",
		"ProtectHostname":         "yes",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"RestrictNamespaces":      "yes",
		"RestrictRealtime":        "yes",
		"RestrictSUIDSGID":        "yes",
		"LockPersonality":         "yes",
		"MemoryDenyWriteExecute":  "yes",
		"SystemCallArchitectures": "native",
		// A filtered call fails with EPERM instead of killing the
		// process (Go's runtime probes setrlimit, in @resources, at start).
		"SystemCallErrorNumber": "EPERM",
	}
	for k, v := range want {
		if got := svc[k]; !slices.Equal(got, []string{v}) {
			t.Errorf("[Service] %s = %q, want exactly %q", k, got, v)
		}
	}
	if got, want := svc["SystemCallFilter"], []string{"@system-service", "~@privileged @resources"}; !slices.Equal(got, want) {
		t.Errorf("[Service] SystemCallFilter = %q, want %q", got, want)
	}
	// The listen address has a default the env file can override (a flag
	// on ExecStart= would win over GATEHOUSE_ADDR there).
	if !slices.Contains(svc["Environment"], "GATEHOUSE_ADDR=127.0.0.1:8080") {
		t.Errorf("[Service] Environment = %q, want GATEHOUSE_ADDR=127.0.0.1:8080 among them", svc["Environment"])
	}
	if strings.Contains(strings.Join(svc["ExecStart"], " "), "--addr") {
		t.Errorf("ExecStart= passes --addr, which GATEHOUSE_ADDR in the env file could not override")
	}
	// systemd waits for the graceful drain before it sends SIGKILL.
	stop, err := time.ParseDuration(strings.Join(svc["TimeoutStopSec"], ""))
	if grace := config.Default().ShutdownGrace; err != nil || stop <= grace {
		t.Errorf("TimeoutStopSec = %q, want a duration above serve's shutdown grace %v", svc["TimeoutStopSec"], grace)
	}
	if got := u["Install"]["WantedBy"]; !slices.Equal(got, []string{"multi-user.target"}) {
		t.Errorf("[Install] WantedBy = %q, want multi-user.target", got)
	}
	for _, k := range []string{"After", "Wants"} {
		if !slices.Contains(u["Unit"][k], "network-online.target") {
			t.Errorf("[Unit] %s does not name network-online.target (PostgreSQL may be remote)", k)
		}
	}
}

// systemd-analyze verify finds nothing wrong with the unit (with ExecStart=
// pointing at a built binary, since /usr/local/bin/gatehouse need not
// exist here), and systemd-analyze security rates its sandbox OK.
func TestSystemdAnalyze(t *testing.T) {
	t.Parallel()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		const why = "systemd-analyze is not on PATH (Debian package systemd); the unit is checked only as a file"
		if os.Getenv("GATEHOUSE_TEST_REQUIRE") == "1" { // .ci/run installs it
			t.Fatal("GATEHOUSE_TEST_REQUIRE=1, but " + why)
		}
		t.Skip(why)
	}
	bin := dockerBuiltBinary(t)
	src := readFile(t, "deploy/gatehouse.service")
	if !strings.Contains(src, "ExecStart=/usr/local/bin/gatehouse ") {
		t.Fatal("ExecStart= does not run /usr/local/bin/gatehouse")
	}
	unit := filepath.Join(t.TempDir(), "gatehouse.service")
	if err := os.WriteFile(unit, []byte(strings.ReplaceAll(src, "ExecStart=/usr/local/bin/gatehouse ", "ExecStart="+bin+" ")), 0o644); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		// Complaints about other units on this machine are not ours.
		if strings.Contains(line, "gatehouse") {
			t.Errorf("systemd-analyze verify: %s", line)
		} else {
			t.Logf("systemd-analyze verify (another unit): %s", line)
		}
	}
	if err != nil && !t.Failed() {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}

	out, err = exec.Command(analyze, "security", "--offline=yes", "--no-pager", unit).CombinedOutput()
	if err != nil {
		t.Logf("systemd-analyze security --offline=yes: %v (systemd before 250?); exposure not checked\n%s", err, out)
		return
	}
	m := regexp.MustCompile(`Overall exposure level for gatehouse\.service: (\d+\.\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security printed no overall exposure:\n%s", out)
	}
	if level, _ := strconv.ParseFloat(string(m[1]), 64); level > 2.0 {
		t.Errorf("systemd-analyze security: exposure %.1f, want 2.0 or less (it was 1.4):\n%s", level, out)
	}
}

// ---- the environment file and the README -----------------------------------

// env.example is an EnvironmentFile that names every setting of serve and
// the master key, and nothing else.
func TestEnvExample(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	want := map[string]bool{config.MasterKeyEnv: true}
	config.FlagSet("serve", &cfg, func(string) string { return "" }, true).VisitAll(func(f *flag.Flag) {
		want[config.EnvName(f.Name)] = true
	})
	seen := map[string]bool{}
	varRE := regexp.MustCompile(`^#?([A-Z][A-Z0-9_]*)=(.*)$`)
	for n, line := range strings.Split(readFile(t, "deploy/env.example"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		m := varRE.FindStringSubmatch(line)
		if m == nil {
			if !strings.HasPrefix(line, "#") {
				t.Errorf("env.example:%d: %q is neither a comment nor VARIABLE=value", n+1, line)
			}
			continue
		}
		if !want[m[1]] {
			t.Errorf("env.example:%d: %s is not a gatehouse setting", n+1, m[1])
		}
		if strings.ContainsAny(m[2], `"'$`) {
			t.Errorf("env.example:%d: %q: quotes and $ mean different things to systemd and docker --env-file", n+1, line)
		}
		if !strings.HasPrefix(line, "#") {
			t.Errorf("env.example:%d: %s is set; the example should only show it, commented out", n+1, m[1])
		}
		seen[m[1]] = true
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("env.example does not document %s", k)
		}
	}
}

// The README's Production section, before Command line, shows both the
// image and the unit.
func TestReadmeProduction(t *testing.T) {
	t.Parallel()
	readme := readFile(t, "README.md")
	start := strings.Index(readme, "\n## Production\n")
	cli := strings.Index(readme, "\n## Command line\n")
	if start < 0 || cli < 0 || start > cli {
		t.Fatalf("README.md has no \"## Production\" section before \"## Command line\"")
	}
	section := readme[start+1:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	for _, want := range []string{
		"Dockerfile", "docker build", "docker run", "GATEHOUSE_MASTER_KEY", "-v gatehouse-data:/data",
		"deploy/gatehouse.service", "deploy/env.example", "systemctl enable --now gatehouse",
		"--trusted-proxies", "gatehouse healthcheck",
	} {
		if !strings.Contains(section, want) {
			t.Errorf("README's Production section does not mention %s", want)
		}
	}
}
