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
// on; once the lock is gone, writes resume. It has a database of its own,
// away from the other tests' load on the shared one.
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

// TestCheckThenWriteAcrossNodes is why core locks the account first: two
// nodes (two stores on one database) each lock a user, count its keys,
// pause, and add one if under a limit of one, as core's CreateKey does.
// Without the lock, under READ COMMITTED, both would see no key and both
// would add one; here the second waits for the first's commit, sees its
// key and stops.
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
				if _, err := tx.Users().LockUser(ctx, u.ID); err != nil {
					return err
				}
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

// TestAccountsWriteSideBySide: Updates of different accounts, on two nodes,
// each holding its account's lock, are in their transactions at the same
// time; no cluster-wide lock makes one wait for the other. A store that ran
// one Update at a time would leave each waiting at the meeting for the
// other until the deadline.
func TestAccountsWriteSideBySide(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t)
	nodes := []*postgres.Store{openStore(t, dsn, postgres.Options{MaxConns: 2}), openStore(t, dsn, postgres.Options{MaxConns: 2})}
	ctx := t.Context()
	users := []*gatehouse.User{createUser(t, nodes[0], "a@example.com"), createUser(t, nodes[1], "b@example.com")}
	var here sync.WaitGroup
	here.Add(len(nodes))
	all := make(chan struct{})
	go func() { here.Wait(); close(all) }()
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, s := range nodes {
		wg.Go(func() {
			errs[i] = s.Update(ctx, func(tx gatehouse.Tx) error {
				u, err := tx.Users().LockUser(ctx, users[i].ID)
				if err != nil {
					return err
				}
				k := &gatehouse.APIKey{UserID: u.ID, Name: "k", Hint: "h", CreatedAt: t0}
				k.Hash[0] = byte(i + 1)
				if err := tx.Keys().CreateKey(ctx, k); err != nil {
					return err
				}
				here.Done()
				select {
				case <-all:
					return nil
				case <-time.After(5 * time.Second):
					return errors.New("the other account's Update never got in while this one ran")
				}
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
	}
}

// TestLockUser: LockUser returns the account, ENOTFOUND for none, and holds
// the row: another node's LockUser of it waits for the commit and then sees
// what it wrote.
func TestLockUser(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t)
	a, b := openStore(t, dsn, postgres.Options{MaxConns: 2}), openStore(t, dsn, postgres.Options{MaxConns: 2})
	ctx := t.Context()
	u := createUser(t, a, "a@example.com")
	if err := a.Update(ctx, func(tx gatehouse.Tx) error {
		_, err := tx.Users().LockUser(ctx, u.ID+1000)
		return err
	}); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
		t.Errorf("LockUser(unknown) = %v, want ENOTFOUND", err)
	}
	// A row lock is a write: it fails outside an Update.
	for name, run := range map[string]func(context.Context, func(gatehouse.Tx) error) error{"View": a.View, "Read": a.Read} {
		if err := run(ctx, func(tx gatehouse.Tx) error { _, err := tx.Users().LockUser(ctx, u.ID); return err }); err == nil {
			t.Errorf("LockUser in %s succeeded, want an error", name)
		}
	}
	locked, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- a.Update(ctx, func(tx gatehouse.Tx) error {
			if _, err := tx.Users().LockUser(ctx, u.ID); err != nil {
				close(locked)
				return err
			}
			close(locked)
			<-release
			_, err := tx.Users().UpdateUser(ctx, u.ID, gatehouse.UserUpdate{Admin: new(true), UpdatedAt: t0})
			return err
		})
	}()
	<-locked
	got := make(chan *gatehouse.User, 1)
	go func() {
		var seen *gatehouse.User
		err := b.Update(ctx, func(tx gatehouse.Tx) error {
			var err error
			seen, err = tx.Users().LockUser(ctx, u.ID)
			return err
		})
		if err != nil {
			t.Errorf("second LockUser: %v", err)
		}
		got <- seen
	}()
	select {
	case <-got:
		t.Fatal("a second LockUser of a locked account did not wait")
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if seen := <-got; seen == nil || !seen.Admin {
		t.Errorf("LockUser after the holder committed = %+v, want its write (admin)", seen)
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

// TestLockKeyAndOwner: the exchange's one locking read. It fails outside
// an Update; a key delete under way (LockUser, then DeleteKey, as core
// deletes) makes it wait and then answer ENOTFOUND; a deactivation under
// way makes it wait and then see the new status; while it holds the rows,
// another node's LockUser waits and its DeleteKey cannot slip in, but a
// second LockKeyAndOwner of the same account runs beside it.
func TestLockKeyAndOwner(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t)
	a, b := openStore(t, dsn, postgres.Options{MaxConns: 4}), openStore(t, dsn, postgres.Options{MaxConns: 4})
	ctx := t.Context()
	u := createUser(t, a, "a@example.com")
	lockRead := func(s *postgres.Store, k *gatehouse.APIKey) (*gatehouse.User, error) {
		var owner *gatehouse.User
		err := s.Update(ctx, func(tx gatehouse.Tx) error {
			var err error
			_, owner, err = tx.Keys().LockKeyAndOwner(ctx, k.Hash)
			return err
		})
		return owner, err
	}
	// holding runs fn in an Update of s after step, holding it open until
	// release is closed.
	holding := func(s *postgres.Store, step func(gatehouse.Tx) error, release <-chan struct{}) (held <-chan struct{}, done <-chan error) {
		h, d := make(chan struct{}), make(chan error, 1)
		go func() {
			d <- s.Update(ctx, func(tx gatehouse.Tx) error {
				err := step(tx)
				close(h)
				if err != nil {
					return err
				}
				<-release
				return nil
			})
		}()
		return h, d
	}
	waits := func(what string, f func() error) <-chan error {
		t.Helper()
		c := make(chan error, 1)
		go func() { c <- f() }()
		select {
		case err := <-c:
			// Not Fatal: the holders must still be released.
			t.Errorf("%s did not wait (%v)", what, err)
			c <- err
		case <-time.After(200 * time.Millisecond):
		}
		return c
	}

	k1 := createKey(t, a, u.ID, "one")
	for name, run := range map[string]func(context.Context, func(gatehouse.Tx) error) error{"View": a.View, "Read": a.Read} {
		if err := run(ctx, func(tx gatehouse.Tx) error { _, _, err := tx.Keys().LockKeyAndOwner(ctx, k1.Hash); return err }); err == nil {
			t.Errorf("LockKeyAndOwner in %s succeeded, want an error", name)
		}
	}

	// A delete under way: the read waits, then finds no key.
	release := make(chan struct{})
	held, done := holding(a, func(tx gatehouse.Tx) error {
		if _, err := tx.Users().LockUser(ctx, u.ID); err != nil {
			return err
		}
		return tx.Keys().DeleteKey(ctx, u.ID, k1.ID)
	}, release)
	<-held
	read := waits("LockKeyAndOwner during a key delete", func() error { _, err := lockRead(b, k1); return err })
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-read; gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
		t.Errorf("LockKeyAndOwner after the delete committed: %v, want ENOTFOUND", err)
	}

	// A deactivation under way: the read waits, then sees it.
	k2 := createKey(t, a, u.ID, "two")
	release = make(chan struct{})
	held, done = holding(a, func(tx gatehouse.Tx) error { return setStatus(ctx, tx, u.ID, gatehouse.UserDisabled) }, release)
	<-held
	var owner *gatehouse.User
	read = waits("LockKeyAndOwner during a deactivation", func() error { var err error; owner, err = lockRead(b, k2); return err })
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-read; err != nil || owner.Status != gatehouse.UserDisabled {
		t.Errorf("LockKeyAndOwner after the deactivation committed: %+v, %v; want the disabled account", owner, err)
	}

	// Held: a second one runs beside it; LockUser and a bare DeleteKey wait.
	release = make(chan struct{})
	held, done = holding(a, func(tx gatehouse.Tx) error { _, _, err := tx.Keys().LockKeyAndOwner(ctx, k2.Hash); return err }, release)
	<-held
	if _, err := lockRead(b, k2); err != nil {
		t.Errorf("a second LockKeyAndOwner beside the first: %v", err)
	}
	lock := waits("LockUser while LockKeyAndOwner holds", func() error {
		return b.Update(ctx, func(tx gatehouse.Tx) error { _, err := tx.Users().LockUser(ctx, u.ID); return err })
	})
	del := waits("DeleteKey while LockKeyAndOwner holds", func() error {
		return b.Update(ctx, func(tx gatehouse.Tx) error { return tx.Keys().DeleteKey(ctx, u.ID, k2.ID) })
	})
	close(release)
	for _, c := range []<-chan error{done, lock, del} {
		if err := <-c; err != nil {
			t.Error(err)
		}
	}
}
