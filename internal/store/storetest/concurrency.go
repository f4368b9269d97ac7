package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// racers is how many Updates each concurrency case runs at once, and
// patience how long each waits, inside its transaction, for the others to
// get there too (see meeting).
const (
	racers   = 6
	patience = 15 * time.Millisecond
)

var (
	errLimit    = errors.New("storetest: over the limit")
	errInactive = errors.New("storetest: account not active")
)

// race runs fn(0) … fn(n-1) on n goroutines released at the same moment
// and returns their errors, by i.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	ready.Add(n)
	for i := range n {
		done.Go(func() {
			ready.Done()
			<-start
			errs[i] = fn(i)
		})
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

// meeting is a point inside the racing transactions at which each waits
// until all of them have arrived, or until patience has passed. A store
// that let Updates run side by side would have every racer read before any
// of them writes, so a broken rule shows every time rather than now and
// then; a store that serialises Updates has each racer arrive alone and
// wait out its patience.
type meeting struct {
	mu      sync.Mutex
	n, here int
	all     chan struct{}
}

func newMeeting(n int) *meeting { return &meeting{n: n, all: make(chan struct{})} }

func (m *meeting) wait() {
	m.mu.Lock()
	if m.here++; m.here == m.n {
		close(m.all)
	}
	m.mu.Unlock()
	select {
	case <-m.all:
	case <-time.After(patience):
	}
}

// tally counts racers' errors: nil, a refusal (the rule said no) and
// EUNAVAILABLE (a busy database: refused, but not by the rule). Anything
// else fails t.
func tally(t *testing.T, errs []error, refusal func(error) bool) (ok, refused, busy int) {
	t.Helper()
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case refusal(err):
			refused++
		case gatehouse.ErrorCode(err) == gatehouse.EUNAVAILABLE:
			busy++
		default:
			t.Errorf("racer %d: %v", i, err)
		}
	}
	return ok, refused, busy
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func hasCode(code string) func(error) bool {
	return func(err error) bool { return gatehouse.ErrorCode(err) == code }
}

// limitRule is one of core's "count, then insert while under the limit"
// rules, on its own kind of row.
type limitRule struct {
	name string
	// setup makes what the rows hang on and returns the count and the
	// insert, for racer i, to run inside an Update, and the account the
	// rows belong to, which the racers lock first, as core does (LockUser).
	setup func(t *testing.T, s gatehouse.Store) (owner int64, count func(tx gatehouse.Tx) (int, error), insert func(tx gatehouse.Tx, i int) error)
}

func limitRules() []limitRule {
	return []limitRule{
		{"APIKeys", func(t *testing.T, s gatehouse.Store) (int64, func(gatehouse.Tx) (int, error), func(gatehouse.Tx, int) error) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			return u.ID, func(tx gatehouse.Tx) (int, error) { return tx.Keys().CountKeysByUser(t.Context(), u.ID) },
				func(tx gatehouse.Tx, i int) error {
					return tx.Keys().CreateKey(t.Context(), newKey(u.ID, fmt.Sprint("k", i)))
				}
		}},
		{"AppKeys", func(t *testing.T, s gatehouse.Store) (int64, func(gatehouse.Tx) (int, error), func(gatehouse.Tx, int) error) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			app := create(t, s, newApp(u.ID, appIDs(1)[0], "app"))
			kid := keyIDs("app_", racers)
			return u.ID, func(tx gatehouse.Tx) (int, error) { return tx.AppKeys().CountAppKeysByApp(t.Context(), app.ID) },
				func(tx gatehouse.Tx, i int) error {
					return tx.AppKeys().CreateAppKey(t.Context(), newAppKey(app.ID, kid[i], fmt.Sprint("k", i), t0))
				}
		}},
		{"AccountKeys", func(t *testing.T, s gatehouse.Store) (int64, func(gatehouse.Tx) (int, error), func(gatehouse.Tx, int) error) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			kid := keyIDs("act_", racers)
			return u.ID, func(tx gatehouse.Tx) (int, error) {
					ks, err := tx.AccountKeys().FindAccountKeysByUser(t.Context(), u.ID)
					return len(ks), err
				},
				func(tx gatehouse.Tx, i int) error {
					return tx.AccountKeys().CreateAccountKey(t.Context(), newAccountKey(u.ID, kid[i], fmt.Sprint("k", i), t0))
				}
		}},
		{"ChatUsage", func(t *testing.T, s gatehouse.Store) (int64, func(gatehouse.Tx) (int, error), func(gatehouse.Tx, int) error) {
			// The limit counts messages of 1 byte: usage is the count.
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			const sid = "0b7e4a52-3c1f-4d6a-9b8e-000000000021"
			create(t, s, newChat(sid, u.ID, t0))
			return u.ID, func(tx gatehouse.Tx) (int, error) {
					n, err := tx.Chats().ChatUsage(t.Context(), u.ID)
					return int(n), err
				},
				func(tx gatehouse.Tx, i int) error {
					return tx.Chats().AppendChatMessages(t.Context(), sid, sized(messages(sid, t0, fmt.Sprint("m", i)), 1), t0)
				}
		}},
	}
}

