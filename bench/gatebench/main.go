// Command gatebench is gatehouse's benchmark anyone can rerun (see
// bench/README.md). In one run on one machine it builds gatehouse and a
// bare net/http handler, starts both on loopback, prepares every kind of
// credential, and drives both servers with wrk in alternating rounds:
// the same requests, threads, connections and duration for each. It
// prints req/s, p50 and p99 per scenario with gatehouse's ratio to the
// bare handler, then verify latency with 1,000,000 API keys stored
// against 1,000 (seeded straight into SQLite), warm and cold.
//
// Run it from the repository root:
//
//	go run ./bench/gatebench
//
// The report goes to stdout, progress to stderr.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/bench/gatebench/benchserver"

	crand "crypto/rand"
)

type options struct {
	dur, warm               time.Duration
	rounds, threads, conns  int
	only                    *regexp.Regexp
	stored, small           int
	coldRounds, coldPerRnd  int
	walk                    int
	kcAccounts              int
	skipScenarios, skipKeys bool
	keep                    bool
	work                    string
	// profile is -profile: where each scenario's gatehouse CPU profile
	// goes, or "" for none; debugAddr is the profiler's listener then.
	profile, debugAddr string
	// against is -against: another gatehouse binary, the reference of
	// every scenario, or "" for none.
	against string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gatebench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gatebench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var only string
	fs.DurationVar(&o.dur, "d", 5*time.Second, "duration of one measured wrk round")
	fs.DurationVar(&o.warm, "warmup", time.Second, "unmeasured wrk run on each server before a scenario's rounds")
	fs.IntVar(&o.rounds, "rounds", 3, "measured rounds per server and scenario (alternating bare, gatehouse, bare, ...)")
	fs.IntVar(&o.threads, "t", 2, "wrk threads")
	fs.IntVar(&o.conns, "c", 32, "wrk connections (a multiple of -t)")
	fs.StringVar(&only, "only", "", "run only the scenarios whose id matches this regexp (ids: healthz, verify-key, verify-token, verify-jwt, verify-basic, verify-unknown, logins, app-get, exchange, key-create, verify-unknown-1ip)")
	fs.IntVar(&o.stored, "stored", 1_000_000, "API keys stored for the many-keys verify measurement")
	fs.IntVar(&o.small, "small", 1_000, "API keys stored for its baseline")
	fs.IntVar(&o.coldRounds, "cold-rounds", 5, "cold verify rounds per database (each after a restart)")
	fs.IntVar(&o.coldPerRnd, "cold", 1_000, "distinct keys verified per cold round (at most -small)")
	fs.IntVar(&o.walk, "walk", 1_000_000, "distinct keys verified in the sustained cold walk over the big database (0: none; at most -stored)")
	fs.IntVar(&o.kcAccounts, "kc-accounts", 5_000, "accounts the key-creation scenario spreads its requests over (99 new keys each at most)")
	fs.BoolVar(&o.skipScenarios, "skip-scenarios", false, "skip the scenario table (bare vs gatehouse)")
	fs.BoolVar(&o.skipKeys, "skip-stored", false, "skip the many-keys verify measurement")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory (binaries, databases, Lua scripts)")
	fs.StringVar(&o.work, "work", "", "work directory (default: a new one under $TMPDIR)")
	fs.StringVar(&o.against, "against", "", "measure another gatehouse build (the binary at `PATH`, e.g. go build -o /tmp/gh-old ./cmd/gatehouse at another commit) as every scenario's reference row, on the same data directory, in place of the same-answer and one-SELECT references: an A/B of two builds in one run")
	fs.StringVar(&o.profile, "profile", "", "write a CPU profile of gatehouse during each scenario's first measured round to `DIR`/<id>.pprof (that round runs a little slower; read it with go tool pprof -top)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.threads < 1 || o.conns < o.threads || o.conns%o.threads != 0 {
		return errors.New("-c must be a positive multiple of -t")
	}
	if o.rounds < 1 || o.dur < time.Second || o.small < 1 || o.stored < o.small {
		return errors.New("want -rounds ≥ 1, -d ≥ 1s, 1 ≤ -small ≤ -stored")
	}
	o.coldPerRnd = min(o.coldPerRnd, o.small)
	o.walk = min(o.walk, o.stored)
	if o.coldPerRnd < 4*o.conns || o.stored < o.coldRounds*o.coldPerRnd+1000 {
		return errors.New("-cold must be at least 4 × -c, and -stored must hold -cold-rounds × -cold keys and 1,000 more")
	}
	var err error
	if o.only, err = regexp.Compile(only); err != nil {
		return err
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk not found: apt-get install wrk")
	}
	if o.against != "" {
		abs, err := filepath.Abs(o.against)
		if err != nil {
			return err
		}
		if _, err := os.Stat(abs); err != nil {
			return fmt.Errorf("-against: %w", err)
		}
		o.against = abs
	}
	if o.profile != "" {
		if err := os.MkdirAll(o.profile, 0o755); err != nil {
			return err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		o.debugAddr = ln.Addr().String()
		ln.Close()
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	if o.work == "" {
		if o.work, err = os.MkdirTemp("", "gatebench-"); err != nil {
			return err
		}
	}
	if !o.keep {
		defer os.RemoveAll(o.work)
	}
	b := &bench{o: o, out: stdout, log: stderr, root: root, start: time.Now()}
	b.header(ctx, args)
	if err := b.build(ctx); err != nil {
		return err
	}
	if !o.skipScenarios {
		if err := b.scenarios(ctx); err != nil {
			return err
		}
	}
	if !o.skipKeys {
		if err := b.storedKeys(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "\nfinished in %s; load average %s\n", time.Since(b.start).Round(time.Second), loadavg())
	if o.keep {
		fmt.Fprintf(stdout, "work directory kept: %s\n", o.work)
	}
	return nil
}

// bench is one run.
type bench struct {
	o          options
	out, log   io.Writer
	root       string
	start      time.Time
	ghBin      string
	bareBin    string
	refBin     string
	masterKey  string
	commitDesc string
}

func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(b.log, "[%s] %s\n", time.Since(b.start).Round(time.Second), fmt.Sprintf(format, args...))
}

func moduleRoot(ctx context.Context) (string, error) {
	out, err := runCmd(ctx, "", nil, "go", "env", "GOMOD")
	mod := strings.TrimSpace(out)
	if err != nil || mod == "" || mod == os.DevNull {
		return "", errors.New("run gatebench inside the gatehouse repository (go run ./bench/gatebench)")
	}
	return filepath.Dir(mod), nil
}

// header prints the machine and the command line.
func (b *bench) header(ctx context.Context, args []string) {
	w := b.out
	cpu := "unknown"
	if s, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(s), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if s, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(string(s)); len(f) > 1 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			mem = fmt.Sprintf(", %.1f GiB RAM", float64(kb)/(1<<20))
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	gov, _ := runCmd(ctx, "", nil, "go", "version")
	wv, _ := exec.CommandContext(ctx, "wrk", "-v").CombinedOutput()
	wrkV, _, _ := strings.Cut(string(wv), "\n")
	wrkV, _, _ = strings.Cut(wrkV, " Copyright")
	commit, _ := runCmd(ctx, b.root, nil, "git", "rev-parse", "--short=12", "HEAD")
	dirty, _ := runCmd(ctx, b.root, nil, "git", "status", "--porcelain", "--untracked-files=no")
	b.commitDesc = strings.TrimSpace(commit)
	if strings.TrimSpace(dirty) != "" {
		b.commitDesc += " with uncommitted changes"
	}
	fmt.Fprintln(w, "gatebench: gatehouse against a bare net/http handler (bench/README.md)")
	fmt.Fprintf(w, "command:   go run ./bench/gatebench %s\n", strings.Join(quoteArgs(args), " "))
	fmt.Fprintf(w, "started:   %s\n", b.start.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "machine:   nproc %d, %s%s, Linux %s, load average %s at start\n", runtime.NumCPU(), cpu, mem, strings.TrimSpace(string(kernel)), loadavg())
	fmt.Fprintf(w, "go:        %s\n", strings.TrimSpace(gov))
	fmt.Fprintf(w, "wrk:       %s\n", strings.TrimSpace(wrkV))
	fmt.Fprintf(w, "gatehouse: commit %s\n", b.commitDesc)
	if b.o.against != "" {
		fmt.Fprintf(w, "against:   %s (the reference rows)\n", b.o.against)
	}
	fmt.Fprintf(w, "load:      wrk -t %d -c %d --timeout 10s on loopback; per scenario a %s warm-up on each server, then %d rounds of %s alternating bare, gatehouse, bare, ...\n",
		b.o.threads, b.o.conns, b.o.warm, b.o.rounds, b.o.dur)
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$\\*?[]|&;<>()") {
			a = strconv.Quote(a)
		}
		out[i] = a
	}
	return out
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// build compiles gatehouse and the bare handler into the work directory.
func (b *bench) build(ctx context.Context) error {
	b.progress("building gatehouse, the bare handler and the one-SELECT reference")
	b.ghBin = filepath.Join(b.o.work, "gatehouse")
	b.bareBin = filepath.Join(b.o.work, "bare")
	b.refBin = filepath.Join(b.o.work, "oneselect")
	for _, bin := range [][2]string{{b.ghBin, "./cmd/gatehouse"}, {b.bareBin, "./bench/gatebench/bare"}, {b.refBin, "./bench/gatebench/oneselect"}} {
		if _, err := runCmd(ctx, b.root, nil, "go", "build", "-o", bin[0], bin[1]); err != nil {
			return err
		}
	}
	var k [32]byte
	crand.Read(k[:])
	b.masterKey = hex.EncodeToString(k[:])
	return nil
}

// ghEnv is the environment of every gatehouse process: the caller's, minus
// any GATEHOUSE_* setting, plus the run's master key.
func (b *bench) ghEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GATEHOUSE_") {
			env = append(env, kv)
		}
	}
	return append(env, "GATEHOUSE_MASTER_KEY="+b.masterKey)
}

