package config

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// load is what a command does: flags over the environment env, then
// Validate.
func load(t *testing.T, env map[string]string, serve bool, args ...string) (Config, error) {
	t.Helper()
	c := Default()
	fs := FlagSet("test", &c, func(k string) string { return env[k] }, serve)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("flags: %w", err)
	}
	return c, c.Validate()
}

// variable is one setting under test: good values of its variable and
// what they give, and values it must refuse.
type variable struct {
	flag  string
	serve bool              // only serve has the flag
	needs map[string]string // other variables a good value needs to validate
	good  []string          // values of the variable that are accepted
	want  []any             // what good[i] sets
	bad   []string          // values refused, naming the variable
	get   func(Config) any
}

var variables = []variable{
	{flag: "data", good: []string{"/srv/gatehouse", "rel/dir"}, want: []any{"/srv/gatehouse", "rel/dir"},
		get: func(c Config) any { return c.DataDir }},
	{flag: "db", good: []string{"sqlite:/var/lib/g.db", "sqlite:///var/lib/g.db", "postgres://u:p@h:5432/db", "postgresql://h/db"},
		want: []any{"sqlite:/var/lib/g.db", "sqlite:///var/lib/g.db", "postgres://u:p@h:5432/db", "postgresql://h/db"},
		bad:  []string{"mysql://h/db", "/var/lib/g.db", "sqlite:", "sqlite::memory:"},
		get:  func(c Config) any { return c.DB }},
	{flag: "log-format", good: []string{"json", "text"}, want: []any{"json", "text"},
		bad: []string{"xml", "JSON", "logfmt"}, get: func(c Config) any { return c.LogFormat }},
	{flag: "db-max-conns", good: []string{"0", "7", " 12 ", "10000"}, want: []any{0, 7, 12, 10000},
		bad: []string{"abc", "1.5", "-1", "10001", "0x10", "7 conns"}, get: func(c Config) any { return c.DBMaxConns }},
	{flag: "addr", serve: true, good: []string{"0.0.0.0:9090", ":8080", "[::1]:0"}, want: []any{"0.0.0.0:9090", ":8080", "[::1]:0"},
		bad: []string{"8080", "localhost"}, get: func(c Config) any { return c.Addr }},
	{flag: "open-signup", serve: true, good: []string{"true", "1", "false", "TRUE"}, want: []any{true, true, false, true},
		bad: []string{"yes", "maybe", "2"}, get: func(c Config) any { return c.OpenSignup }},
	{flag: "trusted-proxies", serve: true, good: []string{"10.0.0.0/8", "10.0.0.0/8, 192.168.1.1,::1"}, want: []any{"10.0.0.0/8", "10.0.0.0/8, 192.168.1.1,::1"},
		bad: []string{"10.0.0.0/33", "proxy.local", "10.0.0.0/8,nope"}, get: func(c Config) any { return c.TrustedProxies }},
	{flag: "llm-url", serve: true, good: []string{"http://127.0.0.1:11434", "https://api.example.com/v1"}, want: []any{"http://127.0.0.1:11434", "https://api.example.com/v1"},
		bad: []string{"ftp://h", "127.0.0.1:11434", "http://"}, get: func(c Config) any { return c.LLMURL }},
	{flag: "llm-key", serve: true, good: []string{"sk-test", "sk-other"}, want: []any{"sk-test", "sk-other"}, get: func(c Config) any { return c.LLMKey }},
	{flag: "llm-model", serve: true, good: []string{"llama3", "qwen3:8b"}, want: []any{"llama3", "qwen3:8b"}, get: func(c Config) any { return c.LLMModel }},
	{flag: "llm-timeout", serve: true, good: []string{"90s", "2m", " 1h "}, want: []any{90 * time.Second, 2 * time.Minute, time.Hour},
		bad: []string{"120", "abc", "0s", "-5s", "2 minutes"}, get: func(c Config) any { return c.LLMTimeout }},
	{flag: "jwt-require-exp", serve: true, good: []string{"true", "0"}, want: []any{true, false},
		bad: []string{"on", "2"}, get: func(c Config) any { return c.JWTRequireExp }},
	{flag: "tls-cert", serve: true, needs: map[string]string{"GATEHOUSE_TLS_KEY": "k.pem"}, good: []string{"c.pem", "/etc/c2.pem"}, want: []any{"c.pem", "/etc/c2.pem"},
		get: func(c Config) any { return c.TLSCert }},
	{flag: "tls-key", serve: true, needs: map[string]string{"GATEHOUSE_TLS_CERT": "c.pem"}, good: []string{"k.pem", "/etc/k2.pem"}, want: []any{"k.pem", "/etc/k2.pem"},
		get: func(c Config) any { return c.TLSKey }},
	{flag: "client-ca", serve: true, needs: map[string]string{"GATEHOUSE_TLS_CERT": "c.pem", "GATEHOUSE_TLS_KEY": "k.pem"}, good: []string{"ca.pem", "/etc/ca2.pem"}, want: []any{"ca.pem", "/etc/ca2.pem"},
		get: func(c Config) any { return c.ClientCA }},
}

