// Package config is gatehouse's configuration: one plain struct, defaults
// that run as-is (SQLite in ./gatehouse-data, 127.0.0.1:8080), flags layered
// over GATEHOUSE_* environment variables, and a Validate that reports every
// problem at once. No other package reads the environment.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of every command.
type Config struct {
	DataDir   string // --data, GATEHOUSE_DATA
	DB        string // --db, GATEHOUSE_DB: sqlite:PATH or postgres://...; default the SQLite file in DataDir
	MasterKey string // GATEHOUSE_MASTER_KEY (64 hex); default: DataDir/master.key, created on first start
	LogFormat string // --log-format, GATEHOUSE_LOG_FORMAT: json or text
	// DBMaxConns is the PostgreSQL pool size per process (0: 4×GOMAXPROCS).
	DBMaxConns int // --db-max-conns, GATEHOUSE_DB_MAX_CONNS

	// serve
	Addr           string // --addr, GATEHOUSE_ADDR
	OpenSignup     bool   // --open-signup, GATEHOUSE_OPEN_SIGNUP
	TrustedProxies string // --trusted-proxies, GATEHOUSE_TRUSTED_PROXIES: comma-separated CIDRs
	ShutdownGrace  time.Duration

	// Model server for /server/query and /server/get-models.
	LLMURL     string        // --llm-url, GATEHOUSE_LLM_URL: an OpenAI-compatible base URL
	LLMKey     string        // --llm-key, GATEHOUSE_LLM_KEY: sent as a Bearer token
	LLMModel   string        // --llm-model, GATEHOUSE_LLM_MODEL: default model (else the server's first)
	LLMTimeout time.Duration // --llm-timeout, GATEHOUSE_LLM_TIMEOUT

	// JWTRequireExp refuses Sunshine JWTs without exp.
	JWTRequireExp bool // --jwt-require-exp, GATEHOUSE_JWT_REQUIRE_EXP

	// Chat quotas, in bytes (see chats.go).
	ChatMaxMessage int64 // --chat-max-message, GATEHOUSE_CHAT_MAX_MESSAGE
	ChatMaxSession int64 // --chat-max-session, GATEHOUSE_CHAT_MAX_SESSION
	ChatMaxAccount int64 // --chat-max-account, GATEHOUSE_CHAT_MAX_ACCOUNT
	chatErrs       []error

	// TLS, and client certificates for CAC sessions.
	TLSCert  string // --tls-cert, GATEHOUSE_TLS_CERT
	TLSKey   string // --tls-key, GATEHOUSE_TLS_KEY
	ClientCA string // --client-ca, GATEHOUSE_CLIENT_CA: PEM CA bundle that client certificates must chain to
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

// FlagSet returns a flag set for command name that fills c; env supplies
// the GATEHOUSE_* defaults, which flags override. serve adds the server's
// flags.
func FlagSet(name string, c *Config, getenv func(string) string, serve bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	str := func(p *string, flagName, env, usage string) {
		if v := getenv(env); v != "" {
			*p = v
		}
		fs.StringVar(p, flagName, *p, usage+" (env "+env+")")
	}
	str(&c.DataDir, "data", "GATEHOUSE_DATA", "data directory")
	str(&c.DB, "db", "GATEHOUSE_DB", "database URL: sqlite:PATH or postgres://... (default: the SQLite file in the data directory)")
	str(&c.LogFormat, "log-format", "GATEHOUSE_LOG_FORMAT", "log format: json or text")
	if n, err := strconv.Atoi(getenv("GATEHOUSE_DB_MAX_CONNS")); err == nil {
		c.DBMaxConns = n
	}
	fs.IntVar(&c.DBMaxConns, "db-max-conns", c.DBMaxConns, "PostgreSQL connection pool size per process (default 4×CPUs) (env GATEHOUSE_DB_MAX_CONNS)")
	c.MasterKey = getenv("GATEHOUSE_MASTER_KEY")
	if serve {
		str(&c.Addr, "addr", "GATEHOUSE_ADDR", "listen address")
		str(&c.TrustedProxies, "trusted-proxies", "GATEHOUSE_TRUSTED_PROXIES", "comma-separated CIDRs of proxies whose X-Forwarded-For is trusted")
		if v, err := strconv.ParseBool(getenv("GATEHOUSE_OPEN_SIGNUP")); err == nil {
			c.OpenSignup = v
		}
		fs.BoolVar(&c.OpenSignup, "open-signup", c.OpenSignup, "activate accounts at sign-up (development only) (env GATEHOUSE_OPEN_SIGNUP)")
		str(&c.LLMURL, "llm-url", "GATEHOUSE_LLM_URL", "OpenAI-compatible model server for /server/query, e.g. http://127.0.0.1:11434")
		str(&c.LLMKey, "llm-key", "GATEHOUSE_LLM_KEY", "API key for the model server")
		str(&c.LLMModel, "llm-model", "GATEHOUSE_LLM_MODEL", "default model (default: the model server's first)")
		if d, err := time.ParseDuration(getenv("GATEHOUSE_LLM_TIMEOUT")); err == nil {
			c.LLMTimeout = d
		}
		fs.DurationVar(&c.LLMTimeout, "llm-timeout", c.LLMTimeout, "how long to wait for the model server (env GATEHOUSE_LLM_TIMEOUT)")
		if v, err := strconv.ParseBool(getenv("GATEHOUSE_JWT_REQUIRE_EXP")); err == nil {
			c.JWTRequireExp = v
		}
		fs.BoolVar(&c.JWTRequireExp, "jwt-require-exp", c.JWTRequireExp, "refuse Sunshine JWTs without an exp claim (env GATEHOUSE_JWT_REQUIRE_EXP)")
		c.chatFlags(fs, getenv)
		str(&c.TLSCert, "tls-cert", "GATEHOUSE_TLS_CERT", "serve HTTPS with this PEM certificate")
		str(&c.TLSKey, "tls-key", "GATEHOUSE_TLS_KEY", "the PEM private key of --tls-cert")
		str(&c.ClientCA, "client-ca", "GATEHOUSE_CLIENT_CA", "PEM CA bundle; a verified client certificate naming an account's e-mail makes the session CAC-authenticated")
	}
	return fs
}

// DBURL returns the database URL, defaulting to the SQLite file in DataDir.
func (c Config) DBURL() string {
	if c.DB != "" {
		return c.DB
	}
	return "sqlite:" + filepath.Join(c.DataDir, "gatehouse.db")
}

// MasterKeyPath is where the embedded default keeps the master key.
func (c Config) MasterKeyPath() string { return filepath.Join(c.DataDir, "master.key") }

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
				return nil, fmt.Errorf("trusted-proxies: %q is not an address or CIDR", s)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("trusted-proxies: %q is not a CIDR", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("data: must not be empty"))
	}
	u := c.DBURL()
	if !strings.HasPrefix(u, "sqlite:") && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		errs = append(errs, fmt.Errorf("db: %q: want sqlite:PATH or a postgres:// URL", u))
	}
	if c.DBMaxConns < 0 || c.DBMaxConns > 10000 {
		errs = append(errs, fmt.Errorf("db-max-conns: %d: want 0..10000", c.DBMaxConns))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("log-format: %q: want json or text", c.LogFormat))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("tls-cert and tls-key go together"))
	}
	if c.ClientCA != "" && c.TLSCert == "" {
		errs = append(errs, errors.New("client-ca needs tls-cert and tls-key"))
	}
	if c.LLMURL != "" && !strings.HasPrefix(c.LLMURL, "http://") && !strings.HasPrefix(c.LLMURL, "https://") {
		errs = append(errs, fmt.Errorf("llm-url: %q: want http:// or https://", c.LLMURL))
	}
	if c.LLMTimeout <= 0 {
		errs = append(errs, errors.New("llm-timeout: must be positive"))
	}
	if _, err := c.Proxies(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.chatErrors()...)
	return errors.Join(errs...)
}