// gatehouse returns a gatehouse server on data directory dir. Loopback is
// a trusted proxy, so the X-Forwarded-For that some loads send names the
// client the throttles meter.
func (b *bench) gatehouse(name, dir string) *server {
	return b.gatehouseBuild(name, b.ghBin, dir)
}

// gatehouseBuild is gatehouse with the binary bin.
func (b *bench) gatehouseBuild(name, bin, dir string) *server {
	return &server{name: name, bin: bin, env: b.ghEnv(), ready: `"msg":"listening"`,
		args: func(addr string) []string {
			args := []string{"serve", "--data", dir, "--addr", addr, "--trusted-proxies", "127.0.0.1/32"}
			if b.o.debugAddr != "" && name == "gatehouse" {
				args = append(args, "--debug-addr", b.o.debugAddr)
			}
			return args
		}}
}

func (b *bench) bare() *server {
	return &server{name: "bare", bin: b.bareBin, env: os.Environ(), ready: "listening ",
		args: func(addr string) []string { return []string{"-addr", addr} }}
}

// refQuery is the one indexed SELECT a read scenario's gatehouse request
// runs in its store, with its arguments: the query of the one-SELECT
// reference (bench/gatebench/oneselect).
type refQuery struct {
	query string
	args  []string // typed as oneselect's -args: i:INTEGER, s:TEXT
}

// reference returns the one-SELECT reference server for q on database
// file db (gatehouse's own, which it reads while gatehouse runs).
func (b *bench) reference(db string, q refQuery) *server {
	return &server{name: "reference", bin: b.refBin, env: os.Environ(), ready: "listening ",
		args: func(addr string) []string {
			return []string{"-addr", addr, "-db", db, "-query", q.query, "-args", strings.Join(q.args, ",")}
		}}
}

