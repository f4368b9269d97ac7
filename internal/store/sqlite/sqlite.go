// Package sqlite is the embedded storage backend: one SQLite file through the
// pure-Go modernc.org/sqlite driver (no cgo), in WAL mode with
// synchronous=FULL so an acknowledged write survives kill -9.
//
// Two connection pools share the file: a single writer connection whose
// transactions begin IMMEDIATE (so writers queue on busy_timeout instead of
// failing on a lock upgrade), and a pool of query-only reader connections,
// which WAL lets run beside the writer. The one writer, and SQLite's write
// lock across processes, are what serialise Updates as the store contract
// requires (see gatehouse.Store).
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/schema"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Options tune the store. Zero values take defaults.
type Options struct {
	BusyTimeout time.Duration // how long a writer waits for the lock (default 5s)
	Readers     int           // reader pool size (default 2×GOMAXPROCS, at least 4)
}

// Store is a gatehouse.Store on one SQLite file.
type Store struct {
	path string
	dsn  string  // shared by both pools (pragmas), without pool-specific settings
	w    *sql.DB // one connection, BEGIN IMMEDIATE
	r    *sql.DB // query-only readers, held by readers
	// wStmts are the writer's prepared statements (stmts.go); the readers
	// keep theirs per connection (readers.go).
	wStmts  stmtCache
	readers *readers

	migrations fs.FS // holds migrations/*.sql

	// closed is set by Close. database/sql says "database is closed" with
	// an error value it does not export, so a failure on a closed store is
	// known by this instead of by the error's text.
	closed atomic.Bool

	// commit queues Updates for the writer (groupcommit.go); batches
	// counts the transactions that carried more than one.
	commit  committer
	batches atomic.Uint64
}

var _ gatehouse.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path, checks its
// durability settings and applies pending migrations. It refuses, changing
// nothing, a database whose migrations table records a migration this
// build does not embed (a *schema.NewerError).
func Open(ctx context.Context, path string, opt Options) (*Store, error) {
	return open(ctx, path, opt, migrationFS)
}

// open is Open with the migrations taken from fsys (migrations/*.sql), so
// tests can stop at an older schema or try a migration that must fail.
func open(ctx context.Context, path string, opt Options, fsys fs.FS) (*Store, error) {
	if path == "" || path == ":memory:" {
		return nil, errors.New("sqlite: a file path is required")
	}
	if opt.BusyTimeout <= 0 {
		opt.BusyTimeout = 5 * time.Second
	}
	if opt.Readers <= 0 {
		opt.Readers = max(4, 2*runtime.GOMAXPROCS(0))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" +
		// busy_timeout first, so the pragmas after it wait instead of failing.
		fmt.Sprintf("_pragma=busy_timeout(%d)", opt.BusyTimeout.Milliseconds()) +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	s := &Store{path: path, dsn: base, w: w, migrations: fsys}
	s.wStmts.db = w
	if err := s.checkPragmasRetrying(ctx, opt.BusyTimeout); err != nil {
		w.Close()
		return nil, err
	}
	_ = os.Chmod(path, 0o600)
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	r.SetMaxOpenConns(opt.Readers)
	r.SetMaxIdleConns(opt.Readers)
	s.r = r
	s.readers = newReaders(r, opt.Readers)
	return s, nil
}

// checkPragmasRetrying runs checkPragmas until it succeeds or busy time
// has passed. Switching a new file to WAL upgrades a read lock to a write
// lock, and SQLite does not apply busy_timeout to that upgrade: two
// processes opening a fresh data directory at once would otherwise fail.
func (s *Store) checkPragmasRetrying(ctx context.Context, busy time.Duration) error {
	deadline := time.Now().Add(busy)
	for {
		err := s.checkPragmas(ctx)
		if err == nil || gatehouse.ErrorCode(err) != gatehouse.EUNAVAILABLE || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// checkPragmas asserts the durability settings took effect (docs/security.md 24).
func (s *Store) checkPragmas(ctx context.Context) error {
	var mode string
	var syncLevel, fk int
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", s.path, mapErr(err))
	}
	if err := s.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncLevel); err != nil {
		return fmt.Errorf("sqlite: %w", mapErr(err))
	}
	if err := s.w.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("sqlite: %w", mapErr(err))
	}
	if mode != "wal" || syncLevel != 2 || fk != 1 {
		return fmt.Errorf("sqlite: durability settings not in effect (journal_mode=%s synchronous=%d foreign_keys=%d)", mode, syncLevel, fk)
	}
	return nil
}

// Migrate applies pending migrations. Open already does; this is for callers
// that want to report it.
func (s *Store) Migrate(ctx context.Context) ([]string, error) { return s.applyMigrations(ctx) }

func (s *Store) migrate(ctx context.Context) error {
	_, err := s.applyMigrations(ctx)
	return err
}