// deleteRule is one of the deletes core follows with a revocation event,
// on its own kind of row.
type deleteRule struct {
	name string
	// setup makes one row and returns its delete, to run inside an Update,
	// and what must hold once it is gone.
	setup func(t *testing.T, s gatehouse.Store) (del func(tx gatehouse.Tx) error, after func(t *testing.T))
}

func deleteRules() []deleteRule {
	return []deleteRule{
		{"APIKey", func(t *testing.T, s gatehouse.Store) (func(gatehouse.Tx) error, func(*testing.T)) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			k := create(t, s, newKey(u.ID, "k"))
			return func(tx gatehouse.Tx) error { return tx.Keys().DeleteKey(t.Context(), u.ID, k.ID) },
				func(t *testing.T) {
					if ks := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.APIKey, error) {
						return tx.Keys().FindKeysByUser(t.Context(), u.ID)
					}); len(ks) != 0 {
						t.Errorf("keys after the deletes = %s, want none", show(ks))
					}
				}
		}},
		{"AppKey", func(t *testing.T, s gatehouse.Store) (func(gatehouse.Tx) error, func(*testing.T)) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			app := create(t, s, newApp(u.ID, appIDs(1)[0], "app"))
			k := create(t, s, newAppKey(app.ID, keyIDs("app_", 1)[0], "k", t0))
			return func(tx gatehouse.Tx) error { return tx.AppKeys().DeleteAppKey(t.Context(), app.ID, k.ID) },
				func(t *testing.T) {
					if n := mustFind(t, s, func(tx gatehouse.Tx) (int, error) {
						return tx.AppKeys().CountAppKeysByApp(t.Context(), app.ID)
					}); n != 0 {
						t.Errorf("CountAppKeysByApp after the deletes = %d, want 0", n)
					}
				}
		}},
		{"AccountKey", func(t *testing.T, s gatehouse.Store) (func(gatehouse.Tx) error, func(*testing.T)) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			k := create(t, s, newAccountKey(u.ID, keyIDs("act_", 1)[0], "k", t0))
			return func(tx gatehouse.Tx) error { return tx.AccountKeys().DeleteAccountKey(t.Context(), u.ID, k.ID) },
				func(t *testing.T) {
					if ks := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AccountKey, error) {
						return tx.AccountKeys().FindAccountKeysByUser(t.Context(), u.ID)
					}); len(ks) != 0 {
						t.Errorf("account keys after the deletes = %s, want none", show(ks))
					}
				}
		}},
		{"Chat", func(t *testing.T, s gatehouse.Store) (func(gatehouse.Tx) error, func(*testing.T)) {
			// A session's size comes off the account's usage once: a
			// second winner would take the usage below zero.
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			c := newChat("0b7e4a52-3c1f-4d6a-9b8e-000000000031", u.ID, t0)
			c.Size = 100
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Chats().CreateChat(t.Context(), c) })
			return func(tx gatehouse.Tx) error { return tx.Chats().DeleteChat(t.Context(), u.ID, c.ID) },
				func(t *testing.T) { wantUsage(t, "after the deletes", s, u.ID, 0) }
		}},
	}
}