// sameAnswer returns the same-answer reference: the bare handler giving
// every request the answer recorded in file, of status status.
func (b *bench) sameAnswer(file string, status int) *server {
	return &server{name: "same-answer", bin: b.bareBin, env: os.Environ(), ready: "listening ", answers: status,
		args: func(addr string) []string { return []string{"-addr", addr, "-answer", file} }}
}

// Reference kinds: what a scenario's reference rows are.
const (
	refOneSelect  = "one-SELECT reference"
	refSameAnswer = "same-answer reference"
	refAgainst    = "-against build"
)

// startReference starts the reference of r's scenario, if it has one: the
// -against build on db's data directory (for every scenario, when set),
// the one-SELECT reference on database file db, or the same-answer
// reference giving ans (written into the work directory). A reference
// that will not start costs its row, not the run: it is reported and nil
// returned.
func (b *bench) startReference(ctx context.Context, r *runs, db string, ans benchserver.Answer) *server {
	ref := b.pickReference(r, db, ans)
	if ref == nil {
		return nil
	}
	if err := ref.start(ctx); err != nil {
		r.problems = append(r.problems, "the "+r.refKind+" did not start: "+err.Error())
		b.progress("%s: the %s did not start: %v", r.sc.id, r.refKind, err)
		return nil
	}
	return ref
}

// pickReference is startReference's choice of server, not yet started,
// with r.refKind set; nil for none.
func (b *bench) pickReference(r *runs, db string, ans benchserver.Answer) *server {
	switch {
	case b.o.against != "":
		r.refKind = refAgainst
		return b.gatehouseBuild("against", b.o.against, filepath.Dir(db))
	case r.sc.ref != nil:
		r.refKind = refOneSelect
		return b.reference(db, *r.sc.ref)
	case r.sc.sameAnswer:
		r.refKind = refSameAnswer
		raw, err := json.Marshal(ans)
		if err == nil {
			file := filepath.Join(b.o.work, r.sc.id+"-answer.json")
			if err = os.WriteFile(file, raw, 0o600); err == nil {
				return b.sameAnswer(file, ans.Status)
			}
		}
		r.problems = append(r.problems, "the same-answer reference: "+err.Error())
	}
	return nil
}

// scenario is one row of the table.
type scenario struct {
	id, title string
	load      load
	// want is gatehouse's status for every request; 0 means any 4xx (the
	// one-IP flood, whose answers turn from 401 to throttled).
	want       int
	wantHeader [2]string // a header (and value) gatehouse's precheck answer must carry
	notes      string
	// ref, when set, is the SQLite SELECT gatehouse's store runs for the
	// request: the scenario also measures the one-SELECT reference.
	ref *refQuery
	// sameAnswer: the scenario also measures the same-answer reference,
	// the bare handler giving gatehouse's precheck answer to every request.
	sameAnswer bool
}

// runs holds a scenario's measured rounds.
type runs struct {
	sc        scenario
	bare, gh  []result
	ref       []result // the reference's rounds, when the scenario has one
	refKind   string   // refOneSelect or refSameAnswer
	skipped   string
	problems  []string
	keysAdded int64
}

func (b *bench) scenarios(ctx context.Context) error {
	dir := filepath.Join(b.o.work, "main")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var c creds
	b.progress("seeding %d key-creation accounts and the token-exchange account", b.o.kcAccounts)
	kc, err := seedKeys(ctx, dir, "keycreate", b.o.kcAccounts, 1)
	if err != nil {
		return err
	}
	ex, err := seedKeys(ctx, dir, "exchange", 1, 1)
	if err != nil {
		return err
	}
	c.keyCreators, c.exchange = kc, ex[0]
	var kcKeys []string
	for _, a := range kc {
		kcKeys = append(kcKeys, a.keys[0])
	}
	kcFile, err := writeLines(b.o.work, "keycreate-keys.txt", kcKeys)
	if err != nil {
		return err
	}

	gh, bare := b.gatehouse("gatehouse", dir), b.bare()
	if err := bare.start(ctx); err != nil {
		return err
	}
	defer bare.stop()
	if err := gh.start(ctx); err != nil {
		return err
	}
	defer gh.stop()
	b.progress("preparing credentials")
	if err := setupCreds(ctx, gh, b.ghBin, dir, b.ghEnv(), &c); err != nil {
		return fmt.Errorf("credentials: %w", err)
	}

	js := [2]string{"Content-Type", "application/json"}
	verify := func(h, v string) load {
		return load{method: "GET", path: "/auth/verify", headers: [][2]string{{h, v}}}
	}
	exBody := fmt.Sprintf(`{"email":%q,"api_key":%q}`, c.exchange.email, c.exchange.keys[0])
	scs := []scenario{
		{id: "healthz", title: "GET /healthz", load: load{method: "GET", path: "/healthz"}, want: 200, sameAnswer: true},
		{id: "verify-key", title: "/auth/verify, API key (X-API-Key)", load: verify("X-API-Key", c.apiKey), want: 200,
			wantHeader: [2]string{"X-Gatehouse-Credential", "api_key"}, sameAnswer: true},
		{id: "verify-token", title: "/auth/verify, access token (Bearer)", load: verify("Authorization", "Bearer "+c.token), want: 200,
			wantHeader: [2]string{"X-Gatehouse-Credential", "access_token"}, sameAnswer: true},
		{id: "verify-jwt", title: "/auth/verify, app JWT (Bearer)", load: verify("Authorization", "Bearer "+c.appJWT), want: 200,
			wantHeader: [2]string{"X-Gatehouse-Credential", "app_key"}, sameAnswer: true},
		{id: "verify-basic", title: "/auth/verify, account key (Basic)", load: verify("Authorization", c.basic), want: 200,
			wantHeader: [2]string{"X-Gatehouse-Credential", "account_key"}, sameAnswer: true},
		{id: "verify-unknown", title: "/auth/verify, unknown well-formed key", want: 401, sameAnswer: true,
			load:  load{method: "GET", path: "/auth/verify", headers: [][2]string{{"X-API-Key", c.unknownKey}}, xff: true},
			notes: "the same never-stored key (valid checksum) from 65,536 client IPs: the negative cache answers, not the failure throttle"},
		{id: "logins", title: "POST /user/get-user-logins, API key", want: 200,
			load:  load{method: "POST", path: "/user/get-user-logins", headers: [][2]string{js, {"x-access-tokens", c.apiKey}}, body: "{}"},
			notes: fmt.Sprintf("a SQLite read of the account's %d latest logins", mainLogins),
			ref:   &refQuery{query: loginsQuery, args: []string{"i:" + strconv.FormatInt(c.userID, 10), "i:" + strconv.Itoa(mainLogins)}}},
		{id: "app-get", title: "GET /v2/apps/{id}, app JWT", want: 200,
			load: load{method: "GET", path: "/v2/apps/" + c.appID, headers: [][2]string{{"Authorization", "Bearer " + c.appJWT}}},
			ref:  &refQuery{query: appQuery, args: []string{"s:" + c.appID}}},
		{id: "exchange", title: "POST /user/get-token-with-api-key", want: 200,
			load:  load{method: "POST", path: "/user/get-token-with-api-key", headers: [][2]string{js}, body: exBody, xff: true},
			notes: "one account and key; a token and a login row written per request; X-Forwarded-For from 65,536 IPs so the per-IP exchange throttle (30, then 1/s) meters clients, not the benchmark"},
		{id: "key-create", title: "POST /user/user-api-key", want: 200,
			load: load{method: "POST", path: "/user/user-api-key", headers: [][2]string{js}, body: `{"name":"bench"}`,
				rotate: &rotation{header: "x-access-tokens", file: kcFile}},
			notes: fmt.Sprintf("round robin over %d seeded accounts (each starts with 1 key; the limit is 100), stopped before any could reach it", b.o.kcAccounts)},
		{id: "verify-unknown-1ip", title: "/auth/verify, unknown key, one client IP", want: 0,
			load:  load{method: "GET", path: "/auth/verify", headers: [][2]string{{"X-API-Key", c.unknownKey}}},
			notes: "the same flood from one IP: after 50 failures the failure throttle answers (docs/security.md 13); any 4xx counts"},
	}
	var all []*runs
	for _, sc := range scs {
		if !b.o.only.MatchString(sc.id) {
			continue
		}
		r := &runs{sc: sc}
		all = append(all, r)
		if err := b.measure(ctx, bare, gh, filepath.Join(dir, "gatehouse.db"), r); err != nil {
			return err
		}
		if !gh.alive() {
			return fmt.Errorf("gatehouse exited during %s: %s", sc.id, lastLines(gh.out.String(), 5))
		}
	}
	b.table(all)
	b.logSummary(gh)
	return nil
}

