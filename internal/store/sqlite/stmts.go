package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

// stmtCache keeps one prepared statement per query text for the writer pool, so
// that a query is parsed once per connection, not once per call: parsing
// was a third of a get-user-logins request's CPU (SQLite's parser, by a
// pprof of `serve` under wrk). Every query is a constant of this package,
// so the cache holds a few dozen statements.
//
// A statement is prepared off the request path: the first call of a query
// runs it unprepared and starts a goroutine that prepares it on the pool
// (db.PrepareContext needs a free connection, and the writer pool's one
// connection is the caller's own while its transaction runs: preparing
// there would wait for itself). Later calls run it through
// Tx.StmtContext, which reuses the statement prepared on the transaction's
// connection (database/sql prepares it there on first use).
type stmtCache struct {
	db *sql.DB
	m  sync.Map // query → *sql.Stmt, or preparing while it is prepared
}

type preparing struct{}

// prepareRetry is how long a query whose preparation failed runs
// unprepared before it is prepared again.
const prepareRetry = time.Second

func (c *stmtCache) stmt(q string) *sql.Stmt {
	v, ok := c.m.Load(q)
	if ok {
		st, _ := v.(*sql.Stmt)
		return st
	}
	if _, busy := c.m.LoadOrStore(q, preparing{}); !busy {
		go c.prepare(q)
	}
	return nil
}

func (c *stmtCache) prepare(q string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		// Calls run q unprepared meanwhile; try again in a second, not
		// on every call (a closed store's calls fail anyway).
		time.AfterFunc(prepareRetry, func() { c.m.CompareAndDelete(q, preparing{}) })
		return
	}
	c.m.Store(q, st)
}

// sqlTx is a transaction that runs its queries through prepared
// statements; it has the *sql.Tx methods the stores use. An Update's runs
// on the writer's *sql.Tx through the pool's statement cache; a View's on
// a held reader connection. A View's statements, and an Update's in a
// transaction shared with others (groupcommit.go), run under dctx: the
// caller's context without its cancellation (see readers).
type sqlTx struct {
	tx    *sql.Tx
	stmts *stmtCache

	rc   *readConn
	dctx context.Context // nil: statements run under the context they are given
}

// readCtx is the context a statement runs under when dctx is set: dctx,
// unless ctx is already done, when ctx itself fails the statement at once.
func (t *sqlTx) readCtx(ctx context.Context) context.Context {
	if ctx.Err() != nil {
		return ctx
	}
	return t.dctx
}

// QueryContext runs q: on a reader connection through the driver itself,
// its rows read whole (rawread.go), else through database/sql. Either
// result has the methods of *sql.Rows the stores use.
func (t *sqlTx) QueryContext(ctx context.Context, q string, args ...any) (resultRows, error) {
	if t.rc != nil {
		r := t.rc.query(t.readCtx(ctx), q, args, false)
		if r.err != nil {
			return nil, r.err
		}
		return r, nil
	}
	if t.dctx != nil {
		ctx = t.readCtx(ctx)
	}
	if st := t.stmts.stmt(q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

// QueryRowContext is QueryContext's first row, with the errors of
// (*sql.Row).Scan.
func (t *sqlTx) QueryRowContext(ctx context.Context, q string, args ...any) sqlrows.Row {
	if t.rc != nil {
		return rawRow{t.rc.query(t.readCtx(ctx), q, args, true)}
	}
	if t.dctx != nil {
		ctx = t.readCtx(ctx)
	}
	if st := t.stmts.stmt(q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

// resultRows is a result set: a *sql.Rows, or a reader connection's
// *rawRows.
type resultRows interface {
	sqlrows.Rows
	Close() error
}

func (t *sqlTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if t.rc != nil {
		ctx = t.readCtx(ctx)
		if st := t.rc.stmt(t.dctx, q); st != nil {
			return st.ExecContext(ctx, args...)
		}
		return t.rc.c.ExecContext(ctx, q, args...)
	}
	if t.dctx != nil {
		ctx = t.readCtx(ctx)
	}
	if st := t.stmts.stmt(q); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}
