// Package config is gatehouse's configuration: one plain struct, defaults
// that run as-is (SQLite in ./gatehouse-data, 127.0.0.1:8080), flags layered
// over GATEHOUSE_* environment variables, and a Validate that reports every
// problem at once. No other package reads the environment.
//
// Every flag --NAME reads the variable GATEHOUSE_NAME (upper case, "-" as
// "_"): --llm-timeout reads GATEHOUSE_LLM_TIMEOUT. A variable is parsed
// exactly as its flag is, and one that does not parse is an error naming
// the variable, never ignored. An empty variable counts as unset. Flags
// override variables.
package config

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of every command.
type Config struct {
	DataDir   string // --data: the data directory, created on demand
	DB        string // --db: sqlite:PATH or postgres://...; default the SQLite file in DataDir
	MasterKey string // GATEHOUSE_MASTER_KEY (64 hex, no flag); default: DataDir/master.key, created on first start
	LogFormat string // --log-format: json or text
	// DBMaxConns is the PostgreSQL pool size per process (0: 4×GOMAXPROCS).
	DBMaxConns int // --db-max-conns

	// serve
	Addr           string // --addr
	OpenSignup     bool   // --open-signup
	TrustedProxies string // --trusted-proxies: comma-separated CIDRs
	ShutdownGrace  time.Duration
	DebugAddr      string        // --debug-addr: Go's profiler (net/http/pprof) on a separate listener
	MetricsAddr    string        // --metrics-addr: /metrics on a separate listener instead of the public one
	AuditRetention time.Duration // --audit-retention: how long audit events are kept; 0 forever

	// Model server for /server/query and /server/get-models.
	LLMURL     string        // --llm-url: an OpenAI-compatible base URL
	LLMKey     string        // --llm-key: sent as a Bearer token
	LLMModel   string        // --llm-model: default model (else the server's first)
	LLMTimeout time.Duration // --llm-timeout

	// JWTRequireExp refuses Sunshine JWTs without exp.
	JWTRequireExp bool // --jwt-require-exp

	// Chat quotas, in bytes (see chats.go).
	ChatMaxMessage int64 // --chat-max-message, GATEHOUSE_CHAT_MAX_MESSAGE
	ChatMaxSession int64 // --chat-max-session, GATEHOUSE_CHAT_MAX_SESSION
	ChatMaxAccount int64 // --chat-max-account, GATEHOUSE_CHAT_MAX_ACCOUNT

	// TLS, and client certificates for CAC sessions.
	TLSCert  string // --tls-cert
	TLSKey   string // --tls-key
	ClientCA string // --client-ca: PEM CA bundle that client certificates must chain to

	// envErrs are the GATEHOUSE_* variables that did not parse; Validate
	// reports them.
	envErrs []error
}

// Default returns a configuration that runs as-is.
func Default() Config {
	return Config{
		DataDir:       "./gatehouse-data",
		LogFormat:     "json",
		Addr:          "127.0.0.1:8080",
		ShutdownGrace: 15 * time.Second,
		LLMTimeout:    120 * time.Second,
		// core.DefaultChatLimits
		ChatMaxMessage: 256 << 10,
		ChatMaxSession: 4 << 20,
		ChatMaxAccount: 32 << 20,
	}
}

