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

	// serve
	Addr           string // --addr, GATEHOUSE_ADDR
	OpenSignup     bool   // --open-signup, GATEHOUSE_OPEN_SIGNUP
	TrustedProxies string // --trusted-proxies, GATEHOUSE_TRUSTED_PROXIES: comma-separated CIDRs
	ShutdownGrace  time.Duration
}

// Default returns a configuration that runs as-is.
func Default() Config {
	return Config{
		DataDir:       "./gatehouse-data",
		LogFormat:     "json",
		Addr:          "127.0.0.1:8080",
		ShutdownGrace: 15 * time.Second,
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
	c.MasterKey = getenv("GATEHOUSE_MASTER_KEY")
	if serve {
		str(&c.Addr, "addr", "GATEHOUSE_ADDR", "listen address")
		str(&c.TrustedProxies, "trusted-proxies", "GATEHOUSE_TRUSTED_PROXIES", "comma-separated CIDRs of proxies whose X-Forwarded-For is trusted")
		if v, err := strconv.ParseBool(getenv("GATEHOUSE_OPEN_SIGNUP")); err == nil {
			c.OpenSignup = v
		}
		fs.BoolVar(&c.OpenSignup, "open-signup", c.OpenSignup, "activate accounts at sign-up (development only) (env GATEHOUSE_OPEN_SIGNUP)")
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
		errs = append(errs, fmt.Errorf("db: %q: want sqlite:PATH or postgres://...", u))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("log-format: %q: want json or text", c.LogFormat))
	}
	if _, err := c.Proxies(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
