package sqlite

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// TestGroupCommit: Updates queued behind a running one share a transaction
// (one COMMIT), and each still gets its own outcome: the ones whose fn
// succeeds are committed, and visible, when their Update returns; a fn that
// fails, or panics, after writing has nothing of it committed and its
// caller gets its error, or its panic; a caller whose context ended while
// it waited gets that error and runs nothing.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	ctx := context.Background()
	exists := func(email string) bool {
		err := s.Read(ctx, func(tx gatehouse.Tx) error {
			_, err := tx.Users().FindUserByEmail(ctx, email)
			return err
		})
		if err != nil && gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
			t.Errorf("%s: %v", email, err)
		}
		return err == nil
	}

	// The first Update holds the writer until the others have queued.
	release := holdWriter(t, s)

	const good = 6
	errRefused := errors.New("refused by its fn")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	type outcome struct {
		name     string
		err      error
		panicked any
		visible  bool // the user was readable as soon as Update returned
	}
	outcomes := make(chan outcome, good+3)
	var wg sync.WaitGroup
	start := func(name string, uctx context.Context, fn func(tx gatehouse.Tx) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := outcome{name: name}
			defer func() {
				o.panicked = recover()
				if o.err == nil && o.panicked == nil {
					o.visible = exists(name)
				}
				outcomes <- o
			}()
			o.err = s.Update(uctx, fn)
		}()
	}
	for i := range good {
		name := fmt.Sprintf("good%d@example.com", i)
		start(name, ctx, func(tx gatehouse.Tx) error { return tx.Users().CreateUser(ctx, newUser(name)) })
	}
	start("refused@example.com", ctx, func(tx gatehouse.Tx) error {
		if err := tx.Users().CreateUser(ctx, newUser("refused@example.com")); err != nil {
			return err
		}
		return errRefused
	})
	start("panics@example.com", ctx, func(tx gatehouse.Tx) error {
		if err := tx.Users().CreateUser(ctx, newUser("panics@example.com")); err != nil {
			return err
		}
		panic("fn panicked")
	})
	ran := false
	start("cancelled@example.com", cancelled, func(tx gatehouse.Tx) error {
		ran = true
		return tx.Users().CreateUser(ctx, newUser("cancelled@example.com"))
	})

	// Every one queues behind the holder (whose batch has left the queue).
	waitQueued(t, s, good+3)
	if err := release(); err != nil {
		t.Fatalf("holder: %v", err)
	}
	wg.Wait()
	close(outcomes)

	for o := range outcomes {
		switch o.name {
		case "refused@example.com":
			if !errors.Is(o.err, errRefused) || o.panicked != nil {
				t.Errorf("%s: err %v, panic %v; want its fn's error", o.name, o.err, o.panicked)
			}
		case "panics@example.com":
			if o.panicked != "fn panicked" {
				t.Errorf("%s: err %v, panic %v; want its fn's panic", o.name, o.err, o.panicked)
			}
		case "cancelled@example.com":
			if !errors.Is(o.err, context.Canceled) || o.panicked != nil {
				t.Errorf("%s: err %v, panic %v; want context.Canceled", o.name, o.err, o.panicked)
			}
		default:
			if o.err != nil || o.panicked != nil || !o.visible {
				t.Errorf("%s: err %v, panic %v, visible on return %v", o.name, o.err, o.panicked, o.visible)
			}
		}
	}
	for _, email := range []string{"refused@example.com", "panics@example.com", "cancelled@example.com"} {
		if exists(email) {
			t.Errorf("%s: committed, though its Update failed", email)
		}
	}
	if ran {
		t.Error("the cancelled caller's fn ran")
	}
	for i := range good {
		if email := fmt.Sprintf("good%d@example.com", i); !exists(email) {
			t.Errorf("%s: not committed", email)
		}
	}
	if !exists("holder@example.com") {
		t.Error("holder: not committed")
	}
	if n := s.batches.Load(); n != 1 {
		t.Errorf("%d shared transactions, want 1: the queued Updates were not committed together", n)
	}
}

// TestGroupCommitBatchFailure: when the shared transaction itself fails
// (here: the database is closed under a queued batch, so its BEGIN fails),
// every Update of the batch fails, and none is committed.
func TestGroupCommitBatchFailure(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	ctx := context.Background()
	release := holdWriter(t, s)
	errs := make(chan error, 3)
	for range 3 {
		go func() { errs <- s.Update(ctx, func(tx gatehouse.Tx) error { return nil }) }()
	}
	waitQueued(t, s, 3)
	// Close waits for nothing of the writer's; the holder's COMMIT and the
	// batch's BEGIN then find the pool closed.
	s.Close()
	release()
	for range 3 {
		if err := <-errs; gatehouse.ErrorCode(err) != gatehouse.EUNAVAILABLE {
			t.Errorf("a batched Update on a closed store: %v, want EUNAVAILABLE", err)
		}
	}
}