// EnvName is the environment variable read for flag name.
func EnvName(flagName string) string {
	return "GATEHOUSE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// MasterKeyEnv holds the master key; it has no flag, so that the key is not
// on a command line.
const MasterKeyEnv = "GATEHOUSE_MASTER_KEY"

// FlagSet returns a flag set for command name that fills c from the
// GATEHOUSE_* variables getenv supplies and then from flags. A variable
// that does not parse is kept for Validate to report. serve adds the
// server's flags; other commands neither read nor check those variables.
//
// A new setting is one line below: the helper for its type, the field, the
// flag name (which names the variable) and the usage.
func FlagSet(name string, c *Config, getenv func(string) string, serve bool) *flag.FlagSet {
	b := &binder{fs: flag.NewFlagSet(name, flag.ContinueOnError), getenv: getenv}
	b.str(&c.DataDir, "data", "the data directory `DIR`, created on demand")
	b.str(&c.DB, "db", "database `URL`: sqlite:PATH or postgres://...; default: gatehouse.db in the data directory. A SQLite file's directory must exist")
	b.str(&c.LogFormat, "log-format", "log `FORMAT`: json or text")
	b.int(&c.DBMaxConns, "db-max-conns", "PostgreSQL connection pool size per process; 0: 4×CPUs")
	if serve {
		b.str(&c.Addr, "addr", "listen `ADDRESS`, HOST:PORT")
		b.bool(&c.OpenSignup, "open-signup", "activate accounts at sign-up (development only)")
		b.str(&c.TrustedProxies, "trusted-proxies", "`CIDRS`, comma-separated, of proxies whose X-Forwarded-For is trusted")
		b.str(&c.DebugAddr, "debug-addr", "serve Go's profiler (/debug/pprof/) on this separate listen `ADDRESS`, HOST:PORT; keep it on loopback. Off by default")
		b.duration(&c.AuditRetention, "audit-retention", "keep audit events this long (e.g. 400d), pruning older ones in the background; 0 keeps them forever")
		b.str(&c.MetricsAddr, "metrics-addr", "serve the Prometheus metrics (/metrics) on this separate listen `ADDRESS`, HOST:PORT, instead of on --addr")
		b.str(&c.LLMURL, "llm-url", "OpenAI-compatible model server `URL` for /server/query, e.g. http://127.0.0.1:11434")
		b.str(&c.LLMKey, "llm-key", "`KEY` sent to the model server as a Bearer token")
		b.str(&c.LLMModel, "llm-model", "the default `MODEL`; default: the model server's first")
		b.duration(&c.LLMTimeout, "llm-timeout", "how long to wait for the model server")
		b.bool(&c.JWTRequireExp, "jwt-require-exp", "refuse Sunshine JWTs without an exp claim")
		b.size(&c.ChatMaxMessage, "chat-max-message", "largest chat message: a `SIZE` in bytes of JSON text, or with KiB, MiB, GiB")
		b.size(&c.ChatMaxSession, "chat-max-session", "most one chat session may hold (a `SIZE`, as chat-max-message)")
		b.size(&c.ChatMaxAccount, "chat-max-account", "most all the chats of one account may hold (a `SIZE`, as chat-max-message)")
		b.str(&c.TLSCert, "tls-cert", "serve HTTPS with this PEM certificate `FILE`")
		b.str(&c.TLSKey, "tls-key", "the PEM private key `FILE` of --tls-cert")
		b.str(&c.ClientCA, "client-ca", "PEM CA bundle `FILE`; a verified client certificate naming an account's e-mail makes the session CAC-authenticated")
	}
	c.MasterKey = getenv(MasterKeyEnv)
	c.envErrs = b.errs
	return b.fs
}

// binder registers each setting as a flag, after filling it from its
// variable.
type binder struct {
	fs     *flag.FlagSet
	getenv func(string) string
	errs   []error
}

func (b *binder) bind(v flag.Value, name, usage string) {
	env := EnvName(name)
	if s := b.getenv(env); s != "" {
		if err := v.Set(s); err != nil {
			b.errs = append(b.errs, fmt.Errorf("%s: %w", env, err))
		}
	}
	b.fs.Var(v, name, usage)
}

func (b *binder) str(p *string, name, usage string) { b.bind((*stringValue)(p), name, usage) }
func (b *binder) int(p *int, name, usage string)    { b.bind((*intValue)(p), name, usage) }
func (b *binder) bool(p *bool, name, usage string)  { b.bind((*boolValue)(p), name, usage) }
func (b *binder) size(p *int64, name, usage string) { b.bind((*byteSize)(p), name, usage) }
func (b *binder) duration(p *time.Duration, name, usage string) {
	b.bind((*durationValue)(p), name, usage)
}

// The values parse a flag and its variable alike, and their errors quote
// the value so that a variable's error says what was wrong with it.
type (
	stringValue   string
	intValue      int
	boolValue     bool
	durationValue time.Duration
)

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("invalid number %q (want a whole number, e.g. 8)", s)
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }
func (v *intValue) Type() string   { return "N" }

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("invalid boolean %q (want true or false)", s)
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) IsBoolFlag() bool { return true }

func (v *durationValue) Set(s string) error {
	d, err := ParseDuration(s)
	if err != nil {
		eg := "2m30s"
		if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			eg = strings.TrimSpace(s) + "s" // a bare number: the unit is missing
		}
		return fmt.Errorf("invalid duration %q (want e.g. %s)", s, eg)
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }

// ParseDuration is time.ParseDuration that also takes whole days ("400d",
// "30d12h"), the unit retention periods are given in.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, rest, ok := strings.Cut(s, "d"); ok && days != "" && !strings.ContainsAny(days, ".hmsuµn") {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("invalid days %q", days)
		}
		d := time.Duration(n) * 24 * time.Hour
		if rest == "" {
			return d, nil
		}
		r, err := time.ParseDuration(rest)
		return d + r, err
	}
	return time.ParseDuration(s)
}
func (v *durationValue) Type() string { return "DURATION" }

