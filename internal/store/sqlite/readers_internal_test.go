package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// TestViewContext: the readers run a View's statements without its
// cancellation, but a View whose context is done runs nothing (fn does not
// run), one cancelled while fn runs fails its next statement, and neither
// costs a connection: a panic in fn hands its connection back too.
func TestViewContext(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t, Options{Readers: 2})
	u := createUser(t, s, "a@example.com")
	find := func(ctx context.Context, tx gatehouse.Tx) error {
		_, err := tx.Users().FindUserByID(ctx, u.ID)
		return err
	}

	done, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	err := s.View(done, func(tx gatehouse.Tx) error { ran = true; return nil })
	if err == nil || ran {
		t.Fatalf("View on a done context: err %v, fn ran %v; want an error and fn not run", err, ran)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("View on a done context: %v, want context.Canceled under it", err)
	}

	for range 5 {
		live, cancel := context.WithCancel(ctx)
		var first, second error
		err := s.View(live, func(tx gatehouse.Tx) error {
			first = find(live, tx)
			cancel()
			second = find(live, tx)
			return second
		})
		if first != nil {
			t.Fatalf("statement before the cancel: %v", first)
		}
		if second == nil || err == nil {
			t.Fatalf("statement after the cancel: %v (View: %v), want an error", second, err)
		}
		if !errors.Is(second, context.Canceled) {
			t.Errorf("statement after the cancel: %v, want context.Canceled under it", second)
		}
	}

	for range 5 {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("the panic in fn did not go on up")
				}
			}()
			_ = s.View(ctx, func(tx gatehouse.Tx) error {
				if err := find(ctx, tx); err != nil {
					t.Fatal(err)
				}
				panic("boom")
			})
		}()
	}
	// Every connection is back, outside a transaction: Views on both at
	// once still work, and see a write committed since.
	u2 := createUser(t, s, "b@example.com")
	wait, cancelWait := context.WithTimeout(ctx, 5*time.Second)
	defer cancelWait()
	inner := make(chan error, 1)
	err = s.View(wait, func(tx gatehouse.Tx) error {
		go func() {
			inner <- s.View(wait, func(tx gatehouse.Tx) error {
				_, err := tx.Users().FindUserByID(wait, u2.ID)
				return err
			})
		}()
		if err := <-inner; err != nil {
			return err
		}
		_, err := tx.Users().FindUserByID(wait, u2.ID)
		return err
	})
	if err != nil {
		t.Fatalf("two Views at once after the panics: %v", err)
	}
}

// TestReadDropsDeadConnection: a reader connection that has gone bad
// (here closed under the store, as a driver's bad connection is) fails the
// Read that meets it, and is replaced: the next Reads work. Read has no
// BEGIN of its own whose failure would drop it, as View's does.
func TestReadDropsDeadConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t, Options{Readers: 1})
	u := createUser(t, s, "a@example.com")
	find := func(tx gatehouse.Tx) error {
		_, err := tx.Users().FindUserByID(ctx, u.ID)
		return err
	}
	if err := s.Read(ctx, find); err != nil {
		t.Fatal(err)
	}
	rc := <-s.readers.free
	if rc == nil {
		t.Fatal("the reader slot holds no connection after a Read")
	}
	rc.c.Close()
	s.readers.put(rc)
	if err := s.Read(ctx, find); err == nil {
		t.Fatal("Read on a closed connection succeeded")
	}
	for i := range 3 {
		if err := s.Read(ctx, find); err != nil {
			t.Fatalf("Read %d after the dead connection: %v, want a fresh connection", i, err)
		}
	}
}
