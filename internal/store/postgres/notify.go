package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// The revocation fast path. A revocation is appended with pg_notify in its
// own transaction, so PostgreSQL delivers the notice to every listener
// when, and only when, the revocation commits. Each node's feed holds one
// connection of its own (not one of the pool's) that LISTENs, and polls the
// log as soon as a notice arrives instead of at its next tick. The notice
// carries nothing: the log stays the one source of what was revoked, in
// order, and the poll every feedInterval stays the fallback (a notice lost
// with a dropped connection, a database that cannot notify) and the
// catch-up after a reconnect, when a wake is sent too.

// revocationChannel is the NOTIFY channel of the revocation log.
const revocationChannel = "gatehouse_revocations"

// RevocationNotices returns a channel that receives a value (coalesced:
// at most one waits) after a revocation commits on any node, and after the
// listening connection (re)connects, until ctx ends. It never blocks the
// caller and never fails: while the database cannot be reached it retries
// with back-off, and the feed polls as it would without notices.
func (s *Store) RevocationNotices(ctx context.Context) <-chan struct{} {
	wake := make(chan struct{}, 1)
	go s.listen(ctx, wake)
	return wake
}

func (s *Store) listen(ctx context.Context, wake chan<- struct{}) {
	notify := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+revocationChannel)
		}
		if err == nil {
			backoff = 100 * time.Millisecond
			notify() // catch up on what was committed while not listening
			for err == nil {
				_, err = conn.WaitForNotification(ctx)
				if err == nil {
					notify()
				}
			}
		}
		if conn != nil {
			cctx, cancel := context.WithTimeout(context.Background(), time.Second)
			conn.Close(cctx)
			cancel()
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}
