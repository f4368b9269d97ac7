package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Round trips (a design choice that shapes the Tx contract, so written
// down here). On one connection a transaction's cost is mostly its round
// trips: each is a write and a read on both sides, and on a busy node the
// syscalls were 40 % of its CPU. So an Update or a View does not send
// BEGIN on its own, and does not wait for the rows it only appends:
//
//   - BEGIN goes out in one batch with the transaction's first statement.
//     When that batch finds the pooled connection dead (after a server
//     restart, every pooled connection is), nothing of the transaction is
//     on the server, so the batch goes again on the next connection (until
//     2026-12 a separate BEGIN was retried so): fn runs once and never sees
//     the dead connection.
//   - An appended row nothing in the transaction reads back (a token, a
//     login, a login attempt, an audit event: see appendRow) is queued and
//     goes out in one batch with the next statement, or with COMMIT. Its
//     error, a conflict say, comes back from that statement or from
//     Update itself, and its RETURNING id is set by the time Update
//     returns (gatehouse.Tx says so).
//   - A batch holding COMMIT is never sent twice: it may have committed on
//     a connection that died before answering. So a transaction whose
//     every statement was queued sends BEGIN and the queue first, then
//     COMMIT.
//
// A statement runs on the server in the order it was queued, after every
// statement before it has finished, so READ COMMITTED's snapshot per
// statement and the row locks behave exactly as with one round trip each:
// a read after a LockUser still sees what the lock waited for.
//
// A successful token exchange went from 8 round trips (BEGIN, the key and
// its account, the lock, the key again, three inserts, COMMIT) to 4, and
// with KeyStore.LockKeyAndOwner (one locking read for the three) to 2.
type pipeTx struct {
	s     *Store
	begin string        // the BEGIN statement, with the isolation and access mode
	conn  *pgxpool.Conn // nil only between a broken connection and the next
	began bool          // BEGIN has succeeded on conn: the server holds a transaction
	queue []queued
}

// queued is an appended row waiting for the next batch; scan, when set,
// takes its RETURNING columns.
type queued struct {
	sql  string
	args []any
	scan []any
}

func beginSQL(opts pgx.TxOptions) string {
	sql := "BEGIN ISOLATION LEVEL " + string(opts.IsoLevel)
	if opts.AccessMode != "" {
		sql += " " + string(opts.AccessMode)
	}
	return sql
}

// appender is implemented by an Update's or a View's transaction (not by
// Read's pool): it takes rows to append with the next batch.
type appender interface {
	later(sql string, scan []any, args ...any)
}

// appendRow appends one row whose result nothing in the transaction reads
// back: queued on a transaction (see pipeTx), run at once elsewhere.
// scan takes the RETURNING columns, if any.
func appendRow(ctx context.Context, q querier, scan []any, sql string, args ...any) error {
	if a, ok := q.(appender); ok {
		a.later(sql, scan, args...)
		return nil
	}
	if scan == nil {
		_, err := q.Exec(ctx, sql, args...)
		return mapErr(err)
	}
	return mapErr(q.QueryRow(ctx, sql, args...).Scan(scan...))
}

func (t *pipeTx) later(sql string, scan []any, args ...any) {
	t.queue = append(t.queue, queued{sql: sql, args: args, scan: scan})
}

// direct reports whether a statement can go alone: BEGIN is done and
// nothing waits in the queue.
func (t *pipeTx) direct() bool { return t.began && len(t.queue) == 0 }

// send sends, in one batch, BEGIN if it has not gone yet, the queue, and
// then last (if not empty), and reads the results up to last's, which it
// leaves to the caller in the returned BatchResults. On an error before
// last the results are closed and the error returned.
func (t *pipeTx) send(ctx context.Context, last string, args ...any) (pgx.BatchResults, error) {
	fresh := !t.began // nothing of this transaction is on the server yet
	for attempt := 1; ; attempt++ {
		if t.conn == nil {
			c, err := t.s.pool.Acquire(ctx)
			if err != nil {
				return nil, err
			}
			t.conn = c
		}
		var b pgx.Batch
		if !t.began {
			b.Queue(t.begin)
		}
		for _, q := range t.queue {
			b.Queue(q.sql, q.args...)
		}
		if last != "" {
			b.Queue(last, args...)
		}
		br := t.conn.SendBatch(ctx, &b)
		err := t.readQueued(br)
		if err == nil {
			t.queue = t.queue[:0]
			return br, nil
		}
		br.Close()
		// Resend only a batch that carried BEGIN, on a connection that
		// broke: the server ended that transaction with the connection.
		// last is never COMMIT here (see commit).
		if fresh && attempt < t.s.attempts && ctx.Err() == nil && brokenConn(err) {
			t.conn.Release() // a broken connection is destroyed, not pooled
			t.conn, t.began = nil, false
			continue
		}
		t.queue = t.queue[:0]
		return nil, err
	}
}

// readQueued reads BEGIN's result (if it was sent) and the queue's.
func (t *pipeTx) readQueued(br pgx.BatchResults) error {
	if !t.began {
		if _, err := br.Exec(); err != nil {
			return err
		}
		t.began = true
	}
	for _, q := range t.queue {
		var err error
		if q.scan != nil {
			err = br.QueryRow().Scan(q.scan...)
		} else {
			_, err = br.Exec()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *pipeTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if t.direct() {
		return t.conn.Exec(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args...)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	return execLast(br)
}

func (t *pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if t.direct() {
		return t.conn.Query(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (t *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := t.Query(ctx, sql, args...)
	return &firstRow{rows: rows, err: err}
}

// SendBatch runs b after the pending batch (BEGIN, the queue) has gone.
func (t *pipeTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if !t.direct() {
		if err := t.flush(ctx); err != nil {
			return errBatch{err}
		}
	}
	return t.conn.SendBatch(ctx, b)
}

// flush sends what is pending (BEGIN, the queue) with nothing after it.
func (t *pipeTx) flush(ctx context.Context) error {
	br, err := t.send(ctx, "")
	if err != nil {
		return err
	}
	return br.Close()
}

// execLast reads the batch's last result, an Exec's, and its end.
func execLast(br pgx.BatchResults) (pgconn.CommandTag, error) {
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// commit commits what fn did: nothing at all when fn ran no statement.
func (t *pipeTx) commit(ctx context.Context) error {
	if !t.began && len(t.queue) == 0 {
		return nil
	}
	if !t.began {
		// BEGIN and the queue first, in a batch that may be resent; then
		// COMMIT alone, in one that never is.
		if err := t.flush(ctx); err != nil {
			return err
		}
	}
	br, err := t.send(ctx, "COMMIT")
	if err != nil {
		return err
	}
	tag, err := execLast(br)
	if err == nil && tag.String() == "ROLLBACK" {
		// COMMIT of a transaction a failed statement had aborted.
		err = pgx.ErrTxCommitRollback
	}
	return err
}

// close ends the transaction if it is still open (a no-op after commit)
// and hands the connection back. ROLLBACK runs even when ctx is done, for
// a second at most, so the connection can be pooled again; a connection
// still inside a transaction is destroyed, not pooled (pgxpool.Conn.Release).
func (t *pipeTx) close(ctx context.Context) {
	if t.conn == nil {
		return
	}
	if pc := t.conn.Conn().PgConn(); !pc.IsClosed() && pc.TxStatus() != 'I' {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		t.conn.Exec(rctx, "ROLLBACK")
		cancel()
	}
	t.conn.Release()
	t.conn = nil
}

// batchRows is the rows of a batch's last statement: closing them (or
// reading past the last) also reads the batch's end.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if r.br != nil {
		if err := r.br.Close(); err != nil && r.err == nil {
			r.err = err
		}
		r.br = nil
	}
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// firstRow is QueryRow's answer, as pgx's own: the first row of Query,
// ErrNoRows for none.
type firstRow struct {
	rows pgx.Rows
	err  error
}

func (r *firstRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// errBatch is a batch that failed before it was sent.
type errBatch struct{ err error }

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errBatch) QueryRow() pgx.Row                { return &firstRow{err: b.err} }
func (b errBatch) Close() error                     { return b.err }
func (b errBatch) Tx() pgx.Tx                       { return nil }
