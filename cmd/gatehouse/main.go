// Command gatehouse is the one binary: the server and every admin command.
// main only calls run, which takes its environment as arguments so tests
// can drive it in-process.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/apierror"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/llm"
	"github.com/gatehouse/gatehouse/internal/seal"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		// run has written a usage error, with the usage, itself.
		if _, ok := errors.AsType[usageError](err); !ok {
			fmt.Fprintln(os.Stderr, "gatehouse:", err)
		}
		os.Exit(exitCode(err))
	}
}

// usageError marks a command-line mistake (exit status 2): a bad flag,
// argument or setting. usage, when set, is printed after the message.
type usageError struct{ msg, usage string }

func (e usageError) Error() string { return e.msg }

// helpShown is returned when --help asked for a usage: run prints it on
// stdout and succeeds.
type helpShown struct{ usage string }

func (helpShown) Error() string { return "help requested" }

func exitCode(err error) int {
	if _, ok := errors.AsType[usageError](err); ok {
		return 2
	}
	return 1
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, getenv, stdin, stdout, stderr)
	if h, ok := errors.AsType[helpShown](err); ok {
		fmt.Fprint(stdout, h.usage)
		return nil
	}
	if u, ok := errors.AsType[usageError](err); ok {
		for line := range strings.SplitSeq(u.msg, "\n") {
			fmt.Fprintf(stderr, "gatehouse: %s\n", line)
		}
		if u.usage != "" {
			fmt.Fprintf(stderr, "\n%s", u.usage)
		}
	}
	return err
}

func dispatch(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"no command given", mainUsage()}
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
	case "audit":
		return runAudit(ctx, args[1:], getenv, stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, args[1:], getenv)
	case "version", "--version", "-version":
		if _, _, _, err := parse("version", args[1:], getenv); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "gatehouse %s\n", version())
		return nil
	case "help", "-h", "-help", "--help":
		// "help COMMAND ..." is "COMMAND ... --help".
		if len(args) > 1 && args[0] == "help" && !isHelpFlag(args[1]) {
			return dispatch(ctx, append(append([]string(nil), args[1:]...), "--help"), getenv, stdin, stdout, stderr)
		}
		return helpShown{mainUsage()}
	}
	return usageError{fmt.Sprintf("unknown command %q", args[0]), mainUsage()}
}

func isHelpFlag(s string) bool {
	switch s {
	case "-h", "-help", "--help", "--h":
		return true
	}
	return false
}

// subcommand picks the subcommand of group ("users") from args, answering
// --help with the group's usage.
func subcommand(group string, args []string) (string, []string, error) {
	if len(args) == 0 {
		return "", nil, usageError{group + ": want a subcommand: " + strings.Join(subcommandNames(group), ", "), groupUsage(group)}
	}
	if isHelpFlag(args[0]) || args[0] == "help" {
		return "", nil, helpShown{groupUsage(group)}
	}
	if findDoc(group+" "+args[0]) == nil {
		return "", nil, usageError{fmt.Sprintf("%s: unknown subcommand %q (want %s)", group, args[0], strings.Join(subcommandNames(group), ", ")), groupUsage(group)}
	}
	return args[0], args[1:], nil
}

// parseGroup reads the command line of a command group ("users create
// EMAIL ..."): the subcommand, then its settings, flags and arguments.
func parseGroup(group string, args []string, getenv func(string) string) (string, config.Config, opts, []string, error) {
	sub, args, err := subcommand(group, args)
	if err != nil {
		return "", config.Config{}, opts{}, nil, err
	}
	cfg, o, pos, err := parse(group+" "+sub, args, getenv)
	return sub, cfg, o, pos, err
}

// groupRun is a subcommand of a command group ready to run: what
// parseGroup read, and core opened over the configured store (the caller
// closes store).
type groupRun struct {
	sub   string
	cfg   config.Config
	o     opts
	pos   []string
	svc   *core.Service
	store gatehouse.Store
}