// applyMigrations runs each embedded file not yet recorded, each in its own
// IMMEDIATE transaction, so two processes starting at once apply it once.
//
// First it refuses a database whose record names a migration this build
// does not embed (internal/store/schema): one a newer gatehouse migrated.
// Each pending file checks again inside its transaction, under the write
// lock, so a newer process migrating at the same moment cannot slip in
// between the first check and this one's writes.
func (s *Store) applyMigrations(ctx context.Context) ([]string, error) {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return nil, fmt.Errorf("sqlite: migrations table: %w", mapErr(err))
	}
	names, err := fs.Glob(s.migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	known := make([]string, len(names))
	for i, name := range names {
		known[i] = filepath.Base(name)
	}
	if err := checkKnown(ctx, s.w, known); err != nil {
		return nil, err
	}
	var applied []string
	for _, name := range names {
		ok, err := s.migrateFile(ctx, name, known)
		if err != nil {
			return applied, err
		}
		if ok {
			applied = append(applied, filepath.Base(name))
		}
	}
	return applied, nil
}

// foreignKeysOff is the first line of a migration that must run with
// foreign keys off: one that rebuilds a table (SQLite's twelve-step ALTER
// TABLE), whose DROP TABLE would otherwise cascade-delete every row that
// refers to it. Such a migration still runs in one transaction; before it
// commits, PRAGMA foreign_key_check must find nothing, or it rolls back.
const foreignKeysOff = "-- gatehouse:foreign_keys=off"

// directivePrefix starts every runner directive. A line that starts with it
// but is not a known directive on the first line fails the migration: a
// misspelt or misplaced foreign_keys=off must not run a table rebuild with
// foreign keys on.
const directivePrefix = "-- gatehouse:"

// migrationMode reads the directive on a migration's first line: whether it
// runs with foreign keys off. A directive anywhere else is refused too, so
// that it cannot be silently ignored.
func migrationMode(body string) (fkOff bool, err error) {
	for i, line := range strings.Split(body, "\n") {
		line = strings.TrimRight(line, " \t\r")
		if !strings.HasPrefix(strings.TrimSpace(line), directivePrefix) {
			continue
		}
		switch {
		case i > 0:
			return false, fmt.Errorf("directive %q on line %d: directives go on the first line", line, i+1)
		case line != foreignKeysOff:
			return false, fmt.Errorf("unknown directive %q (known: %q)", line, foreignKeysOff)
		}
		fkOff = true
	}
	return fkOff, nil
}

// checkKnown fails when the migrations table records a name that is not
// in known (sorted).
func checkKnown(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, known []string) error {
	rows, err := q.QueryContext(ctx, `SELECT name FROM migrations`)
	recorded, err := collect(rows, err, sqlrows.ID[string])
	if err != nil {
		return fmt.Errorf("sqlite: read migrations: %w", err)
	}
	return schema.CheckKnown("sqlite", recorded, known)
}

func (s *Store) migrateFile(ctx context.Context, name string, known []string) (applied bool, err error) {
	base := filepath.Base(name)
	body, err := fs.ReadFile(s.migrations, name)
	if err != nil {
		return false, err
	}
	fkOff, err := migrationMode(string(body))
	if err != nil {
		return false, fmt.Errorf("sqlite: migrate %s: %w", base, err)
	}
	// One connection for the pragma, the transaction and the restore: the
	// pragma is per connection and has no effect inside a transaction.
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("sqlite: migrate %s: %w", base, mapErr(err))
	}
	defer conn.Close()
	if fkOff {
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return false, fmt.Errorf("sqlite: migrate %s: %w", base, mapErr(err))
		}
		defer func() {
			if rerr := restoreForeignKeys(conn); rerr != nil {
				err = errors.Join(err, fmt.Errorf("sqlite: migrate %s: %w", base, rerr))
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("sqlite: migrate %s: %w", base, mapErr(err))
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, base).Scan(&n); err != nil {
		return false, fmt.Errorf("sqlite: migrate %s: %w", base, mapErr(err))
	}
	if n > 0 {
		return false, nil
	}
	if err := checkKnown(ctx, tx, known); err != nil {
		return false, err
	}
	if fkOff {
		// Never rebuild a table with foreign keys on: its DROP TABLE would
		// delete the rows of every table that refers to it.
		var fk int
		if err := tx.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
			return false, fmt.Errorf("sqlite: migrate %s: %w", base, mapErr(err))
		}
		if fk != 0 {
			return false, fmt.Errorf("sqlite: migrate %s: foreign keys could not be turned off", base)
		}
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return false, fmt.Errorf("sqlite: migrate %s: %w", base, err)
	}
	if fkOff {
		if err := foreignKeyCheck(ctx, tx); err != nil {
			return false, fmt.Errorf("sqlite: migrate %s: %w", base, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name, applied_at) VALUES (?, ?)`, base, time.Now().UnixMilli()); err != nil {
		return false, fmt.Errorf("sqlite: migrate %s: %w", base, mapErr(err))
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: migrate %s: %w", base, mapErr(err))
	}
	return true, nil
}

// restoreForeignKeys turns foreign keys back on for conn and checks that
// they are. If they cannot be, the connection is discarded (the pool's next
// one gets foreign_keys=ON from the DSN) rather than handed on without them.
func restoreForeignKeys(conn *sql.Conn) error {
	// Not the caller's context: a cancelled migration must still restore.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var fk int
	_, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = ON`)
	if err == nil {
		err = conn.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk)
	}
	if err == nil && fk == 1 {
		return nil
	}
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	if err == nil {
		err = errors.New("foreign keys still off")
	}
	return fmt.Errorf("turn foreign keys back on: %w", err)
}

