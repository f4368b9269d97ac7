package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
)

// helpCommands is every command and subcommand, as typed before --help.
var helpCommands = [][]string{
	{}, {"help"},
	{"serve"}, {"migrate"}, {"backup"}, {"audit"}, {"healthcheck"}, {"version"},
	{"users"}, {"users", "create"}, {"users", "activate"}, {"users", "deactivate"}, {"users", "list"}, {"users", "set-cac"},
	{"keys"}, {"keys", "create"},
	{"account-keys"}, {"account-keys", "create"}, {"account-keys", "list"}, {"account-keys", "delete"},
}

// Every command and subcommand answers --help and -h with its usage on
// stdout and exit 0, and touches nothing.
func TestHelpEveryCommand(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"GATEHOUSE_DATA": data}
	var cases [][]string
	for _, c := range helpCommands {
		for _, h := range []string{"--help", "-h"} {
			cases = append(cases, append(append([]string(nil), c...), h))
		}
	}
	// "help" alone, and "help COMMAND ...".
	cases = append(cases, []string{"help"}, []string{"help", "serve"}, []string{"help", "users", "create"}, []string{"help", "account-keys"})
	// --help after positional arguments and other flags still helps.
	cases = append(cases, []string{"users", "create", "a@b.co", "--admin", "--help"}, []string{"backup", "out.db", "-h"})
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, env, "", args...)
			if r.err != nil {
				t.Fatalf("gatehouse %s: %v (exit %d); stderr %q", strings.Join(args, " "), r.err, exitCode(r.err), r.stderr)
			}
			if r.stderr != "" {
				t.Errorf("gatehouse %s wrote on stderr: %q", strings.Join(args, " "), r.stderr)
			}
			// The usage names the command it is for.
			var words []string
			for _, a := range args {
				if a != "help" && !strings.HasPrefix(a, "-") && !strings.Contains(a, ".") {
					words = append(words, a)
				}
			}
			want := strings.TrimSpace("usage: gatehouse " + strings.Join(words, " "))
			if !strings.Contains(r.stdout, want) {
				t.Errorf("gatehouse %s: stdout does not contain %q:\n%s", strings.Join(args, " "), want, r.stdout)
			}
			if _, err := os.Stat(data); err == nil {
				t.Errorf("gatehouse %s created the data directory", strings.Join(args, " "))
			}
		})
	}
}

// Help for something that does not exist is a usage error.
func TestHelpUnknown(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help", "frobnicate"}, {"frobnicate", "--help"}, {"users", "frob", "--help"}, {"account-keys", "frob", "-h"}, {"keys", "frob", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, nil, "", args...)
			if r.err == nil || exitCode(r.err) != 2 {
				t.Fatalf("gatehouse %s: err %v, want a usage error (exit 2)", strings.Join(args, " "), r.err)
			}
			if !strings.Contains(r.err.Error(), "frob") {
				t.Errorf("error %q does not name the unknown word", r.err)
			}
		})
	}
}

// An unknown flag is reported once, with the command's usage, exit 2.
func TestUnknownFlag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"serve", "--frob"}, {"migrate", "--frob"}, {"backup", "x.db", "--frob"}, {"healthcheck", "--frob"}, {"version", "--frob"},
		{"users", "list", "--frob"}, {"users", "create", "a@b.co", "--frob"}, {"users", "activate", "--frob", "a@b.co"},
		{"keys", "create", "a@b.co", "--frob"}, {"account-keys", "list", "a@b.co", "--frob"}, {"account-keys", "delete", "--frob"},
		{"users", "list", "--addr", "x:1"}, // a serve flag
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, map[string]string{"GATEHOUSE_DATA": dir}, "", args...)
			if r.err == nil || exitCode(r.err) != 2 {
				t.Fatalf("gatehouse %s: err %v, want a usage error (exit 2)", strings.Join(args, " "), r.err)
			}
			bad := args[len(args)-1]
			if strings.HasPrefix(args[len(args)-2], "--") {
				bad = args[len(args)-2]
			}
			for _, a := range args {
				if strings.HasPrefix(a, "--") {
					bad = strings.TrimLeft(a, "-")
				}
			}
			if n := strings.Count(r.stderr, "not defined: -"+bad); n != 1 {
				t.Errorf("stderr reports -%s %d times, want once:\n%s", bad, n, r.stderr)
			}
			if !strings.Contains(r.stderr, "usage: gatehouse "+args[0]) {
				t.Errorf("stderr has no usage:\n%s", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
		})
	}
}