// precheck sends the scenario's request once to gatehouse and checks the
// answer, so that a table row never measures a wrong answer; it returns the
// answer, for the same-answer reference.
func (b *bench) precheck(ctx context.Context, gh *server, sc scenario) (benchserver.Answer, error) {
	l := sc.load
	hs := slices.Clone(l.headers)
	if l.rotate != nil {
		v, err := os.ReadFile(l.rotate.file)
		if err != nil {
			return benchserver.Answer{}, err
		}
		first, _, _ := strings.Cut(string(v), "\n")
		hs = append(hs, [2]string{l.rotate.header, l.rotate.prefix + first})
	}
	if l.xff {
		hs = append(hs, [2]string{"X-Forwarded-For", "10.77.255.255"})
	}
	st, h, body, err := call(ctx, l.method, gh.url(l.path), hs, l.body)
	if err != nil {
		return benchserver.Answer{}, err
	}
	want := sc.want
	if want == 0 {
		want = http.StatusUnauthorized
	}
	if st != want {
		return benchserver.Answer{}, fmt.Errorf("status %d, want %d: %.200s", st, want, body)
	}
	if sc.wantHeader[0] != "" && h.Get(sc.wantHeader[0]) != sc.wantHeader[1] {
		return benchserver.Answer{}, fmt.Errorf("%s: %q, want %q", sc.wantHeader[0], h.Get(sc.wantHeader[0]), sc.wantHeader[1])
	}
	return recordAnswer(st, h, body), nil
}

// recordAnswer is gatehouse's answer as the same-answer reference gives
// it: every header field but Date and Content-Length (net/http writes those
// itself), in a fixed order, since Go's client keeps them in a map.
func recordAnswer(status int, h http.Header, body []byte) benchserver.Answer {
	a := benchserver.Answer{Status: status, Body: string(body)}
	for _, name := range slices.Sorted(maps.Keys(h)) {
		if name == "Date" || name == "Content-Length" {
			continue
		}
		for _, v := range h[name] {
			a.Headers = append(a.Headers, [2]string{name, v})
		}
	}
	return a
}

// kcBudget is how many keys the key-creation scenario may create. Each
// account starts with one key and may hold 100, so 99 more. Every thread
// walks all accounts round robin from its own offset, so an account gets
// at most total/accounts + threads requests, and the precheck one more;
// each run may also leave up to -c requests in flight that wrk does not
// count.
func (b *bench) kcBudget() int64 {
	return int64(b.o.kcAccounts)*int64(98-b.o.threads) - int64(b.o.rounds+1)*int64(b.o.conns)
}

// measure runs a scenario's rounds: bare, gatehouse, and the scenario's
// reference when it has one (startReference; db is gatehouse's database
// file), in turn.
func (b *bench) measure(ctx context.Context, bare, gh *server, db string, r *runs) error {
	sc := r.sc
	ans, err := b.precheck(ctx, gh, sc)
	if err != nil {
		r.skipped = "precheck failed: " + err.Error()
		b.progress("%s: skipped: %s", sc.id, r.skipped)
		return nil
	}
	if ref := b.startReference(ctx, r, db, ans); ref != nil {
		defer ref.stop()
		return b.rounds(ctx, bare, gh, ref, r)
	}
	return b.rounds(ctx, bare, gh, nil, r)
}

