package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFormatVersion(t *testing.T) {
	t.Parallel()
	vcs := func(mainVersion string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/gatehouse/gatehouse", Version: mainVersion}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name                    string
		linkVersion, linkCommit string
		bi                      *debug.BuildInfo
		want                    string
	}{
		{"no build info", "dev", "", nil, "(devel)"},
		{"-buildvcs=false", "dev", "", vcs("(devel)"), "(devel)"},
		{"go install @version", "dev", "", vcs("v1.4.0"), "v1.4.0"},
		{"git checkout", "dev", "", vcs("(devel)", "vcs", "git", "vcs.revision", rev, "vcs.time", "2026-03-01T10:00:00Z", "vcs.modified", "false"),
			"(devel) (0123456789ab, 2026-03-01T10:00:00Z)"},
		{"git checkout, modified", "dev", "", vcs("(devel)", "vcs.revision", rev, "vcs.time", "2026-03-01T10:00:00Z", "vcs.modified", "true"),
			"(devel) (0123456789ab+dirty, 2026-03-01T10:00:00Z)"},
		{"git checkout, pseudo-version", "dev", "", vcs("v0.0.0-20260301100000-0123456789ab", "vcs.revision", rev, "vcs.time", "2026-03-01T10:00:00Z"),
			"v0.0.0-20260301100000-0123456789ab (2026-03-01T10:00:00Z)"},
		{"git checkout, pseudo-version, modified", "dev", "", vcs("v0.0.0-20260301100000-0123456789ab+dirty", "vcs.revision", rev, "vcs.time", "2026-03-01T10:00:00Z", "vcs.modified", "true"),
			"v0.0.0-20260301100000-0123456789ab+dirty (2026-03-01T10:00:00Z)"},
		{"ldflags version", "v2.0.0", "", vcs("(devel)"), "v2.0.0"},
		{"ldflags version over module version", "v2.0.0", "", vcs("v1.4.0", "vcs.revision", rev), "v2.0.0 (0123456789ab)"},
		{"ldflags version and commit", "v2.0.0", "abc1234", vcs("(devel)", "vcs.revision", rev, "vcs.time", "2026-03-01T10:00:00Z", "vcs.modified", "true"), "v2.0.0 (abc1234)"},
		{"ldflags empty version", "", "", vcs("v1.4.0"), "v1.4.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := formatVersion(tt.linkVersion, tt.linkCommit, tt.bi); got != tt.want {
				t.Errorf("formatVersion = %q, want %q", got, tt.want)
			}
		})
	}
}

// The built binary: version from the link-time override and from git,
// "version", "--help" and an unknown flag through main (each reported
// once, with the right exit status).
func TestBinaryVersionAndUsage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gatehouse binary")
	}
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	build := func(t *testing.T, flags ...string) string {
		bin := filepath.Join(t.TempDir(), "gatehouse")
		cmd := exec.Command(goTool, append(append([]string{"build", "-o", bin}, flags...), ".")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v\n%s", flags, err, out)
		}
		return bin
	}
	runBin := func(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
		var o, e strings.Builder
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "GATEHOUSE_DATA="+filepath.Join(t.TempDir(), "data"))
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
			t.Fatal(err)
		}
		return o.String(), e.String(), cmd.ProcessState.ExitCode()
	}

	t.Run("ldflags", func(t *testing.T) {
		bin := build(t, "-buildvcs=false", "-ldflags=-X github.com/gatehouse/gatehouse.Version=v9.8.7-test -X github.com/gatehouse/gatehouse.Commit=feedbee")
		for _, args := range [][]string{{"version"}, {"--version"}} {
			out, errOut, code := runBin(t, bin, args...)
			if code != 0 || out != "gatehouse v9.8.7-test (feedbee)\n" || errOut != "" {
				t.Errorf("gatehouse %s: exit %d, stdout %q, stderr %q; want \"gatehouse v9.8.7-test (feedbee)\"", args[0], code, out, errOut)
			}
		}
		for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"users", "--help"}, {"users", "create", "-h"}, {"version", "--help"}} {
			out, errOut, code := runBin(t, bin, args...)
			if code != 0 || !strings.Contains(out, "usage: gatehouse") || errOut != "" {
				t.Errorf("gatehouse %s: exit %d, stdout %q, stderr %q; want the usage on stdout, exit 0", strings.Join(args, " "), code, out, errOut)
			}
		}
		for _, args := range [][]string{{"serve", "--frob"}, {"users", "list", "--frob"}, {"users", "--frob"}, {"frob"}} {
			out, errOut, code := runBin(t, bin, args...)
			if code != 2 || out != "" {
				t.Errorf("gatehouse %s: exit %d, stdout %q; want exit 2 and nothing on stdout", strings.Join(args, " "), code, out)
			}
			if n := strings.Count(errOut, "frob"); n != 1 {
				t.Errorf("gatehouse %s: stderr names frob %d times, want once:\n%s", strings.Join(args, " "), n, errOut)
			}
			if !strings.Contains(errOut, "usage: gatehouse") {
				t.Errorf("gatehouse %s: no usage on stderr:\n%s", strings.Join(args, " "), errOut)
			}
		}
		// A runtime error is printed once by main, exit 1.
		_, errOut, code := runBin(t, bin, "users", "activate", "nobody@b.co")
		if code != 1 || strings.Count(errOut, "nobody@b.co") != 1 {
			t.Errorf("users activate nobody: exit %d, stderr %q; want exit 1 and the error once", code, errOut)
		}
	})

	t.Run("git checkout", func(t *testing.T) {
		root, err := filepath.Abs("../..")
		if err != nil {
			t.Fatal(err)
		}
		git, err := exec.LookPath("git")
		if err != nil {
			t.Skip("no git")
		}
		rev, err := exec.Command(git, "-C", root, "rev-parse", "HEAD").Output()
		if err != nil {
			t.Skipf("not a git checkout: %v", err)
		}
		if st, err := os.Stat(filepath.Join(root, ".git")); err != nil || !st.IsDir() {
			// The go command stamps VCS information only where .git is a
			// directory, not in a git worktree (.git a file).
			t.Skipf("%s/.git is not a directory: the go command records no VCS information here", root)
		}
		bin := build(t, "-buildvcs=true")
		out, _, code := runBin(t, bin, "version")
		r12 := string(rev[:12])
		// "(devel) (REV, TIME)" or a pseudo-version naming REV, "(TIME)".
		want := regexp.MustCompile(`^gatehouse (\S+ \(` + r12 + `(\+dirty)?, |\S*` + r12 + `\S* \()\d{4}-\d\d-\d\dT[0-9:]+Z\)\n$`)
		if code != 0 || !want.MatchString(out) {
			t.Errorf("version from a git checkout: exit %d, %q; want it to match %s", code, out, want)
		}
	})
}