// openGroup parses a command group's command line, then opens core,
// logging to stderr. users checks more of its command line before anything
// is opened, so it calls parseGroup and newService itself.
func openGroup(ctx context.Context, group string, args []string, getenv func(string) string, stderr io.Writer) (groupRun, error) {
	sub, cfg, o, pos, err := parseGroup(group, args, getenv)
	if err != nil {
		return groupRun{}, err
	}
	svc, store, err := newService(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return groupRun{}, err
	}
	return groupRun{sub: sub, cfg: cfg, o: o, pos: pos, svc: svc, store: store}, nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// openStore opens the configured backend. Only cmd knows which one is used.
// The data directory is created on demand for the default database; a
// SQLite file given with --db must be in a directory that exists (a typo
// there creates nothing).
func openStore(ctx context.Context, cfg config.Config) (gatehouse.Store, error) {
	u := cfg.DBURL()
	if path, ok := cfg.SQLitePath(); ok {
		if cfg.DB == "" {
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				return nil, fmt.Errorf("data directory: %w", err)
			}
		} else if dir := filepath.Dir(path); !isDir(dir) {
			return nil, fmt.Errorf("database %s: directory %s does not exist (create it first; only the data directory is created on demand)", u, dir)
		}
		return sqlite.Open(ctx, path, sqlite.Options{})
	}
	if strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		return postgres.Open(ctx, u, postgres.Options{MaxConns: int32(cfg.DBMaxConns)})
	}
	return nil, fmt.Errorf("database %q: want sqlite:PATH or a postgres:// URL", config.RedactDB(u))
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// dbName names the configured database for messages: a SQLite file by its
// absolute path, a PostgreSQL URL without its password.
func dbName(cfg config.Config) string {
	if path, ok := cfg.SQLitePath(); ok {
		if abs, err := filepath.Abs(path); err == nil {
			return "sqlite:" + abs
		}
	}
	return config.RedactDB(cfg.DBURL())
}

// loadMasterKey reads GATEHOUSE_MASTER_KEY, or the key file in the data
// directory, creating both (mode 0700 and 0600) on first start.
func loadMasterKey(cfg config.Config) ([]byte, error) {
	if cfg.MasterKey != "" {
		k, err := seal.ParseMasterKey(cfg.MasterKey)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", config.MasterKeyEnv, err)
		}
		return k, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	return seal.LoadOrCreateMasterKey(cfg.MasterKeyPath())
}

// newService opens the store and builds the core service over it.
func newService(ctx context.Context, cfg config.Config, log *slog.Logger) (*core.Service, gatehouse.Store, error) {
	return newServiceOn(ctx, cfg, log, nil)
}

// newServiceOn is newService with the store wrapped by wrap (serve's
// transaction timer), when wrap is not nil. The store returned is the one
// to close: the unwrapped one.
func newServiceOn(ctx context.Context, cfg config.Config, log *slog.Logger, wrap func(gatehouse.Store) gatehouse.Store) (*core.Service, gatehouse.Store, error) {
	store, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	used := store
	if wrap != nil {
		used = wrap(store)
	}
	master, err := loadMasterKey(cfg)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	opt := core.Options{OpenSignup: cfg.OpenSignup, Logger: log, MasterKey: master, JWTRequireExp: cfg.JWTRequireExp, AuditRetention: cfg.AuditRetention,
		RevocationNotices: true,
		Chats:             core.ChatLimits{MaxMessage: cfg.ChatMaxMessage, MaxSession: cfg.ChatMaxSession, MaxAccount: cfg.ChatMaxAccount}}
	if cfg.LLMURL != "" {
		opt.Models = llm.New(cfg.LLMURL, cfg.LLMKey, cfg.LLMModel, cfg.LLMTimeout)
	}
	return core.New(used, opt), store, nil
}

// cliError shows a gatehouse error in gatehouse's own words. Something not found is
// said to be missing from the database that was looked in, so that a
// command run against the wrong data directory says so.
func cliError(err error, cfg config.Config) error {
	switch gatehouse.ErrorCode(err) {
	case gatehouse.EINTERNAL:
		return err
	case gatehouse.ENOTFOUND:
		return fmt.Errorf("%s in %s", strings.TrimSuffix(apierror.Text(err), "."), dbName(cfg))
	}
	return fmt.Errorf("%s", apierror.Text(err))
}