// rounds runs measure's rounds.
func (b *bench) rounds(ctx context.Context, bare, gh, ref *server, r *runs) error {
	sc := r.sc
	if sc.id == "key-create" {
		r.keysAdded++
	}
	script, err := sc.load.script(b.o.work, sc.id, b.o.threads, b.o.conns)
	if err != nil {
		return err
	}
	// The key-creation budget: before each gatehouse run, what the fastest
	// run so far would create in it (10,000/s before the first) must fit.
	maxRate := 10_000.0
	fits := func(d time.Duration) bool {
		if sc.id != "key-create" {
			return true
		}
		return r.keysAdded+int64(maxRate*d.Seconds()*1.2)+int64(b.o.conns) <= b.kcBudget()
	}
	one := func(s *server, d time.Duration) (result, error) {
		res, err := wrkRun(ctx, script, "http://"+s.addr, b.o.threads, b.o.conns, d)
		if err != nil {
			return res, err
		}
		if s == gh && sc.id == "key-create" {
			r.keysAdded += res.Requests
			maxRate = max(maxRate, res.rps())
		}
		return res, nil
	}
	b.progress("%s: warm-up", sc.id)
	if _, err := one(bare, b.o.warm); err != nil {
		return err
	}
	if !fits(b.o.warm) {
		r.skipped = "key-creation budget too small: raise -kc-accounts"
		return nil
	}
	if _, err := one(gh, b.o.warm); err != nil {
		return err
	}
	if ref != nil {
		if _, err := one(ref, b.o.warm); err != nil {
			return err
		}
	}
	for i := range b.o.rounds {
		br, err := one(bare, b.o.dur)
		if err != nil {
			return err
		}
		r.bare = append(r.bare, br)
		if !fits(b.o.dur) {
			r.problems = append(r.problems, fmt.Sprintf("stopped after %d rounds: key-creation budget (raise -kc-accounts)", i))
			break
		}
		var profiled chan error
		if i == 0 && b.o.profile != "" {
			profiled = make(chan error, 1)
			go func() { profiled <- b.cpuProfile(ctx, sc.id, b.o.dur-500*time.Millisecond) }()
		}
		gr, err := one(gh, b.o.dur)
		if profiled != nil {
			if perr := <-profiled; perr != nil {
				r.problems = append(r.problems, "profile: "+perr.Error())
			}
		}
		if err != nil {
			return err
		}
		r.gh = append(r.gh, gr)
		b.progress("%s round %d/%d: bare %.0f req/s, gatehouse %.0f req/s (%.2f×)", sc.id, i+1, b.o.rounds, br.rps(), gr.rps(), gr.rps()/br.rps())
		if ref != nil {
			rr, err := one(ref, b.o.dur)
			if err != nil {
				return err
			}
			r.ref = append(r.ref, rr)
			b.progress("%s round %d/%d: %s %.0f req/s (%.2f× bare; gatehouse %.2f× of it)", sc.id, i+1, b.o.rounds, r.refKind, rr.rps(), rr.rps()/br.rps(), gr.rps()/rr.rps())
			refWant := 200
			if r.refKind != refOneSelect {
				refWant = sc.want
			}
			if p := checkRun("reference", rr, refWant); p != "" {
				r.problems = append(r.problems, p)
			}
		}
		if p := checkRun("bare", br, 200); p != "" {
			r.problems = append(r.problems, p)
		}
		if p := checkRun("gatehouse", gr, sc.want); p != "" {
			r.problems = append(r.problems, p)
		}
	}
	if sc.id == "key-create" {
		r.problems = append(r.problems, fmt.Sprintf("%d keys created in all (budget %d)", r.keysAdded, b.kcBudget()))
	}
	return nil
}

// checkRun says what is wrong with a run: socket errors or timeouts, or
// answers of the wrong class (wrk counts statuses of 400 and more).
func checkRun(who string, r result, want int) string {
	var p []string
	if n := r.sockErrs(); n > 0 {
		p = append(p, fmt.Sprintf("%d socket errors/timeouts", n))
	}
	switch {
	case want >= 400 || want == 0:
		if r.Status != r.Requests {
			p = append(p, fmt.Sprintf("%d of %d answers below 400", r.Requests-r.Status, r.Requests))
		}
	default:
		if r.Status > 0 {
			p = append(p, fmt.Sprintf("%d of %d answers 4xx/5xx", r.Status, r.Requests))
		}
	}
	if len(p) == 0 {
		return ""
	}
	return who + ": " + strings.Join(p, ", ")
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func each(rs []result, f func(result) float64) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return out
}

// us formats a latency in µs.
func us(v float64) string {
	switch {
	case v <= 0:
		return "-"
	case v < 1000:
		return fmt.Sprintf("%.0fµs", v)
	case v < 100_000:
		return fmt.Sprintf("%.2fms", v/1000)
	}
	return fmt.Sprintf("%.0fms", v/1000)
}

func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// pairRatio is the median over rounds of gatehouse's figure over the bare
// handler's in the round just before it: drift in the machine's load
// cancels within a pair.
func pairRatio(bare, gh []result, f func(result) float64) string {
	var rs []float64
	for i := range min(len(bare), len(gh)) {
		if f(bare[i]) > 0 && f(gh[i]) > 0 {
			rs = append(rs, f(gh[i])/f(bare[i]))
		}
	}
	if len(rs) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", median(rs))
}

