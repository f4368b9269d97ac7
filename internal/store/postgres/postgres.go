// Package postgres is the server storage backend: PostgreSQL through pgx
// (pgxpool), for several gatehouse nodes sharing one database.
//
// Updates run side by side, on this node and every other, in READ
// COMMITTED mode: each statement sees what was committed before it began.
// A rule about one account is kept exact by a row lock on the account
// (UserStore.LockUser: SELECT … FOR NO KEY UPDATE), which core takes first
// in every Update that reads, decides and writes for an account (see
// gatehouse.Store): "count the keys, add one if under the limit", "the
// account is still active, so create its key" (a deactivation's UPDATE of
// the row waits for the lock, and its delete of the keys then sees the new
// one). Writes of different accounts never wait for each other; uniqueness
// and references are constraints. fn still runs once: READ COMMITTED never
// fails a transaction on a serialisation conflict, and core takes at most
// one account's lock per Update, so lock waits form no cycle. (Until
// 2026-12 every Update took one cluster-wide advisory lock instead, which
// capped the whole cluster at one writer; SERIALIZABLE was rejected because
// it aborts unrelated inserts now and then, and fn would have to re-run.)
// Waiting longer than Options.LockTimeout for a row lock is EUNAVAILABLE,
// as waiting out SQLite's busy timeout is. Reads (View) take no lock:
// REPEATABLE READ READ ONLY, one snapshot for the whole of fn, like a
// SQLite read transaction. The revocation log takes no lock either:
// revoking transactions append side by side, and readers follow the oldest
// transaction in flight (revocations.go).
//
// Times are TIMESTAMPTZ written truncated to the millisecond and read back
// in UTC, which round-trips the same instants as the SQLite store.
package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/schema"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Advisory lock keys. Advisory locks are per database, and the key space
// is shared with anything else using the same database, so the keys are
// fixed, arbitrary values unlikely to collide ("gateh" + purpose). Two
// gatehouse deployments in different schemas of one database share them,
// which only makes them take turns.
const (
	// migrateLockKey is held (session level) while a node applies
	// migrations, so nodes starting at once apply each file once.
	migrateLockKey int64 = 0x6761746568_0001
	// 0x6761746568_0002 was the revocation log's append lock, until 0011.
)

// setReadOnly makes a pooled session's transactions read-only by default
// (see Open).
const setReadOnly = `SET default_transaction_read_only = on`

// Options tune the store. Zero values take defaults.
type Options struct {
	// MaxConns is the pool size (default 4×GOMAXPROCS, at least 4). The
	// DSN's pool_max_conns, when set, wins over the default but not over a
	// non-zero MaxConns.
	MaxConns int32
	// MinConns is how many idle connections the pool keeps open (default 0).
	MinConns int32
	// ConnectTimeout bounds one connection attempt when the DSN has no
	// connect_timeout (default 5s).
	ConnectTimeout time.Duration
	// LockTimeout bounds how long a statement waits for a lock (the
	// writer's turn in Update, or a row another transaction holds) before
	// the request fails with EUNAVAILABLE, as SQLite's busy timeout does
	// (lock_timeout; default 5s; negative leaves the server's setting). A
	// lock_timeout in the DSN wins.
	LockTimeout time.Duration
	// AllowUnsafe lets Open start on a server where fsync or
	// synchronous_commit is off, where an acknowledged write may be lost
	// in a crash (docs/security.md 24). For throwaway test servers only.
	AllowUnsafe bool

	// tracer, for tests, sees every statement and batch (export_test.go).
	tracer pgx.QueryTracer
}

// Store is a gatehouse.Store on a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
	// attempts bounds how often a transaction's first batch
	// (pipeline.go), Read and Ping try again on a broken connection: once
	// per pooled connection (each may be dead after a server restart)
	// plus one fresh dial, as pgxpool.Acquire does.
	attempts int
}