// A GATEHOUSE_* variable that does not parse is a usage error (exit 2)
// naming the variable, like the same value as a flag.
func TestEnvErrorsExit2(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"GATEHOUSE_DB_MAX_CONNS": "abc"}, []string{"migrate"}, `GATEHOUSE_DB_MAX_CONNS: invalid number "abc"`},
		{map[string]string{"GATEHOUSE_DB_MAX_CONNS": "abc"}, []string{"users", "list"}, `GATEHOUSE_DB_MAX_CONNS`},
		{map[string]string{"GATEHOUSE_DB_MAX_CONNS": "-3"}, []string{"serve"}, `GATEHOUSE_DB_MAX_CONNS`},
		{map[string]string{"GATEHOUSE_LLM_TIMEOUT": "120"}, []string{"serve", "--addr", "127.0.0.1:0"}, `GATEHOUSE_LLM_TIMEOUT: invalid duration "120" (want e.g. 120s)`},
		{map[string]string{"GATEHOUSE_OPEN_SIGNUP": "yes"}, []string{"serve", "--addr", "127.0.0.1:0"}, `GATEHOUSE_OPEN_SIGNUP: invalid boolean "yes"`},
		{map[string]string{"GATEHOUSE_JWT_REQUIRE_EXP": "maybe"}, []string{"serve", "--addr", "127.0.0.1:0"}, `GATEHOUSE_JWT_REQUIRE_EXP`},
		{map[string]string{"GATEHOUSE_ADDR": "8080"}, []string{"serve"}, `GATEHOUSE_ADDR`},
		{map[string]string{"GATEHOUSE_LOG_FORMAT": "xml"}, []string{"migrate"}, `GATEHOUSE_LOG_FORMAT`},
		{map[string]string{"GATEHOUSE_DB": "mysql://u:s3cret@h/db"}, []string{"migrate"}, `GATEHOUSE_DB`},
		{map[string]string{"GATEHOUSE_MASTER_KEY": "not-hex-s3cret"}, []string{"users", "list"}, `GATEHOUSE_MASTER_KEY`},
		{map[string]string{"GATEHOUSE_MASTER_KEY": strings.Repeat("ab", 31)}, []string{"serve", "--addr", "127.0.0.1:0"}, `GATEHOUSE_MASTER_KEY`},
		// Several at once are all reported.
		{map[string]string{"GATEHOUSE_DB_MAX_CONNS": "abc", "GATEHOUSE_LLM_TIMEOUT": "120"}, []string{"serve"}, "GATEHOUSE_DB_MAX_CONNS: invalid number \"abc\" (want a whole number, e.g. 8)\nGATEHOUSE_LLM_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " ")+" "+tt.want, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"GATEHOUSE_DATA": filepath.Join(dir, "never")}
			for k, v := range tt.env {
				env[k] = v
			}
			r := runCLI(t, env, "", tt.args...)
			if r.err == nil {
				t.Fatalf("%v gatehouse %s: no error", tt.env, strings.Join(tt.args, " "))
			}
			if got := exitCode(r.err); got != 2 {
				t.Errorf("exit %d, want 2: %v", got, r.err)
			}
			if !strings.Contains(r.err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", r.err, tt.want)
			}
			for line := range strings.SplitSeq(tt.want, "\n") {
				if !strings.Contains(r.stderr, line) {
					t.Errorf("stderr %q, want it to report %q", r.stderr, line)
				}
			}
			if out := r.err.Error() + r.stderr + r.stdout; strings.Contains(out, "s3cret") {
				t.Errorf("a secret is shown: %s", out)
			}
			if _, err := os.Stat(filepath.Join(dir, "never")); err == nil {
				t.Errorf("the data directory was created despite the bad configuration")
			}
		})
	}
}