func (b *bench) table(all []*runs) {
	w := b.out
	fmt.Fprintf(w, "\n## gatehouse (SQLite) against the bare handler: medians of %d rounds; ratios are medians of per-round gatehouse/bare\n\n", b.o.rounds)
	t := [][]string{{"scenario", "bare req/s", "gatehouse req/s", "req/s ratio", "bare p50", "gatehouse p50", "bare p99", "gatehouse p99", "p99 ratio"}}
	rps := func(r result) float64 { return r.rps() }
	p50 := func(r result) float64 { return float64(r.P50) }
	p99 := func(r result) float64 { return float64(r.P99) }
	for _, r := range all {
		if r.skipped != "" || len(r.gh) == 0 {
			t = append(t, []string{r.sc.title, "-", "-", "-", "-", "-", "-", "-", "-"})
			continue
		}
		t = append(t, []string{r.sc.title,
			fmt.Sprintf("%.0f", median(each(r.bare, rps))), fmt.Sprintf("%.0f", median(each(r.gh, rps))), pairRatio(r.bare, r.gh, rps),
			us(median(each(r.bare, p50))), us(median(each(r.gh, p50))),
			us(median(each(r.bare, p99))), us(median(each(r.gh, p99))), pairRatio(r.bare, r.gh, p99)})
		if len(r.ref) > 0 {
			label := "  one-SELECT reference (same query)"
			switch r.refKind {
			case refSameAnswer:
				label = "  same-answer reference"
			case refAgainst:
				label = "  the -against build"
			}
			t = append(t, []string{label,
				"", fmt.Sprintf("%.0f", median(each(r.ref, rps))), pairRatio(r.bare, r.ref, rps),
				"", us(median(each(r.ref, p50))), "", us(median(each(r.ref, p99))), pairRatio(r.bare, r.ref, p99)})
		}
	}
	printTable(w, t)
	if hasRef(all, refOneSelect) {
		fmt.Fprintln(w, "\nThe one-SELECT reference rows are bench/gatebench/oneselect: a bare net/http server that runs only the SQLite SELECT")
		fmt.Fprintln(w, "gatehouse's store runs for that request, on gatehouse's database file, and answers its rows as JSON; their")
		fmt.Fprintln(w, "ratio is to the bare handler's round before them, and the notes below give gatehouse's ratio to them.")
	}
	if hasRef(all, refSameAnswer) {
		fmt.Fprintln(w, "\nThe same-answer reference rows are the bare handler giving every request gatehouse's own answer to it (status,")
		fmt.Fprintln(w, "header fields, body), recorded once: what net/http charges for writing that answer. Their ratio is to the bare")
		fmt.Fprintln(w, "handler's round before them; gatehouse's ratio to them (the notes below) is what gatehouse's own work costs.")
	}
	if hasRef(all, refAgainst) {
		fmt.Fprintln(w, "\nThe -against build rows are the other gatehouse binary, on the same data directory, in the same rounds; the")
		fmt.Fprintln(w, "notes below give this build's ratio to it.")
	}
	fmt.Fprintln(w, "\nscenario ids, notes and problems:")
	for _, r := range all {
		fmt.Fprintf(w, "- %s (%s)", r.sc.id, r.sc.title)
		if r.sc.notes != "" {
			fmt.Fprintf(w, ": %s", r.sc.notes)
		}
		fmt.Fprintln(w)
		if r.skipped != "" {
			fmt.Fprintf(w, "    SKIPPED: %s\n", r.skipped)
		}
		if len(r.ref) > 0 {
			fmt.Fprintf(w, "    gatehouse against the %s: %s req/s, %s p99 (medians of per-round ratios)\n",
				r.refKind, pairRatio(r.ref, r.gh, rps), pairRatio(r.ref, r.gh, p99))
		}
		for _, p := range r.problems {
			fmt.Fprintf(w, "    %s\n", p)
		}
	}
	fmt.Fprintln(w, "\nevery round (req/s, p50, p99):")
	for _, r := range all {
		if r.skipped != "" {
			continue
		}
		fmt.Fprintf(w, "- %s: bare [%s]; gatehouse [%s]", r.sc.id, roundsText(r.bare), roundsText(r.gh))
		if len(r.ref) > 0 {
			fmt.Fprintf(w, "; %s [%s]", r.refKind, roundsText(r.ref))
		}
		fmt.Fprintln(w)
	}
}

// roundsText is each round's req/s, p50 and p99, for the report's last part.
func roundsText(rs []result) string {
	var out []string
	for _, x := range rs {
		out = append(out, fmt.Sprintf("%.0f %s %s", x.rps(), us(float64(x.P50)), us(float64(x.P99))))
	}
	return strings.Join(out, "; ")
}

// hasRef reports whether any scenario measured a reference of kind.
func hasRef(all []*runs, kind string) bool {
	for _, r := range all {
		if len(r.ref) > 0 && r.refKind == kind {
			return true
		}
	}
	return false
}

