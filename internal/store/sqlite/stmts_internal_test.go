package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// TestStatementCache: a query runs unprepared on its first call, is
// prepared off the caller's path, and then answers the same through the
// cached statement, on the writer (whose one connection the caller holds)
// as on the readers; a query that does not prepare is not retried on
// every call.
func TestStatementCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "g.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u := &gatehouse.User{Email: "a@example.com", PasswordHash: "x", Status: gatehouse.UserActive, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := s.Update(ctx, func(tx gatehouse.Tx) error { return tx.Users().CreateUser(ctx, u) }); err != nil {
		t.Fatal(err)
	}
	const q = `SELECT email FROM users WHERE id = ?`
	for _, pool := range []struct {
		name string
		c    *stmtCache
		run  func(context.Context, func(gatehouse.Tx) error) error
	}{{"writer", &s.wStmts, s.Update}, {"readers", &s.rStmts, s.View}} {
		read := func() string {
			t.Helper()
			var email string
			err := pool.run(ctx, func(tx gatehouse.Tx) error {
				return tx.(*txn).tx.QueryRowContext(ctx, q, u.ID).Scan(&email)
			})
			if err != nil {
				t.Fatalf("%s: %v", pool.name, err)
			}
			return email
		}
		if got := read(); got != u.Email {
			t.Fatalf("%s, unprepared: %q, want %q", pool.name, got, u.Email)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if v, _ := pool.c.m.Load(q); v != nil {
				if _, ok := v.(*sql.Stmt); ok {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the query was never prepared", pool.name)
			}
			time.Sleep(5 * time.Millisecond)
		}
		for range 3 {
			if got := read(); got != u.Email {
				t.Fatalf("%s, prepared: %q, want %q", pool.name, got, u.Email)
			}
		}
	}

	// A query that cannot be prepared fails as it would unprepared, and
	// its preparation waits prepareRetry before it is tried again.
	const bad = `SELECT nope FROM nowhere`
	for range 3 {
		err := s.View(ctx, func(tx gatehouse.Tx) error {
			_, err := tx.(*txn).tx.ExecContext(ctx, bad)
			return err
		})
		if err == nil {
			t.Fatal("a query of a table that does not exist ran")
		}
	}
	time.Sleep(100 * time.Millisecond) // the failed preparation has run
	if v, _ := s.rStmts.m.Load(bad); v != (preparing{}) {
		t.Fatalf("after a failed preparation the cache holds %#v, want the marker that holds retries off", v)
	}
}