func withEnv(base map[string]string, k, v string) map[string]string {
	env := map[string]string{k: v}
	for bk, bv := range base {
		env[bk] = bv
	}
	return env
}

// Every variable with a good value sets its field; a flag overrides it.
func TestEnvGoodValues(t *testing.T) {
	t.Parallel()
	for _, v := range variables {
		env := EnvName(v.flag)
		for i, val := range v.good {
			t.Run(env+"="+val, func(t *testing.T) {
				t.Parallel()
				c, err := load(t, withEnv(v.needs, env, val), v.serve)
				if err != nil {
					t.Fatalf("%s=%q: %v", env, val, err)
				}
				if got := v.get(c); got != v.want[i] {
					t.Errorf("%s=%q: got %v, want %v", env, val, got, v.want[i])
				}
				// The flag with the same value gives the same.
				c, err = load(t, v.needs, v.serve, "--"+v.flag+"="+val)
				if err != nil {
					t.Fatalf("--%s=%q: %v", v.flag, val, err)
				}
				if got := v.get(c); got != v.want[i] {
					t.Errorf("--%s=%q: got %v, want %v", v.flag, val, got, v.want[i])
				}
			})
		}
	}
}

// Flags override variables: each variable set to its first good value, the
// flag to another good value that gives something else (or the default).
func TestFlagsOverrideEnv(t *testing.T) {
	t.Parallel()
	for _, v := range variables {
		t.Run(v.flag, func(t *testing.T) {
			t.Parallel()
			env := withEnv(v.needs, EnvName(v.flag), v.good[0])
			flagVal, want := fmt.Sprint(v.get(Default())), v.get(Default())
			for i := range v.good {
				if v.want[i] != v.want[0] {
					flagVal, want = v.good[i], v.want[i]
					break
				}
			}
			if want == v.want[0] {
				t.Fatalf("test table: no override of --%s differs from %q", v.flag, v.good[0])
			}
			c, err := load(t, env, v.serve, "--"+v.flag+"="+flagVal)
			if err != nil {
				t.Fatalf("%v", err)
			}
			if got := v.get(c); got != want {
				t.Errorf("%s=%q --%s=%q: got %v, want the flag's %v", EnvName(v.flag), v.good[0], v.flag, flagVal, got, want)
			}
		})
	}
}

// A bad value is an error that names the variable and quotes the value,
// whatever else is set; a flag with the bad value is refused too.
func TestEnvBadValues(t *testing.T) {
	t.Parallel()
	for _, v := range variables {
		env := EnvName(v.flag)
		for _, val := range v.bad {
			t.Run(env+"="+val, func(t *testing.T) {
				t.Parallel()
				_, err := load(t, withEnv(v.needs, env, val), v.serve)
				if err == nil {
					t.Fatalf("%s=%q: accepted", env, val)
				}
				if !strings.Contains(err.Error(), env) {
					t.Errorf("%s=%q: error %q does not name the variable", env, val, err)
				}
				shown := false
				for part := range strings.SplitSeq(val, ",") {
					shown = shown || strings.Contains(err.Error(), strings.TrimSpace(part))
				}
				if !shown {
					t.Errorf("%s=%q: error %q does not show the value", env, val, err)
				}
				if _, err := load(t, v.needs, v.serve, "--"+v.flag+"="+val); err == nil {
					t.Errorf("--%s=%q: accepted", v.flag, val)
				}
			})
		}
	}
}