// storedKeys measures /auth/verify with b.o.stored keys stored against
// b.o.small: warm (every key verified already), cold (the first
// verification of each key after a restart), and a sustained cold walk.
func (b *bench) storedKeys(ctx context.Context) error {
	type db struct {
		name  string
		n     int
		dir   string
		keys  []string
		s     *server
		warm  string
		cold  []string
		warmR []result
		coldR []result
	}
	dbs := []*db{{name: fmtCount(b.o.small), n: b.o.small}, {name: fmtCount(b.o.stored), n: b.o.stored}}
	w := b.out
	fmt.Fprintf(w, "\n## /auth/verify (X-API-Key) with %s API keys stored against %s\n\n", dbs[1].name, dbs[0].name)
	for _, d := range dbs {
		d.dir = filepath.Join(b.o.work, "stored-"+strconv.Itoa(d.n))
		if err := os.MkdirAll(d.dir, 0o700); err != nil {
			return err
		}
		b.progress("seeding %d API keys (100 per account) through the store package", d.n)
		t := time.Now()
		accts, err := seedKeys(ctx, d.dir, "stored", d.n, 100)
		if err != nil {
			return err
		}
		took := time.Since(t)
		for _, a := range accts {
			d.keys = append(d.keys, a.keys...)
		}
		// Every file a walk reads is in random order, so rows are found
		// all over the table, not in insertion order.
		rand.Shuffle(len(d.keys), func(i, j int) { d.keys[i], d.keys[j] = d.keys[j], d.keys[i] })
		st, _ := os.Stat(filepath.Join(d.dir, "gatehouse.db"))
		var size int64
		if st != nil {
			size = st.Size()
		}
		fmt.Fprintf(w, "seeded %s keys in %d accounts in %s (%.0f keys/s); database %.0f MiB\n", d.name, len(accts), took.Round(100*time.Millisecond), float64(d.n)/took.Seconds(), float64(size)/(1<<20))
		d.s = b.gatehouse("gatehouse-"+d.name, d.dir)
	}
	// Key files: warm sets of up to 1,000 keys; per cold round its own
	// keys (the small database has only its -small keys, reused after each
	// restart).
	small, big := dbs[0], dbs[1]
	var err error
	if small.warm, err = writeLines(b.o.work, "warm-small.txt", small.keys[:min(1000, len(small.keys))]); err != nil {
		return err
	}
	if big.warm, err = writeLines(b.o.work, "warm-big.txt", big.keys[:1000]); err != nil {
		return err
	}
	for i := range b.o.coldRounds {
		sk := slices.Clone(small.keys)
		rand.Shuffle(len(sk), func(i, j int) { sk[i], sk[j] = sk[j], sk[i] })
		f, err := writeLines(b.o.work, fmt.Sprintf("cold-small-%d.txt", i), sk[:b.o.coldPerRnd])
		if err != nil {
			return err
		}
		small.cold = append(small.cold, f)
		lo := 1000 + i*b.o.coldPerRnd
		if f, err = writeLines(b.o.work, fmt.Sprintf("cold-big-%d.txt", i), big.keys[lo:lo+b.o.coldPerRnd]); err != nil {
			return err
		}
		big.cold = append(big.cold, f)
	}
	warmLoad := func(file string) load {
		return load{method: "GET", path: "/auth/verify", rotate: &rotation{header: "X-API-Key", file: file}}
	}
	walkLoad := func(file string) load {
		return load{method: "GET", path: "/auth/verify", rotate: &rotation{header: "X-API-Key", file: file}, walk: true, want: 200}
	}
	for _, d := range dbs {
		if err := d.s.start(ctx); err != nil {
			return err
		}
		defer d.s.stop()
	}
	for _, d := range dbs {
		st, h, body, err := call(ctx, "GET", d.s.url("/auth/verify"), [][2]string{{"X-API-Key", d.keys[len(d.keys)-1]}}, "")
		if err != nil {
			return err
		}
		if st != http.StatusOK || h.Get("X-Gatehouse-Credential") != "api_key" {
			fmt.Fprintf(w, "SKIPPED: a stored key's /auth/verify answered %d (%.200s), want 200 with X-Gatehouse-Credential: api_key\n", st, body)
			return nil
		}
	}
	rss0, _ := big.s.memKB()

	// Warm: a warm-up run verifies every key of the set (each at least
	// once), then the rounds alternate small, big.
	var problems []string
	scripts := map[*db]string{}
	for _, d := range dbs {
		s, err := warmLoad(d.warm).script(b.o.work, "warm-"+d.name, b.o.threads, b.o.conns)
		if err != nil {
			return err
		}
		scripts[d] = s
		b.progress("warm-up %s", d.name)
		res, err := wrkRun(ctx, s, "http://"+d.s.addr, b.o.threads, b.o.conns, max(b.o.warm, 2*time.Second))
		if err != nil {
			return err
		}
		if res.Requests < 2000 {
			problems = append(problems, fmt.Sprintf("warm-up of %s sent only %d requests: some warm keys may have been cold in round 1", d.name, res.Requests))
		}
	}
	for i := range b.o.rounds {
		for _, d := range dbs {
			res, err := wrkRun(ctx, scripts[d], "http://"+d.s.addr, b.o.threads, b.o.conns, b.o.dur)
			if err != nil {
				return err
			}
			if p := checkRun("warm "+d.name, res, 200); p != "" {
				problems = append(problems, p)
			}
			d.warmR = append(d.warmR, res)
			b.progress("warm %s round %d/%d: %.0f req/s p50 %s p99 %s", d.name, i+1, b.o.rounds, res.rps(), us(float64(res.P50)), us(float64(res.P99)))
		}
	}
	rssWarm, _ := big.s.memKB()

	// Cold: each round restarts the server (empty cache), then verifies
	// -cold distinct keys once each.
	for i := range b.o.coldRounds {
		for _, d := range dbs {
			d.s.stop()
			if err := d.s.start(ctx); err != nil {
				return err
			}
			s, err := walkLoad(d.cold[i]).script(b.o.work, fmt.Sprintf("cold-%s-%d", d.name, i), b.o.threads, b.o.conns)
			if err != nil {
				return err
			}
			res, err := wrkRun(ctx, s, "http://"+d.s.addr, b.o.threads, b.o.conns, 60*time.Second)
			if err != nil {
				return err
			}
			if p := checkWalk("cold "+d.name, res, int64(b.o.coldPerRnd-2*b.o.conns)); p != "" {
				problems = append(problems, p)
			}
			d.coldR = append(d.coldR, res)
			b.progress("cold %s round %d/%d: %d keys, p50 %s p99 %s", d.name, i+1, b.o.coldRounds, res.Requests, us(float64(res.P50)), us(float64(res.P99)))
		}
	}

	// The sustained walk: after a restart, every key (up to -walk) once.
	var walkR result
	var rssWalk, hwmWalk int64
	if b.o.walk > 0 {
		big.s.stop()
		if err := big.s.start(ctx); err != nil {
			return err
		}
		f, err := writeLines(b.o.work, "walk-big.txt", big.keys[:b.o.walk])
		if err != nil {
			return err
		}
		s, err := walkLoad(f).script(b.o.work, "walk-big", b.o.threads, b.o.conns)
		if err != nil {
			return err
		}
		b.progress("cold walk over %d distinct keys", b.o.walk)
		if walkR, err = wrkRun(ctx, s, "http://"+big.s.addr, b.o.threads, b.o.conns, 30*time.Minute); err != nil {
			return err
		}
		if p := checkWalk("walk", walkR, int64(b.o.walk-2*b.o.conns)); p != "" {
			problems = append(problems, p)
		}
		rssWalk, hwmWalk = big.s.memKB()
		defer b.logSummary(big.s)
	}

	rps := func(r result) float64 { return r.rps() }
	p50 := func(r result) float64 { return float64(r.P50) }
	p99 := func(r result) float64 { return float64(r.P99) }
	sn, bn := small.name, big.name
	t := [][]string{{"mode", sn + " req/s", sn + " p50", sn + " p99", bn + " req/s", bn + " p50", bn + " p99",
		"req/s " + bn + "/" + sn, "p50 " + bn + "/" + sn, "p99 " + bn + "/" + sn}}
	row := func(mode string, withRPS bool, a, z []result) {
		ar, zr := median(each(a, rps)), median(each(z, rps))
		ap, zp := median(each(a, p50)), median(each(z, p50))
		a9, z9 := median(each(a, p99)), median(each(z, p99))
		rs, rr := fmt.Sprintf("%.0f", ar), fmt.Sprintf("%.0f", zr)
		rq := ratio(zr, ar)
		if !withRPS {
			rs, rr, rq = "-", "-", "-"
		}
		t = append(t, []string{mode, rs, us(ap), us(a9), rr, us(zp), us(z9), rq, ratio(zp, ap), ratio(z9, a9)})
	}
	row(fmt.Sprintf("warm (1,000 cached keys round robin; median of %d rounds of %s)", b.o.rounds, b.o.dur), true, small.warmR, big.warmR)
	row(fmt.Sprintf("cold (first verification of %d keys after a restart; median of %d rounds)", b.o.coldPerRnd, b.o.coldRounds), false, small.coldR, big.coldR)
	printTable(w, t)
	fmt.Fprintf(w, "\ncold/warm p50: %s %s, %s %s; p99: %s %s, %s %s\n",
		small.name, ratio(median(each(small.coldR, p50)), median(each(small.warmR, p50))),
		big.name, ratio(median(each(big.coldR, p50)), median(each(big.warmR, p50))),
		small.name, ratio(median(each(small.coldR, p99)), median(each(small.warmR, p99))),
		big.name, ratio(median(each(big.coldR, p99)), median(each(big.warmR, p99))))
	if b.o.walk > 0 {
		fmt.Fprintf(w, "cold walk, %s stored, %d distinct keys once each after a restart: %.0f req/s, p50 %s, p99 %s, p99.9 %s (%d answers, %d not 200)\n",
			big.name, b.o.walk, walkR.rps(), us(float64(walkR.P50)), us(float64(walkR.P99)), us(float64(walkR.P999)), walkR.Requests, walkR.Bad)
	}
	fmt.Fprintf(w, "gatehouse resident memory with %s keys stored: %s after start, %s after the warm rounds", big.name, mib(rss0), mib(rssWarm))
	if b.o.walk > 0 {
		fmt.Fprintf(w, ", %s after the walk (peak %s)", mib(rssWalk), mib(hwmWalk))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "\nevery round (req/s, p50, p99):")
	for _, d := range dbs {
		var cs []string
		for _, x := range d.coldR {
			cs = append(cs, fmt.Sprintf("%d keys %s %s", x.Requests, us(float64(x.P50)), us(float64(x.P99))))
		}
		fmt.Fprintf(w, "- %s stored: warm [%s]; cold [%s]\n", d.name, roundsText(d.warmR), strings.Join(cs, "; "))
	}
	for _, p := range problems {
		fmt.Fprintf(w, "PROBLEM: %s\n", p)
	}
	return nil
}