// --db sqlite:PATH in a directory that does not exist fails, naming the
// path, and creates nothing; the data directory is created on demand.
func TestDBMissingDirectory(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	missing := filepath.Join(root, "missing", "dir")
	db := "sqlite:" + filepath.Join(missing, "x.db")
	env := map[string]string{"GATEHOUSE_MASTER_KEY": strings.Repeat("ab", 32)}
	for _, args := range [][]string{
		{"migrate", "--db", db},
		{"users", "list", "--db", db},
		{"serve", "--addr", "127.0.0.1:0", "--db", db},
		{"backup", filepath.Join(root, "b.db"), "--db", db},
	} {
		t.Run(args[0], func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, env, "", append(args, "--data", filepath.Join(root, "data-"+args[0]))...)
			if r.err == nil {
				t.Fatalf("gatehouse %s: no error", strings.Join(args, " "))
			}
			if !strings.Contains(r.err.Error(), filepath.Join(missing, "x.db")) && !strings.Contains(r.err.Error(), missing) {
				t.Errorf("error %q does not name the path", r.err)
			}
			if _, err := os.Stat(filepath.Join(root, "missing")); err == nil {
				t.Fatalf("gatehouse %s created %s", strings.Join(args, " "), missing)
			}
		})
	}
	// The same through GATEHOUSE_DB.
	r := runCLI(t, map[string]string{"GATEHOUSE_DB": db, "GATEHOUSE_DATA": filepath.Join(root, "data")}, "", "users", "list")
	if r.err == nil || !strings.Contains(r.err.Error(), missing) {
		t.Errorf("GATEHOUSE_DB=%s: err %v, want one naming the path", db, r.err)
	}
	if _, err := os.Stat(filepath.Join(root, "missing")); err == nil {
		t.Fatalf("GATEHOUSE_DB created %s", missing)
	}

	// The data directory, default database and all, is created on demand.
	data := filepath.Join(root, "fresh", "data")
	mustRun(t, nil, "", "users", "list", "--data", data)
	if _, err := os.Stat(filepath.Join(data, "gatehouse.db")); err != nil {
		t.Errorf("the data directory was not created on demand: %v", err)
	}
	// A --db in an existing directory is created.
	mustRun(t, env, "", "migrate", "--db", "sqlite:"+filepath.Join(root, "here.db"))
	if _, err := os.Stat(filepath.Join(root, "here.db")); err != nil {
		t.Errorf("--db in an existing directory: %v", err)
	}
}

// An admin command that finds no account names the database it looked
// in, without a password.
func TestAdminNoAccountNamesDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, nil, "", "migrate", "--data", dir)
	dbFile := filepath.Join(dir, "gatehouse.db")
	for _, args := range [][]string{
		{"users", "activate", "nobody@b.co"},
		{"users", "deactivate", "nobody@b.co"},
		{"users", "set-cac", "nobody@b.co", "on"},
		{"keys", "create", "nobody@b.co"},
		{"account-keys", "create", "nobody@b.co"},
		{"account-keys", "list", "nobody@b.co"},
		{"account-keys", "delete", "nobody@b.co", "act_x"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, nil, "", append(args, "--data", dir)...)
			if r.err == nil || exitCode(r.err) != 1 {
				t.Fatalf("err %v, want an error with exit 1", r.err)
			}
			for _, want := range []string{"nobody@b.co", dbFile} {
				if !strings.Contains(r.err.Error(), want) {
					t.Errorf("error %q does not name %s", r.err, want)
				}
			}
		})
	}

	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := pgtest.NewDatabase(t) // skips without a server, fails under GATEHOUSE_TEST_REQUIRE=1
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		pw, hasPW := u.User.Password()
		env := map[string]string{"GATEHOUSE_MASTER_KEY": strings.Repeat("ab", 32)}
		r := runCLI(t, env, "", "users", "activate", "nobody@b.co", "--db", dsn, "--data", t.TempDir())
		if r.err == nil {
			t.Fatal("no error")
		}
		if !strings.Contains(r.err.Error(), u.Host) || !strings.Contains(r.err.Error(), "nobody@b.co") {
			t.Errorf("error %q does not name the database host %s and the e-mail", r.err, u.Host)
		}
		if hasPW && strings.Contains(r.err.Error()+r.stderr, pw) {
			t.Errorf("the database password is shown: %v", r.err)
		}
	})
}