// The messages for the reported cases say what to write instead.
func TestEnvErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"GATEHOUSE_LLM_TIMEOUT": "120"}, `GATEHOUSE_LLM_TIMEOUT: invalid duration "120" (want e.g. 120s)`},
		{map[string]string{"GATEHOUSE_LLM_TIMEOUT": "soon"}, `GATEHOUSE_LLM_TIMEOUT: invalid duration "soon" (want e.g. 2m30s)`},
		{map[string]string{"GATEHOUSE_DB_MAX_CONNS": "abc"}, `GATEHOUSE_DB_MAX_CONNS: invalid number "abc"`},
		{map[string]string{"GATEHOUSE_OPEN_SIGNUP": "yes"}, `GATEHOUSE_OPEN_SIGNUP: invalid boolean "yes" (want true or false)`},
		{map[string]string{"GATEHOUSE_LOG_FORMAT": "xml"}, `--log-format/GATEHOUSE_LOG_FORMAT: "xml": want json or text`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tt.env, true)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// Every problem is reported at once, the variables that did not parse
// among them.
func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"GATEHOUSE_DB_MAX_CONNS":    "abc",
		"GATEHOUSE_LLM_TIMEOUT":     "120",
		"GATEHOUSE_OPEN_SIGNUP":     "maybe",
		"GATEHOUSE_LOG_FORMAT":      "xml",
		"GATEHOUSE_CLIENT_CA":       "ca.pem",
		"GATEHOUSE_TRUSTED_PROXIES": "nope",
	}
	_, err := load(t, env, true, "--db", "mysql://h/db")
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"GATEHOUSE_DB_MAX_CONNS", "GATEHOUSE_LLM_TIMEOUT", "GATEHOUSE_OPEN_SIGNUP", "GATEHOUSE_LOG_FORMAT", "client-ca", "GATEHOUSE_TRUSTED_PROXIES", "mysql"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not report %s:\n%v", want, err)
		}
	}
	if n := len(strings.Split(err.Error(), "\n")); n != 7 {
		t.Errorf("%d problems reported, want 7:\n%v", n, err)
	}
}

// An empty variable is unset: every setting keeps its default.
func TestEmptyEnvIsUnset(t *testing.T) {
	t.Parallel()
	env := map[string]string{MasterKeyEnv: ""}
	c := Default()
	fs := FlagSet("test", &c, func(k string) string { return env[k] }, true)
	fs.VisitAll(func(f *flag.Flag) { env[EnvName(f.Name)] = "" })
	got, err := load(t, env, true)
	if err != nil {
		t.Fatalf("empty variables: %v", err)
	}
	for _, v := range variables {
		if v.get(got) != v.get(Default()) {
			t.Errorf("%s empty: %v, want the default %v", EnvName(v.flag), v.get(got), v.get(Default()))
		}
	}
}

// Every flag, including ones added later, reads its variable through the
// same parser: a value of the flag's type round-trips, and a typed flag
// refuses garbage from its variable, naming it.
func TestEveryFlagReadsItsVariable(t *testing.T) {
	t.Parallel()
	c := Default()
	fs := FlagSet("test", &c, func(string) string { return "" }, true)
	tested := map[string]bool{}
	for _, v := range variables {
		tested[v.flag] = true
	}
	fs.VisitAll(func(f *flag.Flag) {
		env := EnvName(f.Name)
		if !strings.HasPrefix(env, "GATEHOUSE_") || strings.Contains(env, "-") {
			t.Errorf("--%s: variable %s", f.Name, env)
		}
		// The default, given as the variable, parses.
		c := Default()
		FlagSet("test", &c, func(k string) string { return map[string]string{env: f.DefValue}[k] }, true)
		for _, err := range c.envErrs {
			t.Errorf("%s=%q (the default): %v", env, f.DefValue, err)
		}
		if _, isString := f.Value.(*stringValue); isString {
			return
		}
		c = Default()
		FlagSet("test", &c, func(k string) string { return map[string]string{env: "garbage!"}[k] }, true)
		if len(c.envErrs) != 1 || !strings.Contains(c.envErrs[0].Error(), env) {
			t.Errorf("%s=garbage!: errors %v, want one naming the variable", env, c.envErrs)
		}
		if !tested[f.Name] {
			t.Logf("--%s has no row in the variables table (checked generically only)", f.Name)
		}
	})
	// The table covers no flag that does not exist.
	for _, v := range variables {
		if fs.Lookup(v.flag) == nil {
			t.Errorf("the variables table has --%s, which is not a flag", v.flag)
		}
	}
}

