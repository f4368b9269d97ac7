package sqlite

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// TestStatementCache: on the writer a query runs unprepared on its first
// call, is prepared off the caller's path (the caller holds the one
// connection), and then answers the same through the cached statement; a
// query that does not prepare is not retried on every call. The readers
// prepare on their held connections and answer the same.
func TestStatementCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t, Options{})
	u := createUser(t, s, "a@example.com")
	const q = `SELECT email FROM users WHERE id = ?`
	read := func(run func(context.Context, func(gatehouse.Tx) error) error, what string) string {
		t.Helper()
		var email string
		err := run(ctx, func(tx gatehouse.Tx) error {
			return tx.(*txn).tx.QueryRowContext(ctx, q, u.ID).Scan(&email)
		})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return email
	}
	if got := read(s.Update, "writer, unprepared"); got != u.Email {
		t.Fatalf("writer, unprepared: %q, want %q", got, u.Email)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if v, _ := s.wStmts.m.Load(q); v != nil {
			if _, ok := v.(*sql.Stmt); ok {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("writer: the query was never prepared")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for range 3 {
		if got := read(s.Update, "writer, prepared"); got != u.Email {
			t.Fatalf("writer, prepared: %q, want %q", got, u.Email)
		}
	}

	// The readers prepare on the connection a View holds, at its first use
	// there, and keep it as the driver's statement (rawread.go): every held
	// connection ends with q prepared once.
	for range 3 * cap(s.readers.free) {
		if got := read(s.View, "readers"); got != u.Email {
			t.Fatalf("readers: %q, want %q", got, u.Email)
		}
	}
	var held []*readConn
	for range cap(s.readers.free) {
		held = append(held, <-s.readers.free)
	}
	prepared := 0
	for _, rc := range held {
		if rc != nil && rc.raw[q] != nil {
			prepared++
		}
		s.readers.put(rc)
	}
	if prepared == 0 {
		t.Fatal("readers: no held connection kept q prepared")
	}

	// A query that cannot be prepared fails as it would unprepared, and
	// on the writer its preparation waits prepareRetry before it is tried
	// again; a reader connection does not keep it.
	const bad = `SELECT nope FROM nowhere`
	for _, run := range []func(context.Context, func(gatehouse.Tx) error) error{s.View, s.Update} {
		for range 3 {
			err := run(ctx, func(tx gatehouse.Tx) error {
				_, err := tx.(*txn).tx.ExecContext(ctx, bad)
				return err
			})
			if err == nil {
				t.Fatal("a query of a table that does not exist ran")
			}
			var n int
			err = run(ctx, func(tx gatehouse.Tx) error {
				return tx.(*txn).tx.QueryRowContext(ctx, bad).Scan(&n)
			})
			if err == nil {
				t.Fatal("a query of a table that does not exist read a row")
			}
		}
	}
	held = held[:0]
	for range cap(s.readers.free) {
		held = append(held, <-s.readers.free)
	}
	for _, rc := range held {
		if rc != nil && (rc.raw[bad] != nil || rc.stmts[bad] != nil) {
			t.Error("a reader connection kept a statement that did not prepare")
		}
		s.readers.put(rc)
	}
	time.Sleep(100 * time.Millisecond) // the failed preparation has run
	if v, _ := s.wStmts.m.Load(bad); v != (preparing{}) {
		t.Fatalf("after a failed preparation the cache holds %#v, want the marker that holds retries off", v)
	}
}
