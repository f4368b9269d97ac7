// Command gatehouse is the one binary: the server and every admin command.
// main only calls run, which takes its environment as arguments so tests
// can drive it in-process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/llm"
	"github.com/gatehouse/gatehouse/internal/secret"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "gatehouse:", err)
		}
		os.Exit(exitCode(err))
	}
}

const usage = `gatehouse — accounts and API keys for API platforms

usage:
  gatehouse serve    [--addr 127.0.0.1:8080] [--open-signup] [--trusted-proxies CIDRS]
                     [--llm-url URL [--llm-key KEY] [--llm-model M] [--llm-timeout 2m]]
                     [--tls-cert F --tls-key F [--client-ca F]]
  gatehouse migrate
  gatehouse backup   FILE                                 (SQLite: a consistent online copy)
  gatehouse users    create EMAIL [--admin] [--active]   (password read from stdin)
  gatehouse users    activate EMAIL | deactivate EMAIL | list | set-cac EMAIL on|off
  gatehouse keys     create EMAIL [--name NAME]           (prints a new API key once)
  gatehouse account-keys create EMAIL [--name NAME] [--json]   (prints the act_ key id and secret once)
  gatehouse account-keys list EMAIL [--json] | delete EMAIL ID
  gatehouse version

every command takes --data DIR (default ./gatehouse-data) and --db URL
(sqlite:PATH or postgres://...; default the SQLite file in the data
directory) and --db-max-conns N (PostgreSQL pool size); every flag
also reads a GATEHOUSE_* environment variable.
`

// usageError marks a command-line mistake (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	if _, ok := errors.AsType[usageError](err); ok || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "users", "user":
		return runUsers(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "keys", "key":
		return runKeys(ctx, args[1:], getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], getenv, stdout, stderr)
	case "account-keys", "account-key":
		return runAccountKeys(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "gatehouse %s%s\n", gatehouse.Version, map[bool]string{true: " (" + gatehouse.Commit + ")", false: ""}[gatehouse.Commit != ""])
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

// parse parses a command's flags, allowing flags after positional
// arguments ("users activate a@b.c --data DIR"), and validates the config.
func parse(fs *flag.FlagSet, cfg *config.Config, args []string, stderr io.Writer) ([]string, error) {
	fs.SetOutput(stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if err := cfg.Validate(); err != nil {
		return nil, usageError{err.Error()}
	}
	return pos, nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// openStore opens the configured backend. Only cmd knows which one is used.
func openStore(ctx context.Context, cfg config.Config) (gatehouse.Store, error) {
	u := cfg.DBURL()
	switch {
	case strings.HasPrefix(u, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "//")
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, err
		}
		return sqlite.Open(ctx, path, sqlite.Options{})
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return postgres.Open(ctx, u, postgres.Options{MaxConns: int32(cfg.DBMaxConns)})
	default:
		return nil, fmt.Errorf("database %q: want sqlite:PATH or a postgres:// URL", redactURL(u))
	}
}

// redactURL hides a password in a database URL.
func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if at := strings.LastIndex(u, "@"); at > i {
			return u[:i+3] + "…@" + u[at+1:]
		}
	}
	return u
}

// loadMasterKey reads GATEHOUSE_MASTER_KEY, or the key file in the data
// directory, creating it (mode 0600) on first start.
func loadMasterKey(cfg config.Config) ([]byte, error) {
	if cfg.MasterKey != "" {
		return secret.ParseMasterKey(cfg.MasterKey)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	return secret.LoadOrCreateMasterKey(cfg.MasterKeyPath())
}

// newService opens the store and builds the core service over it.
func newService(ctx context.Context, cfg config.Config, log *slog.Logger) (*core.Service, gatehouse.Store, error) {
	store, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	master, err := loadMasterKey(cfg)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	opt := core.Options{OpenSignup: cfg.OpenSignup, Logger: log, MasterKey: master, JWTRequireExp: cfg.JWTRequireExp,
		Chats: core.ChatLimits{MaxMessage: cfg.ChatMaxMessage, MaxSession: cfg.ChatMaxSession, MaxAccount: cfg.ChatMaxAccount}}
	if cfg.LLMURL != "" {
		opt.Models = llm.New(cfg.LLMURL, cfg.LLMKey, cfg.LLMModel, cfg.LLMTimeout)
	}
	return core.New(store, opt), store, nil
}