// Commands other than serve neither read nor check serve's variables.
func TestServeVariablesOnlyForServe(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GATEHOUSE_LLM_TIMEOUT": "120", "GATEHOUSE_ADDR": "0.0.0.0:1", "GATEHOUSE_OPEN_SIGNUP": "true"}
	c, err := load(t, env, false)
	if err != nil {
		t.Fatalf("admin command with serve variables: %v", err)
	}
	if c.Addr != Default().Addr || c.OpenSignup {
		t.Errorf("admin command read serve variables: %+v", c)
	}
	c2 := Default()
	fs := FlagSet("test", &c2, func(string) string { return "" }, false)
	fs.SetOutput(io.Discard)
	if err := fs.Parse([]string{"--addr", "x:1"}); err == nil {
		t.Error("an admin command accepted --addr")
	}
}

func TestMasterKeyVariable(t *testing.T) {
	t.Parallel()
	good := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		val     string
		wantErr bool
	}{
		{good, false},
		{strings.ToUpper(good), false},
		{good + "\n", false},
		{"", false}, // unset: the key file in the data directory
		{good[:62], true},
		{good + "00", true},
		{strings.Repeat("zz", 32), true},
		{"secret-value-not-hex", true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.val), func(t *testing.T) {
			t.Parallel()
			c, err := load(t, map[string]string{MasterKeyEnv: tt.val}, false)
			if c.MasterKey != tt.val {
				t.Errorf("MasterKey = %q, want %q", c.MasterKey, tt.val)
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			if !strings.Contains(err.Error(), MasterKeyEnv) {
				t.Errorf("error %q does not name %s", err, MasterKeyEnv)
			}
			if strings.Contains(err.Error(), strings.TrimSpace(tt.val)) {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
}

func TestRedactDB(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"sqlite:gatehouse-data/gatehouse.db", "sqlite:gatehouse-data/gatehouse.db"},
		{"sqlite:///var/lib/g.db", "sqlite:///var/lib/g.db"},
		{"postgres://user:s3cret@db.example:5432/gh?sslmode=require", "postgres://user:xxxxx@db.example:5432/gh?sslmode=require"},
		{"postgres://user@db/gh", "postgres://user@db/gh"},
		{"postgres://db/gh?password=s3cret&sslmode=disable", "postgres://db/gh?password=xxxxx&sslmode=disable"},
		{"postgresql://u:s3cret@h/db", "postgresql://u:xxxxx@h/db"},
		{"postgres://u:s3%zzcret@h/db", "postgres://xxxxx@h/db"}, // not a valid URL
		{"mysql://u:s3cret@h/db", "mysql://u:xxxxx@h/db"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got := RedactDB(tt.in)
			if got != tt.want {
				t.Errorf("RedactDB(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if strings.Contains(got, "s3") {
				t.Errorf("RedactDB(%q) = %q shows the password", tt.in, got)
			}
		})
	}
	// A bad --db is reported without its password.
	_, err := load(t, nil, false, "--db", "postgress://u:s3cret@h/db")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("bad --db with a password: error %v", err)
	}
}

func TestDefaultValidates(t *testing.T) {
	t.Parallel()
	for _, serve := range []bool{false, true} {
		c, err := load(t, nil, serve)
		if err != nil {
			t.Errorf("defaults (serve %v): %v", serve, err)
		}
		if got := c.DBURL(); got != "sqlite:gatehouse-data/gatehouse.db" {
			t.Errorf("DBURL() = %q", got)
		}
		if p, ok := c.SQLitePath(); !ok || p != "gatehouse-data/gatehouse.db" {
			t.Errorf("SQLitePath() = %q, %v", p, ok)
		}
	}
}