var _ gatehouse.Store = (*Store)(nil)

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value string, as pgxpool.ParseConfig takes), checks its durability
// settings and applies pending migrations. It refuses, changing nothing, a
// database whose migrations table records a migration this build does not
// embed (a *schema.NewerError).
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// ParseConfigError masks the password in its text.
		return nil, fmt.Errorf("postgres: parse DSN: %w", err)
	}
	switch {
	case opt.MaxConns > 0:
		cfg.MaxConns = opt.MaxConns
	case !strings.Contains(dsn, "pool_max_conns"):
		cfg.MaxConns = int32(max(4, 4*runtime.GOMAXPROCS(0)))
	}
	if opt.MinConns > 0 {
		cfg.MinConns = min(opt.MinConns, cfg.MaxConns)
	}
	if cfg.ConnConfig.ConnectTimeout <= 0 {
		cfg.ConnConfig.ConnectTimeout = cmpOr(opt.ConnectTimeout, 5*time.Second)
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["lock_timeout"]; !ok && opt.LockTimeout >= 0 {
		cfg.ConnConfig.RuntimeParams["lock_timeout"] = fmt.Sprint(cmpOr(opt.LockTimeout, 5*time.Second).Milliseconds())
	}
	// Every pooled session is read-only unless it says otherwise: Update
	// begins READ WRITE, and Read's statements run on their own, where a
	// write (a bug) fails instead of committing outside any transaction.
	// Set once connected, not as a startup parameter: a DSN's
	// target_session_attrs=read-write check (SHOW transaction_read_only)
	// runs before this, and would otherwise take every server for a
	// read-only one.
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, setReadOnly)
		return err
	}
	if opt.tracer != nil {
		cfg.ConnConfig.Tracer = opt.tracer
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "gatehouse"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool, attempts: int(cfg.MaxConns) + 1}
	if err := s.ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", cfg.ConnConfig.Host, mapErr(err))
	}
	if err := s.checkSettings(ctx, opt.AllowUnsafe); err != nil {
		pool.Close()
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// checkSettings asserts the server will not lose acknowledged writes in a
// crash (docs/security.md 24): fsync on and synchronous_commit not off (local,
// on, remote_write and remote_apply all flush the local WAL first).
func (s *Store) checkSettings(ctx context.Context, allowUnsafe bool) error {
	var fsync, syncCommit string
	err := s.pool.QueryRow(ctx, `SELECT current_setting('fsync'), current_setting('synchronous_commit')`).Scan(&fsync, &syncCommit)
	if err != nil {
		return fmt.Errorf("postgres: read durability settings: %w", mapErr(err))
	}
	if (fsync != "on" || syncCommit == "off") && !allowUnsafe {
		return fmt.Errorf("postgres: durability settings not in effect (fsync=%s synchronous_commit=%s): an acknowledged write could be lost in a crash; "+
			"set fsync = on and synchronous_commit to anything but off (AllowUnsafe skips this check, for throwaway test servers only)", fsync, syncCommit)
	}
	return nil
}

// Migrate applies pending migrations and returns the names of those it
// applied. Open already does; this is for callers that want to report it.
//
// A session-level advisory lock on a fixed key serialises nodes starting
// at once: the first applies the files, the others wait, then find them
// recorded. Each file runs in its own transaction with its row in the
// migrations table, so a failure leaves every earlier file applied and
// that one not at all.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate: %w", mapErr(err))
	}
	defer conn.Release()
	// Wait for the lock as long as ctx allows, not lock_timeout: another
	// node may be in the middle of a long migration.
	// And write: the pool's sessions default to read-only (see Read).
	if _, err := conn.Exec(ctx, `SET lock_timeout = 0; SET default_transaction_read_only = off`); err != nil {
		return nil, fmt.Errorf("postgres: migrate: %w", mapErr(err))
	}
	_, err = conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLockKey)
	if err == nil {
		_, err = conn.Exec(ctx, `RESET lock_timeout`)
	}
	if err != nil {
		conn.Conn().Close(ctx) // drops the session, its settings and any lock
		return nil, fmt.Errorf("postgres: migrate: lock: %w", mapErr(err))
	}
	defer func() {
		// On a cancelled ctx the lock must still go: the connection
		// returns to the pool. If unlocking fails, close the connection,
		// which ends the session and so releases the lock.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		// The connection goes back to the pool read-only, or not at all
		// (SET, not RESET: the session's own default is read-write).
		if _, uerr := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, migrateLockKey); uerr != nil {
			conn.Conn().Close(uctx)
		} else if _, uerr := conn.Exec(uctx, setReadOnly); uerr != nil {
			conn.Conn().Close(uctx)
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS migrations (
		name       TEXT        PRIMARY KEY,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("postgres: migrations table: %w", mapErr(err))
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	// Refuse a database a newer gatehouse migrated (internal/store/schema)
	// before applying anything: under the lock, so no other node can be
	// recording a migration between this check and the files below.
	known := make([]string, len(names))
	for i, name := range names {
		known[i] = path.Base(name)
	}
	rows, err := conn.Query(ctx, `SELECT name FROM migrations`)
	recorded, err := collect(rows, err, sqlrows.ID[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: read migrations: %w", err)
	}
	if err := schema.CheckKnown("postgres", recorded, known); err != nil {
		return nil, err
	}
	for _, name := range names {
		ok, err := migrateFile(ctx, conn.Conn(), name)
		if err != nil {
			return applied, err
		}
		if ok {
			applied = append(applied, path.Base(name))
		}
	}
	return applied, nil
}

func migrateFile(ctx context.Context, conn *pgx.Conn, name string) (bool, error) {
	base := path.Base(name)
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadWrite})
	if err != nil {
		return false, fmt.Errorf("postgres: migrate %s: %w", base, mapErr(err))
	}
	defer tx.Rollback(ctx)
	var done bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM migrations WHERE name = $1)`, base).Scan(&done); err != nil {
		return false, fmt.Errorf("postgres: migrate %s: %w", base, mapErr(err))
	}
	if done {
		return false, nil
	}
	body, err := migrationFS.ReadFile(name)
	if err != nil {
		return false, err
	}
	// No arguments: pgx sends the file over the simple protocol, which
	// runs several statements in one go.
	if _, err := tx.Exec(ctx, string(body)); err != nil {
		return false, fmt.Errorf("postgres: migrate %s: %w", base, mapErr(err))
	}
	if _, err := tx.Exec(ctx, `INSERT INTO migrations (name) VALUES ($1)`, base); err != nil {
		return false, fmt.Errorf("postgres: migrate %s: %w", base, mapErr(err))
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("postgres: migrate %s: %w", base, mapErr(err))
	}
	return true, nil
}

var (
	// READ COMMITTED, so that each statement sees what writers before
	// this one committed while it waited for a row lock (a REPEATABLE READ
	// snapshot would be taken before the wait, and a write to a row
	// changed since would fail with a serialisation error).
	updateOpts = pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite}
	viewOpts   = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
)

// Update runs fn once, in one READ COMMITTED READ WRITE transaction, beside
// other Updates (see the package comment). Waiting longer than
// Options.LockTimeout for a row lock is EUNAVAILABLE.
func (s *Store) Update(ctx context.Context, fn func(gatehouse.Tx) error) error {
	return s.run(ctx, updateOpts, fn)
}

// View runs fn in a REPEATABLE READ READ ONLY transaction: one snapshot,
// and any write fails.
func (s *Store) View(ctx context.Context, fn func(gatehouse.Tx) error) error {
	return s.run(ctx, viewOpts, fn)
}

// Read runs fn with no transaction around it: each statement runs on its
// own, on a pooled connection whose sessions are read-only
// (default_transaction_read_only), so it costs one round trip, not
// BEGIN, the statement and COMMIT. When the pooled connection turns out
// to be dead, fn runs again, as a transaction's first batch is sent
// again: it has only read.
func (s *Store) Read(ctx context.Context, fn func(gatehouse.Tx) error) error {
	var err error
	for range s.attempts {
		if err = fn(&txn{tx: s.pool}); err == nil || ctx.Err() != nil || !brokenConn(err) {
			break
		}
	}
	return err
}

func (s *Store) run(ctx context.Context, opts pgx.TxOptions, fn func(gatehouse.Tx) error) error {
	// The connection now (no round trip unless the pool dials), so that a
	// closed store or a full pool fails before fn runs; BEGIN goes with
	// the first statement (pipeline.go).
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return mapErr(err)
	}
	t := &pipeTx{s: s, begin: beginSQL(opts), conn: conn}
	// Deferred so that a panic in fn cannot return a connection to the
	// pool inside an open transaction; a no-op after commit.
	defer t.close(ctx)
	if err := fn(&txn{tx: t}); err != nil {
		return err
	}
	return mapErr(t.commit(ctx))
}

// Ping reports whether the database answers, passing over dead pooled
// connections as a transaction's first batch does.
func (s *Store) Ping(ctx context.Context) error {
	return mapErr(s.ping(ctx))
}

func (s *Store) ping(ctx context.Context) error {
	var err error
	for range s.attempts {
		if err = s.pool.Ping(ctx); err == nil || ctx.Err() != nil || !brokenConn(err) {
			break
		}
	}
	return err
}

// Close closes the pool, waiting for connections in use to be returned. It
// may be called more than once.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// querier is what the per-entity stores run statements on: the transaction
// of an Update or a View, or the pool itself in Read.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

type txn struct{ tx querier }

func (t *txn) Users() gatehouse.UserStore             { return users{t.tx} }
func (t *txn) Keys() gatehouse.KeyStore               { return keys{t.tx} }
func (t *txn) Tokens() gatehouse.TokenStore           { return tokens{t.tx} }
func (t *txn) Logins() gatehouse.LoginStore           { return logins{t.tx} }
func (t *txn) Revocations() gatehouse.RevocationStore { return revocations{t.tx} }
func (t *txn) Datasets() gatehouse.DatasetStore       { return datasets{t.tx} }
func (t *txn) Chats() gatehouse.ChatStore             { return chats{t.tx} }
func (t *txn) PromptLogs() gatehouse.PromptLogStore   { return promptLogs{t.tx} }
func (t *txn) Apps() gatehouse.AppStore               { return apps{t.tx} }
func (t *txn) AppKeys() gatehouse.AppKeyStore         { return appKeys{t.tx} }
func (t *txn) AccountKeys() gatehouse.AccountKeyStore { return accountKeys{t.tx} }
func (t *txn) Settings() gatehouse.SettingStore       { return settings{t.tx} }
func (t *txn) Sessions() gatehouse.SessionStore       { return sessions{t.tx} }
func (t *txn) Audit() gatehouse.AuditStore            { return audit{t.tx} }

// PoolStats is pgxpool's view of the pool.
func (s *Store) PoolStats() gatehouse.PoolStats {
	st := s.pool.Stat()
	return gatehouse.PoolStats{
		InUse: int(st.AcquiredConns()), Idle: int(st.IdleConns()), Max: int(st.MaxConns()),
		WaitCount: st.EmptyAcquireCount(), WaitDuration: st.EmptyAcquireWaitTime(),
	}
}
