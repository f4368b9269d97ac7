package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/jackc/pgx/v5"
)

// TestBusyWrite holds a row lock from another connection: a write to that
// row waits the lock timeout and then answers EUNAVAILABLE, while reads go
// on; once the lock is gone, writes resume. It has a database of its own:
// the writer lock is per database, and other tests' writes in the shared
// one would eat into the short lock timeout.
func TestBusyWrite(t *testing.T) {
	t.Parallel()
	dsn := newDatabase(t)
	const busy = 300 * time.Millisecond
	s := openStore(t, dsn, postgres.Options{MaxConns: 4, LockTimeout: busy})
	ctx := t.Context()
	u := createUser(t, s, "a@example.com")

	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	other, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(context.Background())
	if _, err := other.Exec(ctx, `SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, u.ID); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = s.Update(ctx, func(tx gatehouse.Tx) error {
		_, err := tx.Users().UpdateUser(ctx, u.ID, gatehouse.UserUpdate{Admin: new(true), UpdatedAt: t0})
		return err
	})
	elapsed := time.Since(start)
	wantUnavailable(t, "Update of a locked row", err)
	if elapsed < busy*3/4 || elapsed > busy+5*time.Second {
		t.Errorf("Update of a locked row failed after %v, want about %v", elapsed, busy)
	}
	if err := s.View(ctx, func(tx gatehouse.Tx) error {
		_, err := tx.Users().FindUserByID(ctx, u.ID)
		return err
	}); err != nil {
		t.Errorf("View while a row is locked: %v", err)
	}
	if err := other.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx gatehouse.Tx) error {
		_, err := tx.Users().UpdateUser(ctx, u.ID, gatehouse.UserUpdate{Admin: new(true), UpdatedAt: t0})
		return err
	}); err != nil {
		t.Errorf("Update after the lock is gone: %v", err)
	}
}

// TestCheckThenWriteAcrossNodes is why Update takes one writer at a time:
// two nodes (two stores on one database) each count a user's keys, pause,
// and add one if under a limit of one, as core's CreateKey does. Under
// plain READ COMMITTED both would see no key and both would add one; here
// the second runs after the first has committed, sees its key and stops.
func TestCheckThenWriteAcrossNodes(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t)
	nodes := []*postgres.Store{openStore(t, dsn, postgres.Options{MaxConns: 2}), openStore(t, dsn, postgres.Options{MaxConns: 2})}
	ctx := t.Context()
	u := createUser(t, nodes[0], "a@example.com")
	errLimit := gatehouse.CodeErr(gatehouse.ECONFLICT)
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, s := range nodes {
		wg.Go(func() {
			errs[i] = s.Update(ctx, func(tx gatehouse.Tx) error {
				n, err := tx.Keys().CountKeysByUser(ctx, u.ID)
				if err != nil {
					return err
				}
				time.Sleep(100 * time.Millisecond)
				if n >= 1 {
					return errLimit
				}
				k := &gatehouse.APIKey{UserID: u.ID, Name: fmt.Sprint("k", i), Hint: "h", CreatedAt: t0}
				k.Hash[0] = byte(i + 1)
				return tx.Keys().CreateKey(ctx, k)
			})
		})
	}
	wg.Wait()
	var n int
	if err := nodes[0].View(ctx, func(tx gatehouse.Tx) error {
		var err error
		n, err = tx.Keys().CountKeysByUser(ctx, u.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d keys after two nodes raced check-then-insert (errors %v, %v), want 1", n, errs[0], errs[1])
	}
	if !(errs[0] == nil && errs[1] == errLimit || errs[0] == errLimit && errs[1] == nil) {
		t.Errorf("Update errors = %v, %v; want one nil and one the limit error", errs[0], errs[1])
	}
}

// TestFnErrorIsReturned: an error from fn comes back as it was (errors.Is
// works) and does not poison the connection for the next transaction, also
// when it left the PostgreSQL transaction aborted.
func TestFnErrorIsReturned(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t)
	s := openStore(t, dsn, postgres.Options{MaxConns: 1})
	ctx := t.Context()
	createUser(t, s, "a@example.com")
	errMine := errors.New("mine")
	err := s.Update(ctx, func(tx gatehouse.Tx) error {
		err := tx.Users().CreateUser(ctx, newUser("A@example.com"))
		if gatehouse.ErrorCode(err) != gatehouse.ECONFLICT {
			t.Errorf("CreateUser(taken): %v, want ECONFLICT", err)
		}
		return fmt.Errorf("wrapped: %w", errMine)
	})
	if !errors.Is(err, errMine) {
		t.Errorf("Update = %v, want fn's error", err)
	}
	// The conflict aborted the server-side transaction; if fn swallows it
	// and returns nil, Commit turns into a rollback and Update must not
	// report success.
	err = s.Update(ctx, func(tx gatehouse.Tx) error {
		_ = tx.Users().CreateUser(ctx, newUser("A@example.com"))
		return nil
	})
	if err == nil {
		t.Errorf("Update whose transaction the server aborted returned nil")
	}
	createUser(t, s, "b@example.com")
}