// checkWalk says what is wrong with a walk: fewer answers than its
// threads' shares (less their connections), a status other than 200, or
// socket errors.
func checkWalk(who string, r result, atLeast int64) string {
	var p []string
	if r.Requests < atLeast {
		p = append(p, fmt.Sprintf("only %d answers, want at least %d", r.Requests, atLeast))
	}
	if r.Bad != 0 {
		p = append(p, fmt.Sprintf("%d answers not 200", r.Bad))
	}
	if n := r.sockErrs(); n > 0 {
		p = append(p, fmt.Sprintf("%d socket errors/timeouts", n))
	}
	if len(p) == 0 {
		return ""
	}
	return who + ": " + strings.Join(p, ", ")
}

func fmtCount(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}

func mib(kb int64) string { return fmt.Sprintf("%.0f MiB", float64(kb)/1024) }

// printTable prints rows as columns: the first left-aligned, the others
// right-aligned, the first row a header followed by a rule.
func printTable(w io.Writer, rows [][]string) {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for n, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString("  " + pad + c)
			}
		}
		fmt.Fprintln(w, b.String())
		if n == 0 {
			total := 0
			for _, x := range width {
				total += x + 2
			}
			fmt.Fprintln(w, strings.Repeat("-", total-2))
		}
	}
}

// logSummary reports how many lines a gatehouse logged and its first ERROR
// records (gatehouse logs no secrets).
func (b *bench) logSummary(gh *server) {
	c := gh.out.counts()
	fmt.Fprintf(b.out, "\n%s wrote %d log lines, %d of them ERROR records", gh.name, c.lines, c.errors)
	if c.canceled > 0 {
		fmt.Fprintf(b.out, ", %d of which \"context canceled\" (requests still in flight when wrk closed its connections at the end of a run)", c.canceled)
	}
	fmt.Fprintln(b.out)
	for _, l := range c.first {
		fmt.Fprintf(b.out, "  %s\n", l)
	}
}

// cpuProfile fetches a CPU profile of gatehouse over d from its debug
// listener and writes it to the -profile directory as <id>.pprof.
func (b *bench) cpuProfile(ctx context.Context, id string, d time.Duration) error {
	u := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", b.o.debugAddr, max(1, int(d.Seconds())))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", u, resp.Status)
	}
	f, err := os.Create(filepath.Join(b.o.profile, id+".pprof"))
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
