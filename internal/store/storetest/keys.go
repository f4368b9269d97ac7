package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func newKey(userID int64, name string) *gatehouse.APIKey {
	return &gatehouse.APIKey{
		UserID:    userID,
		Name:      name,
		Hash:      hashOf("key", userID, name),
		Hint:      "stai-…" + name,
		CreatedAt: t0,
	}
}

func testKeys(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFindByHash", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("k@example.com", gatehouse.UserActive))
			fresh := newKey(u.ID, "ci")
			used := newKey(u.ID, "laptop")
			used.LastUsedAt = t0.Add(time.Hour)
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				if err := tx.Keys().CreateKey(t.Context(), fresh); err != nil {
					return err
				}
				return tx.Keys().CreateKey(t.Context(), used)
			})
			if fresh.ID == 0 || used.ID == 0 || fresh.ID == used.ID {
				t.Fatalf("CreateKey ids = %d, %d; want distinct non-zero", fresh.ID, used.ID)
			}
			for _, want := range []*gatehouse.APIKey{fresh, used} {
				got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.APIKey, error) {
					return tx.Keys().FindKeyByHash(t.Context(), want.Hash)
				})
				if err != nil {
					t.Fatalf("FindKeyByHash(%s): %v", want.Name, err)
				}
				wantEqual(t, "FindKeyByHash("+want.Name+")", got, want)
			}
			if got, _ := find(t, s, func(tx gatehouse.Tx) (*gatehouse.APIKey, error) {
				return tx.Keys().FindKeyByHash(t.Context(), fresh.Hash)
			}); got != nil && !got.LastUsedAt.IsZero() {
				t.Errorf("never-used key LastUsedAt = %v, want zero", got.LastUsedAt)
			}
		}},
		{"HashCollisionIsConflict", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			k := create(t, s, newKey(a.ID, "one"))
			dup := newKey(b.ID, "two")
			dup.Hash = k.Hash
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Keys().CreateKey(t.Context(), dup) })
			wantCode(t, "CreateKey(duplicate hash)", err, gatehouse.ECONFLICT)
			if n := len(mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.APIKey, error) {
				return tx.Keys().FindKeysByUser(t.Context(), b.ID)
			})); n != 0 {
				t.Errorf("user b has %d keys after a conflicting CreateKey, want 0", n)
			}
		}},
		{"FindKeyAndOwner", func(t *testing.T, s gatehouse.Store) {
			// The key and its account, each as the single finds give them,
			// for two accounts (the join must not cross them); ENOTFOUND
			// for a hash no key has. LockKeyAndOwner alike.
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserDisabled))
			ka := newKey(a.ID, "one")
			ka.LastUsedAt = t0.Add(time.Minute)
			kb := newKey(b.ID, "two")
			create(t, s, ka)
			create(t, s, kb)
			for _, c := range []struct {
				k *gatehouse.APIKey
				u *gatehouse.User
			}{{ka, a}, {kb, b}} {
				var gk *gatehouse.APIKey
				var gu *gatehouse.User
				mustView(t, s, func(tx gatehouse.Tx) error {
					var err error
					gk, gu, err = tx.Keys().FindKeyAndOwner(t.Context(), c.k.Hash)
					return err
				})
				wantEqual(t, "FindKeyAndOwner("+c.k.Name+") key", gk, c.k)
				wantEqual(t, "FindKeyAndOwner("+c.k.Name+") owner", gu, mustFind(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
					return tx.Users().FindUserByID(t.Context(), c.u.ID)
				}))
				// LockKeyAndOwner, in an Update, reads the same pair.
				var lk *gatehouse.APIKey
				var lu *gatehouse.User
				mustUpdate(t, s, func(tx gatehouse.Tx) error {
					var err error
					lk, lu, err = tx.Keys().LockKeyAndOwner(t.Context(), c.k.Hash)
					return err
				})
				wantEqual(t, "LockKeyAndOwner("+c.k.Name+") key", lk, gk)
				wantEqual(t, "LockKeyAndOwner("+c.k.Name+") owner", lu, gu)
			}
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
				_, _, err := tx.Keys().LockKeyAndOwner(t.Context(), hashOf("no such key"))
				return err
			})
			wantCode(t, "LockKeyAndOwner(missing)", err, gatehouse.ENOTFOUND)
			err = s.View(t.Context(), func(tx gatehouse.Tx) error {
				_, _, err := tx.Keys().FindKeyAndOwner(t.Context(), hashOf("no such key"))
				return err
			})
			wantCode(t, "FindKeyAndOwner(missing)", err, gatehouse.ENOTFOUND)
		}},
		{"FindKeyByHashMissing", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("k@example.com", gatehouse.UserActive))
			create(t, s, newKey(u.ID, "ci"))
			_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.APIKey, error) {
				return tx.Keys().FindKeyByHash(t.Context(), hashOf("no such key"))
			})
			wantCode(t, "FindKeyByHash(missing)", err, gatehouse.ENOTFOUND)
			_, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.APIKey, error) {
				return tx.Keys().FindKeyByHash(t.Context(), gatehouse.Hash{})
			})
			wantCode(t, "FindKeyByHash(zero)", err, gatehouse.ENOTFOUND)
		}},
		{"FindKeysByUser", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			c := create(t, s, newUser("c@example.com", gatehouse.UserActive))
			var wantA, wantB []*gatehouse.APIKey
			// Interleaved, with names out of alphabetical order.
			for i, name := range []string{"zeta", "alpha", "mu", "beta"} {
				wantA = append(wantA, create(t, s, newKey(a.ID, name)))
				wantB = append(wantB, create(t, s, newKey(b.ID, fmt.Sprintf("%s-%d", name, i))))
			}
			wantEqual(t, "FindKeysByUser(a)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.APIKey, error) {
				return tx.Keys().FindKeysByUser(t.Context(), a.ID)
			}), wantA)
			wantEqual(t, "FindKeysByUser(b)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.APIKey, error) {
				return tx.Keys().FindKeysByUser(t.Context(), b.ID)
			}), wantB)
			for _, id := range []int64{c.ID, 1 << 40} {
				got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.APIKey, error) {
					return tx.Keys().FindKeysByUser(t.Context(), id)
				})
				if got == nil || len(got) != 0 {
					t.Errorf("FindKeysByUser(%d) = %#v, want an empty non-nil slice", id, got)
				}
			}
		}},
		{"CountKeysByUser", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			for _, name := range []string{"1", "2", "3"} {
				create(t, s, newKey(a.ID, name))
			}
			for id, want := range map[int64]int{a.ID: 3, b.ID: 0, 1 << 40: 0} {
				got := mustFind(t, s, func(tx gatehouse.Tx) (int, error) {
					return tx.Keys().CountKeysByUser(t.Context(), id)
				})
				if got != want {
					t.Errorf("CountKeysByUser(%d) = %d, want %d", id, got, want)
				}
			}
		}},
		{"DeleteKey", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			ka := create(t, s, newKey(a.ID, "mine"))
			kb := create(t, s, newKey(b.ID, "theirs"))
			del := func(userID, id int64) error {
				return s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Keys().DeleteKey(t.Context(), userID, id) })
			}
			wantCode(t, "DeleteKey(another user's key)", del(a.ID, kb.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteKey(missing id)", del(a.ID, kb.ID+100), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteKey(no such user)", del(1<<40, ka.ID), gatehouse.ENOTFOUND)
			if _, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.APIKey, error) {
				return tx.Keys().FindKeyByHash(t.Context(), kb.Hash)
			}); err != nil {
				t.Fatalf("key of b after a's DeleteKey attempt: %v", err)
			}
			if err := del(a.ID, ka.ID); err != nil {
				t.Fatalf("DeleteKey(own key): %v", err)
			}
			_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.APIKey, error) {
				return tx.Keys().FindKeyByHash(t.Context(), ka.Hash)
			})
			wantCode(t, "FindKeyByHash(deleted)", err, gatehouse.ENOTFOUND)
			wantCode(t, "DeleteKey(again)", del(a.ID, ka.ID), gatehouse.ENOTFOUND)
			wantEqual(t, "FindKeysByUser(b)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.APIKey, error) {
				return tx.Keys().FindKeysByUser(t.Context(), b.ID)
			}), []*gatehouse.APIKey{kb})
		}},
		{"DeleteKeyDeletesItsTokens", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			k1 := create(t, s, newKey(u.ID, "one"))
			k2 := create(t, s, newKey(u.ID, "two"))
			exp := t0.Add(gatehouse.AccessTokenTTL)
			gone := []*gatehouse.AccessToken{create(t, s, newToken(k1, 1, exp)), create(t, s, newToken(k1, 2, exp))}
			kept := create(t, s, newToken(k2, 1, exp))
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Keys().DeleteKey(t.Context(), u.ID, k1.ID) })
			for _, tok := range gone {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccessToken, error) {
					return tx.Tokens().FindTokenByHash(t.Context(), tok.Hash)
				})
				wantCode(t, "FindTokenByHash(token of deleted key)", err, gatehouse.ENOTFOUND)
			}
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccessToken, error) {
				return tx.Tokens().FindTokenByHash(t.Context(), kept.Hash)
			})
			if err != nil {
				t.Fatalf("FindTokenByHash(token of other key): %v", err)
			}
			wantEqual(t, "token of other key", got, kept)
		}},
		{"DeleteKeysByUser", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			c := create(t, s, newUser("c@example.com", gatehouse.UserActive))
			var wantIDs []int64
			var aTokens []*gatehouse.AccessToken
			exp := t0.Add(gatehouse.AccessTokenTTL)
			for i, name := range []string{"x", "y", "z"} {
				k := create(t, s, newKey(a.ID, name))
				wantIDs = append(wantIDs, k.ID)
				aTokens = append(aTokens, create(t, s, newToken(k, i, exp)))
			}
			kb := create(t, s, newKey(b.ID, "keep"))
			tb := create(t, s, newToken(kb, 0, exp))

			got := mustChange(t, s, func(tx gatehouse.Tx) ([]int64, error) {
				return tx.Keys().DeleteKeysByUser(t.Context(), a.ID)
			})
			slices.Sort(got)
			wantEqual(t, "DeleteKeysByUser ids", got, wantIDs)
			if ks := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.APIKey, error) {
				return tx.Keys().FindKeysByUser(t.Context(), a.ID)
			}); len(ks) != 0 {
				t.Errorf("FindKeysByUser(a) after DeleteKeysByUser = %s, want none", show(ks))
			}
			for _, tok := range aTokens {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccessToken, error) {
					return tx.Tokens().FindTokenByHash(t.Context(), tok.Hash)
				})
				wantCode(t, "FindTokenByHash(token of deleted key)", err, gatehouse.ENOTFOUND)
			}
			wantEqual(t, "FindKeysByUser(b)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.APIKey, error) {
				return tx.Keys().FindKeysByUser(t.Context(), b.ID)
			}), []*gatehouse.APIKey{kb})
			if _, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccessToken, error) {
				return tx.Tokens().FindTokenByHash(t.Context(), tb.Hash)
			}); err != nil {
				t.Errorf("token of b after DeleteKeysByUser(a): %v", err)
			}
			// Nothing to delete: no error, no ids.
			got = mustChange(t, s, func(tx gatehouse.Tx) ([]int64, error) {
				return tx.Keys().DeleteKeysByUser(t.Context(), c.ID)
			})
			if len(got) != 0 {
				t.Errorf("DeleteKeysByUser(user without keys) = %v, want none", got)
			}
			// The account itself stays.
			if _, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
				return tx.Users().FindUserByID(t.Context(), a.ID)
			}); err != nil {
				t.Errorf("FindUserByID(a) after DeleteKeysByUser: %v", err)
			}
		}},
		{"TouchKeys", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			never := create(t, s, newKey(u.ID, "never"))
			recent := newKey(u.ID, "recent")
			recent.LastUsedAt = t0.Add(2 * time.Hour)
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Keys().CreateKey(t.Context(), recent) })
			other := create(t, s, newKey(u.ID, "untouched"))
			gone := create(t, s, newKey(u.ID, "gone"))
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Keys().DeleteKey(t.Context(), u.ID, gone.ID) })

			touch := func(used map[int64]time.Time) {
				t.Helper()
				mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Keys().TouchKeys(t.Context(), used) })
			}
			lastUsed := func(k *gatehouse.APIKey) time.Time {
				t.Helper()
				got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.APIKey, error) {
					return tx.Keys().FindKeyByHash(t.Context(), k.Hash)
				})
				if err != nil {
					t.Fatalf("FindKeyByHash(%s): %v", k.Name, err)
				}
				return got.LastUsedAt
			}
			check := func(step string, k *gatehouse.APIKey, want time.Time) {
				t.Helper()
				if got := lastUsed(k); !got.Equal(want) {
					t.Errorf("%s: %s.LastUsedAt = %v, want %v", step, k.Name, got, want)
				}
			}

			touch(map[int64]time.Time{})
			touch(nil)
			// Moves a never-used key forward, leaves a newer time alone and
			// ignores ids that do not exist (deleted or never created).
			touch(map[int64]time.Time{
				never.ID:        t0.Add(time.Hour),
				recent.ID:       t0.Add(time.Hour),
				gone.ID:         t0.Add(time.Hour),
				1 << 40:         t0.Add(time.Hour),
				other.ID + 1000: t0.Add(time.Hour),
			})
			check("first touch", never, t0.Add(time.Hour))
			check("first touch", recent, t0.Add(2*time.Hour))
			check("first touch", other, time.Time{})
			// Equal and older times change nothing; newer ones win.
			touch(map[int64]time.Time{never.ID: t0.Add(time.Hour), recent.ID: t0})
			check("same/older touch", never, t0.Add(time.Hour))
			check("same/older touch", recent, t0.Add(2*time.Hour))
			touch(map[int64]time.Time{never.ID: t0.Add(3 * time.Hour), recent.ID: t0.Add(3*time.Hour + time.Millisecond)})
			check("newer touch", never, t0.Add(3*time.Hour))
			check("newer touch", recent, t0.Add(3*time.Hour+time.Millisecond))
			if _, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.APIKey, error) {
				return tx.Keys().FindKeyByHash(t.Context(), gone.Hash)
			}); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
				t.Errorf("TouchKeys brought back a deleted key (err %v)", err)
			}
		}},
	})
}
