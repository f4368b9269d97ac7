package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// cliResult is what one in-process run of the command line produced.
type cliResult struct {
	stdout, stderr string
	err            error
}

// runCLI calls run in-process with env as the whole environment (nothing
// is read from the test's own) and stdin as standard input. A command that
// should fail but serves instead is stopped after a while, and then
// returns nil.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr strings.Builder
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	err := run(ctx, args, getenv, strings.NewReader(stdin), &stdout, &stderr)
	return cliResult{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// mustRun runs the command and fails the test on an error.
func mustRun(t *testing.T, env map[string]string, stdin string, args ...string) cliResult {
	t.Helper()
	r := runCLI(t, env, stdin, args...)
	if r.err != nil {
		t.Fatalf("gatehouse %s: %v\nstderr: %s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r
}

var printedKeyRE = regexp.MustCompile(`(?m)^api key \(shown once\): (\S+)$`)

// printedKey returns the API key a command printed, checking its form.
func printedKey(t *testing.T, stdout string) string {
	t.Helper()
	m := printedKeyRE.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no \"api key (shown once): ...\" line in output:\n%s", stdout)
	}
	if !apiKeyRE.MatchString(m[1]) {
		t.Fatalf("printed key %q does not match %s", m[1], apiKeyRE)
	}
	return m[1]
}

type listedUser struct {
	ID     int64  `json:"id"`
	Email  string `json:"email"`
	Status string `json:"status"`
	Admin  bool   `json:"admin"`
	CAC    bool   `json:"cac"`
}

// listUsers runs "users list --json" and decodes its lines.
func listUsers(t *testing.T, dir string) map[string]listedUser {
	t.Helper()
	r := mustRun(t, nil, "", "users", "list", "--json", "--data", dir)
	out := map[string]listedUser{}
	for line := range strings.SplitSeq(strings.TrimSpace(r.stdout), "\n") {
		if line == "" {
			continue
		}
		var u listedUser
		if err := json.Unmarshal([]byte(line), &u); err != nil {
			t.Fatalf("users list --json: line %q is not JSON: %v", line, err)
		}
		out[u.Email] = u
	}
	return out
}

func TestRunVersion(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"version", "--version"} {
		t.Run(arg, func(t *testing.T) {
			t.Parallel()
			r := mustRun(t, nil, "", arg)
			if !strings.HasPrefix(r.stdout, "gatehouse ") || !strings.HasSuffix(r.stdout, "\n") || len(strings.TrimSpace(r.stdout)) <= len("gatehouse") {
				t.Errorf("stdout = %q, want \"gatehouse <version>\\n\"", r.stdout)
			}
		})
	}
}

func TestRunUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		stdin   string
		wantMsg string
	}{
		{"no command", nil, "", "no command"},
		{"unknown command", []string{"frobnicate"}, "", "unknown command"},
		{"unknown users subcommand", []string{"users", "frobnicate", "--data", dir}, "", "unknown subcommand"},
		{"users without subcommand", []string{"users"}, "", "users"},
		{"users activate without email", []string{"users", "activate", "--data", dir}, "", "want 1 argument"},
		{"users create empty stdin", []string{"users", "create", "empty@b.co", "--data", dir}, "", "password on standard input"},
		{"users create blank line", []string{"users", "create", "empty@b.co", "--data", dir}, "\n", "password on standard input"},
		{"set-cac maybe", []string{"users", "set-cac", "a@b.co", "maybe", "--data", dir}, "", "on or off"},
		{"unknown flag", []string{"users", "list", "--frob", "--data", dir}, "", "frob"},
		{"keys without create", []string{"keys", "--data", dir}, "", "keys"},
		{"bad log format", []string{"migrate", "--data", dir, "--log-format", "xml"}, "", "log-format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, nil, tt.stdin, tt.args...)
			if r.err == nil {
				t.Fatalf("gatehouse %v: no error; stdout %q", tt.args, r.stdout)
			}
			if got := exitCode(r.err); got != 2 {
				t.Errorf("exitCode(%v) = %d, want 2", r.err, got)
			}
			if !strings.Contains(r.err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", r.err, tt.wantMsg)
			}
		})
	}
}

func TestUsersCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRun(t, nil, "password123\n", "users", "create", "a@b.co", "--active", "--data", dir)
	key := printedKey(t, r.stdout)
	if !strings.Contains(r.stdout, "created a@b.co") || !strings.Contains(r.stdout, "active") {
		t.Errorf("stdout = %q, want it to report the active account a@b.co", r.stdout)
	}
	if strings.Contains(r.stderr, key) {
		t.Errorf("the new key appears on stderr")
	}

	// The same e-mail, in any case, is refused.
	for _, email := range []string{"a@b.co", "A@B.CO"} {
		r = runCLI(t, nil, "password123\n", "users", "create", email, "--data", dir)
		if r.err == nil {
			t.Fatalf("second users create %s: no error; stdout %q", email, r.stdout)
		}
		if !strings.Contains(r.err.Error(), "already exists") {
			t.Errorf("second users create %s: error %q, want it to say the account already exists", email, r.err)
		}
		if got := exitCode(r.err); got != 1 {
			t.Errorf("second users create %s: exitCode = %d, want 1", email, got)
		}
	}

	// A password without a trailing newline is read too; the account starts
	// pending without --active; --admin is recorded.
	r = mustRun(t, nil, "another-password", "users", "create", "admin@b.co", "--admin", "--data", dir)
	printedKey(t, r.stdout)

	// Bad input is a plain error (exit 1), not a usage error.
	for _, tt := range []struct{ email, pw string }{{"not-an-email", "password123"}, {"short@b.co", "short"}} {
		r = runCLI(t, nil, tt.pw+"\n", "users", "create", tt.email, "--data", dir)
		if r.err == nil || exitCode(r.err) != 1 {
			t.Errorf("users create %s with password %q: err %v, want an error with exit code 1", tt.email, tt.pw, r.err)
		}
	}

	users := listUsers(t, dir)
	if len(users) != 2 {
		t.Fatalf("users list --json: %d users, want 2: %v", len(users), users)
	}
	if u := users["a@b.co"]; u.Status != "active" || u.Admin || u.CAC || u.ID == 0 {
		t.Errorf("a@b.co = %+v, want active, not admin, not CAC", u)
	}
	if u := users["admin@b.co"]; u.Status != "pending" || !u.Admin {
		t.Errorf("admin@b.co = %+v, want pending admin", u)
	}

	// The table form has a header and one row per account.
	r = mustRun(t, nil, "", "users", "list", "--data", dir)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "EMAIL") {
		t.Fatalf("users list:\n%s\nwant a header and 2 rows", r.stdout)
	}
	for _, email := range []string{"a@b.co", "admin@b.co"} {
		if !strings.Contains(r.stdout, email) {
			t.Errorf("users list does not show %s:\n%s", email, r.stdout)
		}
	}
	if strings.Contains(r.stdout, key) {
		t.Errorf("users list shows a key")
	}
}

func TestUsersActivateDeactivate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, nil, "password123\n", "users", "create", "p@b.co", "--data", dir)
	if got := listUsers(t, dir)["p@b.co"].Status; got != "pending" {
		t.Fatalf("new account status %q, want pending", got)
	}

	// Flags after the positional argument are parsed.
	r := mustRun(t, nil, "", "users", "activate", "p@b.co", "--data", dir)
	if !strings.Contains(r.stdout, "p@b.co is active") {
		t.Errorf("activate stdout = %q", r.stdout)
	}
	if got := listUsers(t, dir)["p@b.co"].Status; got != "active" {
		t.Errorf("status after activate %q, want active", got)
	}

	r = mustRun(t, nil, "", "users", "deactivate", "--data", dir, "p@b.co")
	if !strings.Contains(r.stdout, "p@b.co is disabled") {
		t.Errorf("deactivate stdout = %q", r.stdout)
	}
	if got := listUsers(t, dir)["p@b.co"].Status; got != "disabled" {
		t.Errorf("status after deactivate %q, want disabled", got)
	}

	for _, sub := range []string{"activate", "deactivate"} {
		r = runCLI(t, nil, "", "users", sub, "nobody@b.co", "--data", dir)
		if r.err == nil {
			t.Errorf("users %s of an unknown e-mail: no error; stdout %q", sub, r.stdout)
			continue
		}
		if got := exitCode(r.err); got != 1 {
			t.Errorf("users %s of an unknown e-mail: exitCode %d, want 1", sub, got)
		}
		if !strings.Contains(r.err.Error(), "nobody@b.co") {
			t.Errorf("users %s of an unknown e-mail: error %q does not name the e-mail", sub, r.err)
		}
	}
}

func TestUsersSetCAC(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, nil, "password123\n", "users", "create", "c@b.co", "--active", "--data", dir)

	steps := []struct {
		arg  string
		want bool
	}{{"on", true}, {"off", false}, {"ON", true}, {"no", false}}
	for _, s := range steps {
		r := mustRun(t, nil, "", "users", "set-cac", "c@b.co", s.arg, "--data", dir)
		want := "cac=false"
		if s.want {
			want = "cac=true"
		}
		if !strings.Contains(r.stdout, want) {
			t.Errorf("set-cac %s: stdout %q, want %q", s.arg, r.stdout, want)
		}
		if got := listUsers(t, dir)["c@b.co"].CAC; got != s.want {
			t.Errorf("after set-cac %s: cac = %v, want %v", s.arg, got, s.want)
		}
	}

	r := runCLI(t, nil, "", "users", "set-cac", "c@b.co", "maybe", "--data", dir)
	if r.err == nil || exitCode(r.err) != 2 {
		t.Errorf("set-cac maybe: err %v, want a usage error (exit 2)", r.err)
	}
	r = runCLI(t, nil, "", "users", "set-cac", "nobody@b.co", "on", "--data", dir)
	if r.err == nil || exitCode(r.err) != 1 {
		t.Errorf("set-cac of an unknown e-mail: err %v, want an error with exit code 1", r.err)
	}
}

func TestKeysCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRun(t, nil, "password123\n", "users", "create", "k@b.co", "--active", "--data", dir)
	first := printedKey(t, r.stdout)

	r = mustRun(t, nil, "", "keys", "create", "k@b.co", "--name", "x", "--data", dir)
	key := printedKey(t, r.stdout)
	if key == first {
		t.Errorf("keys create printed the account's first key again")
	}
	if !strings.Contains(r.stdout, "(x)") {
		t.Errorf("keys create stdout %q does not show the name x", r.stdout)
	}

	// Flags before the e-mail work too, and the default name is used.
	r = mustRun(t, nil, "", "key", "create", "--data", dir, "k@b.co")
	if k := printedKey(t, r.stdout); k == key || k == first {
		t.Errorf("keys create printed a key already issued")
	}

	r = runCLI(t, nil, "", "keys", "create", "nobody@b.co", "--data", dir)
	if r.err == nil || exitCode(r.err) != 1 {
		t.Errorf("keys create for an unknown e-mail: err %v, want an error with exit code 1", r.err)
	}
	r = runCLI(t, nil, "", "keys", "create", "--data", dir)
	if r.err == nil || exitCode(r.err) != 2 {
		t.Errorf("keys create without an e-mail: err %v, want a usage error (exit 2)", r.err)
	}
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 2 {
		r := mustRun(t, nil, "", "migrate", "--data", dir)
		if !strings.Contains(r.stdout, "up to date") {
			t.Errorf("migrate #%d: stdout %q", i+1, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "gatehouse.db")); err != nil {
		t.Errorf("migrate did not create the database: %v", err)
	}
	// The migrated database is usable.
	if got := listUsers(t, dir); len(got) != 0 {
		t.Errorf("fresh database lists users: %v", got)
	}
}

// TestRefusesNewerSchema: on a data directory whose database records a
// migration this build does not embed (one a newer gatehouse applied),
// serve and every command that opens the database exit with status 1 and
// say so in one line, without touching it.
func TestRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, nil, "", "migrate", "--data", dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), `INSERT INTO migrations (name, applied_at) VALUES ('9999_from_the_future.sql', 1)`); err != nil {
		t.Fatal(err)
	}
	const (
		head = "sqlite: this database was migrated by a newer gatehouse (9999_from_the_future.sql is not known to this build, which knows up to "
		tail = "); run that version or newer"
	)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"serve", []string{"serve", "--addr", "127.0.0.1:0"}},
		{"migrate", []string{"migrate"}},
		{"users list", []string{"users", "list"}},
		{"users create", []string{"users", "create", "new@example.com", "--active"}},
		{"keys create", []string{"keys", "create", "new@example.com"}},
		{"account-keys list", []string{"account-keys", "list", "new@example.com"}},
		{"backup", []string{"backup", filepath.Join(t.TempDir(), "copy.db")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, nil, "password123\n", append(c.args, "--data", dir)...)
			if r.err == nil {
				t.Fatalf("succeeded (stdout %q), want the newer-schema error", r.stdout)
			}
			if msg := r.err.Error(); !strings.HasPrefix(msg, head) || !strings.HasSuffix(msg, tail) || strings.Contains(msg, "\n") {
				t.Errorf("error %q, want one line %q...%q", msg, head, tail)
			}
			if code := exitCode(r.err); code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
		})
	}
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM api_keys)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("users and keys after the refused commands: %d, %v; want none", n, err)
	}
}

func TestGatehouseDataFromEnv(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "from-env")
	env := map[string]string{"GATEHOUSE_DATA": dir}
	mustRun(t, env, "password123\n", "users", "create", "env@b.co", "--active")
	if _, err := os.Stat(filepath.Join(dir, "gatehouse.db")); err != nil {
		t.Fatalf("GATEHOUSE_DATA not honoured: %v", err)
	}
	if _, ok := listUsers(t, dir)["env@b.co"]; !ok {
		t.Errorf("account created with GATEHOUSE_DATA is not in %s", dir)
	}
	// Through the environment alone, other commands see the same data.
	r := mustRun(t, env, "", "users", "list", "--json")
	if !strings.Contains(r.stdout, "env@b.co") {
		t.Errorf("users list with GATEHOUSE_DATA: %q", r.stdout)
	}

	// A --data flag overrides the environment.
	other := t.TempDir()
	r = mustRun(t, env, "", "users", "list", "--json", "--data", other)
	if strings.Contains(r.stdout, "env@b.co") {
		t.Errorf("--data did not override GATEHOUSE_DATA: %q", r.stdout)
	}
}