// DBURL returns the database URL, defaulting to the SQLite file in DataDir.
func (c Config) DBURL() string {
	if c.DB != "" {
		return c.DB
	}
	return "sqlite:" + filepath.Join(c.DataDir, "gatehouse.db")
}

// SQLitePath returns the file of a sqlite: database URL, and false for
// another kind of database.
func (c Config) SQLitePath() (string, bool) {
	u, ok := strings.CutPrefix(c.DBURL(), "sqlite:")
	if !ok {
		return "", false
	}
	return strings.TrimPrefix(u, "//"), true
}

// MasterKeyPath is where the embedded default keeps the master key.
func (c Config) MasterKeyPath() string { return filepath.Join(c.DataDir, "master.key") }

// RedactDB returns a database URL fit to print: a password in it, as user
// information or as a password= parameter, is replaced by "xxxxx".
func RedactDB(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Opaque != "" {
		// Not a URL net/url understands (sqlite:PATH is opaque): hide
		// anything that could be user information.
		if i := strings.Index(u, "://"); i >= 0 {
			if at := strings.LastIndex(u, "@"); at > i {
				return u[:i+3] + "xxxxx@" + u[at+1:]
			}
		}
		return u
	}
	q := p.Query()
	for k := range q {
		if strings.EqualFold(k, "password") {
			q[k] = []string{"xxxxx"}
			p.RawQuery = q.Encode()
		}
	}
	return p.Redacted()
}

// Proxies parses TrustedProxies.
func (c Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(c.TrustedProxies, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("%s: %q is not an address or CIDR", setting("trusted-proxies"), s)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a CIDR", setting("trusted-proxies"), s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// setting names a setting by its flag and variable.
func setting(flagName string) string { return "--" + flagName + "/" + EnvName(flagName) }

// Validate reports every problem at once: variables that did not parse
// first, then values out of range and settings that do not fit together.
func (c Config) Validate() error {
	errs := append([]error(nil), c.envErrs...)
	if c.DataDir == "" {
		errs = append(errs, fmt.Errorf("%s: must not be empty", setting("data")))
	}
	u := c.DBURL()
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
	case strings.HasPrefix(u, "sqlite:"):
		if p, _ := c.SQLitePath(); p == "" || p == ":memory:" {
			errs = append(errs, fmt.Errorf("%s: %q: want sqlite:PATH with the path of a file", setting("db"), u))
		}
	default:
		errs = append(errs, fmt.Errorf("%s: %q: want sqlite:PATH or a postgres:// URL", setting("db"), RedactDB(u)))
	}
	if c.MasterKey != "" {
		if b, err := hex.DecodeString(strings.TrimSpace(c.MasterKey)); err != nil || len(b) != 32 {
			// Never echo the value: it is a secret, even when malformed.
			errs = append(errs, fmt.Errorf("%s: must be 64 hex characters (32 bytes); got %d characters", MasterKeyEnv, len(strings.TrimSpace(c.MasterKey))))
		}
	}
	if c.DBMaxConns < 0 || c.DBMaxConns > 10000 {
		errs = append(errs, fmt.Errorf("%s: %d: want 0..10000", setting("db-max-conns"), c.DBMaxConns))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("%s: %q: want json or text", setting("log-format"), c.LogFormat))
	}
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Errorf("%s: %q: want HOST:PORT, e.g. 127.0.0.1:8080", setting("addr"), c.Addr))
		}
	}
	if c.DebugAddr != "" {
		if _, _, err := net.SplitHostPort(c.DebugAddr); err != nil {
			errs = append(errs, fmt.Errorf("%s: %q: want HOST:PORT, e.g. 127.0.0.1:6060", setting("debug-addr"), c.DebugAddr))
		}
	}
	if c.AuditRetention < 0 {
		errs = append(errs, fmt.Errorf("%s: want 0 (keep forever) or a positive duration such as 400d", setting("audit-retention")))
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("%s: %q: want HOST:PORT, e.g. 127.0.0.1:9090", setting("metrics-addr"), c.MetricsAddr))
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, fmt.Errorf("%s and %s go together", setting("tls-cert"), setting("tls-key")))
	}
	if c.ClientCA != "" && c.TLSCert == "" {
		errs = append(errs, fmt.Errorf("%s needs --tls-cert and --tls-key", setting("client-ca")))
	}
	if c.LLMURL != "" {
		if p, err := url.Parse(c.LLMURL); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q: want an http:// or https:// URL", setting("llm-url"), RedactDB(c.LLMURL)))
		}
	}
	if c.LLMTimeout <= 0 {
		errs = append(errs, fmt.Errorf("%s: %v: must be positive", setting("llm-timeout"), c.LLMTimeout))
	}
	if _, err := c.Proxies(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.chatErrors()...)
	return errors.Join(errs...)
}
