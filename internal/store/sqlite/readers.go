package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync"

	"github.com/gatehouse/gatehouse"
)

// readers are the reader connections View runs on. Each is a *sql.Conn the
// store holds for its whole life, with its own prepared statements,
// BEGIN and COMMIT among them; a View takes one, runs fn between BEGIN and
// COMMIT, and hands it back.
//
// Why not db.BeginTx, as Update does: a database/sql transaction starts a
// goroutine that waits for its context, and hands the driver a cancellable
// context, for which modernc.org/sqlite starts one more goroutine per
// statement (BEGIN, each query, COMMIT) and database/sql one per result
// set. A get-user-logins request paid five goroutines, two transaction
// set-ups and BEGIN and COMMIT parsed anew: together more than the query
// itself (pprof of `serve` under wrk). Here the statements run under the
// View's context without its cancellation (context.WithoutCancel): no
// goroutine at all. Each statement first checks the caller's context, so a
// cancelled or expired request runs no further query (the check hands that
// statement the caller's own context, which fails it at once); a statement
// already running is not interrupted, which costs nothing here: every read
// of the stores is an indexed lookup or a bounded list.
//
// The snapshot is the one a SQLite read transaction gives: BEGIN (deferred)
// takes it at the first read, COMMIT ends it, exactly as before.
type readers struct {
	db   *sql.DB
	free chan *readConn // a slot per connection; nil: not opened yet
	mu   sync.Mutex     // guards closed against put
	// closed is set by close; a View that gets a slot after it fails.
	closed bool
}

// readConn is one held reader connection and its prepared statements: the
// driver's, which its queries run through (rawread.go), and database/sql's
// for the rest. Only the View holding it touches it, so its maps need no
// lock.
type readConn struct {
	c             *sql.Conn
	begin, commit *sql.Stmt
	stmts         map[string]*sql.Stmt
	raw           map[string]driver.Stmt
}

func newReaders(db *sql.DB, n int) *readers {
	r := &readers{db: db, free: make(chan *readConn, n)}
	for range n {
		r.free <- nil
	}
	return r
}

// errReadersClosed is what a View after close gets (as EUNAVAILABLE, see
// Store.mapErr).
var errReadersClosed = errors.New("sqlite: the store is closed")

// get takes a connection, opening the slot's when it has none yet.
func (r *readers) get(ctx context.Context) (*readConn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rc *readConn
	select {
	case rc = <-r.free:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		r.free <- rc
		return nil, errReadersClosed
	}
	if rc != nil {
		return rc, nil
	}
	rc, err := r.open(ctx)
	if err != nil {
		r.free <- nil
		return nil, err
	}
	return rc, nil
}

func (r *readers) open(ctx context.Context) (*readConn, error) {
	c, err := r.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	dctx := context.WithoutCancel(ctx)
	rc := &readConn{c: c, stmts: make(map[string]*sql.Stmt)}
	if rc.begin, err = c.PrepareContext(dctx, "BEGIN"); err == nil {
		rc.commit, err = c.PrepareContext(dctx, "COMMIT")
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return rc, nil
}

// put hands rc back, or a fresh slot when rc was dropped (nil).
func (r *readers) put(rc *readConn) { r.free <- rc }

// drop discards rc's connection, so database/sql opens a new one rather
// than reuse one left in an unknown state (a failed COMMIT or ROLLBACK).
func (rc *readConn) drop() { rc.close(driver.ErrBadConn) }

// close closes rc's driver statements (before the connection: SQLite keeps
// a connection open until its statements are finalized), then the
// connection. bad, when driver.ErrBadConn, has database/sql discard the
// connection rather than take it back into its pool.
func (rc *readConn) close(bad error) {
	_ = rc.c.Raw(func(any) error {
		rc.closeRaw()
		return bad
	})
	_ = rc.c.Close()
}

// stmt is rc's prepared statement of q, prepared on first use; nil when q
// does not prepare (the call then runs it unprepared and fails as it would).
func (rc *readConn) stmt(ctx context.Context, q string) *sql.Stmt {
	if st, ok := rc.stmts[q]; ok {
		return st
	}
	st, err := rc.c.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	rc.stmts[q] = st
	return st
}

// close waits for every connection to come back (a View holding one ends
// soon: its statements are bounded) and closes them.
func (r *readers) close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	r.mu.Unlock()
	n := cap(r.free)
	held := make([]*readConn, 0, n)
	for range n {
		held = append(held, <-r.free)
	}
	for _, rc := range held {
		if rc != nil {
			rc.close(nil)
		}
	}
	for range n {
		r.free <- nil // a View after close gets a slot, sees closed and fails
	}
}

// view runs fn in a read transaction on a held connection.
func (s *Store) view(ctx context.Context, fn func(gatehouse.Tx) error) (err error) {
	rc, err := s.readers.get(ctx)
	if err != nil {
		return s.mapErr(err)
	}
	dctx := context.WithoutCancel(ctx)
	if _, err := rc.begin.ExecContext(dctx); err != nil {
		rc.drop()
		s.readers.put(nil)
		return s.mapErr(err)
	}
	done := false
	// Deferred so that a panic in fn still ends the transaction and hands
	// the connection back.
	defer func() {
		if done {
			return
		}
		if _, rerr := rc.c.ExecContext(dctx, "ROLLBACK"); rerr != nil {
			rc.drop()
			s.readers.put(nil)
			return
		}
		s.readers.put(rc)
	}()
	if err := fn(&txn{tx: &sqlTx{rc: rc, dctx: dctx}}); err != nil {
		return err
	}
	done = true
	if _, err := rc.commit.ExecContext(dctx); err != nil {
		rc.drop()
		s.readers.put(nil)
		return s.mapErr(err)
	}
	s.readers.put(rc)
	return nil
}