// foreignKeyCheck fails when PRAGMA foreign_key_check reports any row whose
// parent is missing, naming the first few.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	var bad []string
	total := 0
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return mapErr(err)
		}
		total++
		if len(bad) < 5 {
			row := "a row"
			if rowid.Valid {
				row = fmt.Sprintf("rowid %d", rowid.Int64)
			}
			bad = append(bad, fmt.Sprintf("%s %s refers to a missing %s", table, row, parent))
		}
	}
	if err := rows.Err(); err != nil {
		return mapErr(err)
	}
	if total > 0 {
		return fmt.Errorf("foreign_key_check found %d row(s) whose parent is missing (%s); nothing was changed", total, strings.Join(bad, "; "))
	}
	return nil
}

// Update runs fn in an IMMEDIATE transaction on the writer connection: its
// own, or one it shares with the Updates queued beside it, each in a
// savepoint of its own (groupcommit.go). It returns once that transaction
// has committed, or with fn's error and nothing of fn committed.
func (s *Store) Update(ctx context.Context, fn func(gatehouse.Tx) error) error {
	return s.update(ctx, fn)
}

// View runs fn in a transaction on a reader connection (readers.go).
func (s *Store) View(ctx context.Context, fn func(gatehouse.Tx) error) error {
	return s.view(ctx, fn)
}

// Read runs fn's statements on a reader connection with no BEGIN and
// COMMIT around them: each statement takes and ends a read transaction of
// its own, as SQLite's autocommit does. The read itself costs the same as
// in a View; what goes is the two statements of Go around it (a
// database/sql Exec each), 7 % of gatehouse's CPU on get-user-logins
// under load (pprof of bench/gatebench's logins scenario).
func (s *Store) Read(ctx context.Context, fn func(gatehouse.Tx) error) (err error) {
	rc, err := s.readers.get(ctx)
	if err != nil {
		return s.mapErr(err)
	}
	// Deferred so that a panic in fn still hands the connection back. No
	// transaction is open on it, whatever fn did: its connection is
	// query_only, and every statement ends when its rows are closed. A
	// connection that has gone bad is dropped (as View drops one whose
	// BEGIN fails), or every later Read would meet it again.
	defer func() {
		if errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) {
			rc.drop()
			rc = nil
		}
		s.readers.put(rc)
	}()
	return fn(&txn{tx: &sqlTx{rc: rc, dctx: context.WithoutCancel(ctx)}})
}

func (s *Store) run(ctx context.Context, db *sql.DB, stmts *stmtCache, fn func(gatehouse.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return s.mapErr(err)
	}
	// Deferred so that a panic in fn cannot leave the single writer
	// connection inside an open transaction; a no-op after Commit.
	defer tx.Rollback()
	if err := fn(&txn{tx: &sqlTx{tx: tx, stmts: stmts}}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.mapErr(err)
	}
	return nil
}

// Ping reports whether the database file can be read.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, func(tx gatehouse.Tx) error {
		var one int
		if err := tx.(*txn).tx.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			return s.mapErr(err)
		}
		return nil
	})
}

// Close closes both pools. It may be called more than once.
func (s *Store) Close() error {
	s.closed.Store(true)
	s.readers.close()
	return errors.Join(s.r.Close(), s.w.Close())
}

// Backup writes a consistent copy of the database to path (VACUUM INTO),
// while the store stays online.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("sqlite: backup: %s: %w", path, gatehouse.CodeErr(gatehouse.ECONFLICT))
	}
	// A connection of its own: the readers are query_only, and using the
	// writer would hold up writes for the length of the copy.
	db, err := sql.Open("sqlite", s.dsn)
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("sqlite: backup: %w", s.mapErr(err))
	}
	return os.Chmod(path, 0o600)
}

type txn struct{ tx *sqlTx }

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

// PoolStats is the writer's connection and the readers together. A reader
// slot waited for shows in the writer-side database/sql counters only when
// it was being opened; a View waiting for a free slot is counted by
// database/sql's WaitCount of the readers' pool once all are open.
func (s *Store) PoolStats() gatehouse.PoolStats {
	w, r := s.w.Stats(), s.r.Stats()
	return gatehouse.PoolStats{
		InUse: w.InUse + r.InUse, Idle: w.Idle + r.Idle, Max: w.MaxOpenConnections + r.MaxOpenConnections,
		WaitCount: w.WaitCount + r.WaitCount, WaitDuration: w.WaitDuration + r.WaitDuration,
	}
}