func testConcurrency(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	// Racers lock the account, count its rows, meet, and insert one while
	// under the limit:
	// exactly limit of them get through.
	t.Run("CountThenInsertHoldsLimit", func(t *testing.T) {
		t.Parallel()
		for _, r := range limitRules() {
			t.Run(r.name, func(t *testing.T) {
				t.Parallel()
				const limit = 2
				s := open(t)
				owner, count, insert := r.setup(t, s)
				m := newMeeting(racers)
				errs := race(racers, func(i int) error {
					return s.Update(t.Context(), func(tx gatehouse.Tx) error {
						if _, err := tx.Users().LockUser(t.Context(), owner); err != nil {
							return err
						}
						n, err := count(tx)
						if err != nil {
							return err
						}
						m.wait()
						if n >= limit {
							return errLimit
						}
						return insert(tx, i)
					})
				})
				ok, refused, busy := tally(t, errs, is(errLimit))
				n := mustFind(t, s, count)
				if n != ok || n > limit || busy == 0 && (n != limit || refused != racers-limit) {
					t.Errorf("%d racers: %d got through, %d refused, %d busy; %d rows stored; want exactly %d through and stored",
						racers, ok, refused, busy, n, limit)
				}
			})
		}
	})

	// Racers lock the account, see it active, meet, and add a key while a
	// deactivation (disable, then delete the account's keys) races them: no
	// key outlives the deactivation.
	t.Run("CheckActiveThenInsert", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
		m := newMeeting(racers)
		errs := race(racers, func(i int) error {
			if i == 0 {
				return s.Update(t.Context(), func(tx gatehouse.Tx) error {
					m.wait()
					if _, err := tx.Users().UpdateUser(t.Context(), u.ID, gatehouse.UserUpdate{Status: new(gatehouse.UserDisabled), UpdatedAt: t0}); err != nil {
						return err
					}
					_, err := tx.Keys().DeleteKeysByUser(t.Context(), u.ID)
					return err
				})
			}
			return s.Update(t.Context(), func(tx gatehouse.Tx) error {
				got, err := tx.Users().LockUser(t.Context(), u.ID)
				if err != nil {
					return err
				}
				m.wait()
				if got.Status != gatehouse.UserActive {
					return errInactive
				}
				// Give a deactivation that did not wait its turn the time
				// to commit first.
				time.Sleep(patience / 3)
				return tx.Keys().CreateKey(t.Context(), newKey(u.ID, fmt.Sprint("k", i)))
			})
		})
		if errs[0] != nil {
			t.Fatalf("deactivation: %v", errs[0])
		}
		ok, refused, busy := tally(t, errs[1:], is(errInactive))
		got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
			return tx.Users().FindUserByID(t.Context(), u.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		if ks := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.APIKey, error) {
			return tx.Keys().FindKeysByUser(t.Context(), u.ID)
		}); got.Status != gatehouse.UserDisabled || len(ks) != 0 {
			t.Errorf("after the deactivation raced %d key creations (%d through, %d refused, %d busy): status %q, keys %s; want disabled and none",
				racers-1, ok, refused, busy, got.Status, show(ks))
		}
	})

	// Racers delete the same row, then log its revocation: one succeeds,
	// the others find nothing to delete, and one event is logged.
	t.Run("RacingDeletesOneWins", func(t *testing.T) {
		t.Parallel()
		for _, r := range deleteRules() {
			t.Run(r.name, func(t *testing.T) {
				t.Parallel()
				s := open(t)
				del, after := r.setup(t, s)
				m := newMeeting(racers)
				errs := race(racers, func(i int) error {
					return s.Update(t.Context(), func(tx gatehouse.Tx) error {
						m.wait()
						if err := del(tx); err != nil {
							return err
						}
						return tx.Revocations().CreateRevocation(t.Context(), &gatehouse.Revocation{
							Kind: gatehouse.RevokeAppKey, Subject: keyIDs("app_", 1)[0], At: t0,
						})
					})
				})
				ok, refused, busy := tally(t, errs, hasCode(gatehouse.ENOTFOUND))
				events := logEvents(t, s)
				if ok != 1 || len(events) != 1 || refused+busy != racers-1 {
					t.Errorf("%d racing deletes: %d succeeded, %d found nothing, %d busy; %d revocations logged; want one of each",
						racers, ok, refused, busy, len(events))
				}
				after(t)
			})
		}
	})
}