// TestGroupCommitGoexit: a fn that ends its goroutine (runtime.Goexit, as
// t.FailNow does) while it leads a batch leaves no caller of that batch
// waiting, and none told it committed.
func TestGroupCommitGoexit(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	ctx := context.Background()
	release := holdWriter(t, s)
	go s.Update(ctx, func(tx gatehouse.Tx) error { runtime.Goexit(); return nil })
	waitQueued(t, s, 1)
	other := make(chan error, 1)
	u := newUser("other@example.com")
	go func() { other <- s.Update(ctx, func(tx gatehouse.Tx) error { return tx.Users().CreateUser(ctx, u) }) }()
	waitQueued(t, s, 2)
	if err := release(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-other:
		if gatehouse.ErrorCode(err) != gatehouse.EUNAVAILABLE {
			t.Errorf("the batch's other Update: %v, want EUNAVAILABLE", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the batch's other Update still waits")
	}
	err := s.Read(ctx, func(tx gatehouse.Tx) error { _, err := tx.Users().FindUserByEmail(ctx, u.Email); return err })
	if gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
		t.Errorf("the batch's other Update committed: %v", err)
	}
	// The writer serves on.
	createUser(t, s, "after@example.com")
}

// holdWriter starts an Update that holds the writer (leads its own batch)
// until release is called; release returns that Update's error.
func holdWriter(t *testing.T, s *Store) (release func() error) {
	t.Helper()
	ctx := context.Background()
	let, holding, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.Update(ctx, func(tx gatehouse.Tx) error {
			close(holding)
			<-let
			return tx.Users().CreateUser(ctx, newUser("holder@example.com"))
		})
	}()
	<-holding
	var once sync.Once
	release = func() error {
		once.Do(func() { close(let) })
		return <-done
	}
	t.Cleanup(func() { once.Do(func() { close(let) }) })
	return release
}

// waitQueued waits until n Updates wait behind the one that holds the
// writer.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		s.commit.mu.Lock()
		got := len(s.commit.queue)
		s.commit.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d Updates queued, want %d", got, n)
		}
	}
}

func newUser(email string) *gatehouse.User {
	return &gatehouse.User{Email: email, PasswordHash: "x", Status: gatehouse.UserActive, CreatedAt: time.Now(), UpdatedAt: time.Now()}
}

// TestGroupCommitLostTransaction: when the shared transaction ends under a
// fn (as SQLite's own rollback on a full disk or an I/O error ends it;
// here the fn ends it), every Update of the batch fails with EUNAVAILABLE,
// a retryable 503, never an internal error; nothing of the batch is
// committed; and no later fn runs outside a transaction.
func TestGroupCommitLostTransaction(t *testing.T) {
	t.Parallel()
	for _, fnErr := range []bool{true, false} {
		t.Run(fmt.Sprintf("fn error %v", fnErr), func(t *testing.T) {
			t.Parallel()
			s := openTemp(t, Options{})
			ctx := context.Background()
			release := holdWriter(t, s)
			results := make(chan error, 3)
			update := func(email string, end bool) {
				results <- s.Update(ctx, func(tx gatehouse.Tx) error {
					if err := tx.Users().CreateUser(ctx, newUser(email)); err != nil {
						return err
					}
					if end {
						if _, err := tx.(*txn).tx.tx.ExecContext(ctx, "ROLLBACK"); err != nil {
							return err
						}
						if fnErr {
							return gatehouse.CodeErr(gatehouse.EUNAVAILABLE)
						}
					}
					return nil
				})
			}
			go update("before@example.com", false)
			waitQueued(t, s, 1)
			go update("ends@example.com", true)
			waitQueued(t, s, 2)
			go update("after@example.com", false)
			waitQueued(t, s, 3)
			if err := release(); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if err := <-results; gatehouse.ErrorCode(err) != gatehouse.EUNAVAILABLE {
					t.Errorf("an Update of the lost batch: %v, want EUNAVAILABLE", err)
				}
			}
			for _, email := range []string{"before@example.com", "ends@example.com", "after@example.com"} {
				err := s.Read(ctx, func(tx gatehouse.Tx) error { _, err := tx.Users().FindUserByEmail(ctx, email); return err })
				if gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
					t.Errorf("%s: committed from a lost batch (%v)", email, err)
				}
			}
			createUser(t, s, "next@example.com") // the writer serves on
		})
	}
}
