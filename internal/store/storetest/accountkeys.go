package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func newAccountKey(userID int64, id, name string, created time.Time) *gatehouse.AccountKey {
	return &gatehouse.AccountKey{ID: id, UserID: userID, Name: name, SecretSealed: sealedOf(id), CreatedAt: created}
}

func accountKeyID(k *gatehouse.AccountKey) string { return k.ID }

func testAccountKeys(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFind", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			kid := keyIDs("act_", 3)
			k1 := newAccountKey(u.ID, kid[0], "CI ☕ \"key\"", t0)
			k2 := newAccountKey(u.ID, kid[1], "", t0.Add(time.Millisecond))
			k2.SecretSealed = bytes.Repeat([]byte{0xff, 0x00}, 36)
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				if err := tx.AccountKeys().CreateAccountKey(t.Context(), k1); err != nil {
					return err
				}
				return tx.AccountKeys().CreateAccountKey(t.Context(), k2)
			})
			for _, want := range []*gatehouse.AccountKey{k1, k2} {
				got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccountKey, error) {
					return tx.AccountKeys().FindAccountKeyByID(t.Context(), want.ID)
				})
				if err != nil {
					t.Fatalf("FindAccountKeyByID(%s): %v", want.ID, err)
				}
				wantEqual(t, "FindAccountKeyByID("+want.ID+")", got, want)
				if !bytes.Equal(got.SecretSealed, want.SecretSealed) {
					t.Errorf("SecretSealed = %x, want %x", got.SecretSealed, want.SecretSealed)
				}
			}
			for _, missing := range []string{kid[2], "", "app_" + kid[0][4:]} {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccountKey, error) {
					return tx.AccountKeys().FindAccountKeyByID(t.Context(), missing)
				})
				wantCode(t, "FindAccountKeyByID("+missing+")", err, gatehouse.ENOTFOUND)
			}
		}},
		{"DuplicateIDIsConflict", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			k := create(t, s, newAccountKey(a.ID, keyIDs("act_", 1)[0], "orig", t0))
			for _, owner := range []int64{a.ID, b.ID} {
				dup := newAccountKey(owner, k.ID, "dup", t0.Add(time.Hour))
				dup.SecretSealed = []byte("other")
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.AccountKeys().CreateAccountKey(t.Context(), dup) })
				wantCode(t, fmt.Sprintf("CreateAccountKey(duplicate id, user %d)", owner), err, gatehouse.ECONFLICT)
			}
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeyByID(t.Context(), k.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "key after conflicting CreateAccountKey", got, k)
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeysByUser(t.Context(), b.ID)
			}); len(got) != 0 {
				t.Errorf("user b has account keys %v after a conflicting CreateAccountKey, want none", strIDs(got, accountKeyID))
			}
		}},
		{"NoSuchUserIsConflict", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			orphan := newAccountKey(u.ID+1000, keyIDs("act_", 1)[0], "orphan", t0)
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.AccountKeys().CreateAccountKey(t.Context(), orphan) })
			wantCode(t, "CreateAccountKey(no such user)", err, gatehouse.ECONFLICT)
			_, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeyByID(t.Context(), orphan.ID)
			})
			wantCode(t, "FindAccountKeyByID(orphan)", err, gatehouse.ENOTFOUND)
		}},
		{"FindAccountKeysByUser", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			c := create(t, s, newUser("c@example.com", gatehouse.UserActive))
			kid := keyIDs("act_", 6)
			// As for app keys: creation order against id order, a tie on
			// CreatedAt with ids rising, b's keys in between.
			wantA := []*gatehouse.AccountKey{
				newAccountKey(a.ID, kid[4], "zeta", t0),
				newAccountKey(a.ID, kid[2], "alpha", t0.Add(time.Second)),
				newAccountKey(a.ID, kid[0], "mu", t0.Add(time.Minute)),
				newAccountKey(a.ID, kid[5], "beta", t0.Add(time.Minute)),
			}
			wantB := []*gatehouse.AccountKey{
				newAccountKey(b.ID, kid[3], "x", t0.Add(time.Millisecond)),
				newAccountKey(b.ID, kid[1], "y", t0.Add(time.Hour)),
			}
			for i := range wantA {
				create(t, s, wantA[i])
				if i < len(wantB) {
					create(t, s, wantB[i])
				}
			}
			wantEqual(t, "FindAccountKeysByUser(a)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeysByUser(t.Context(), a.ID)
			}), wantA)
			wantEqual(t, "FindAccountKeysByUser(b)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeysByUser(t.Context(), b.ID)
			}), wantB)
			for _, id := range []int64{c.ID, 1 << 40} {
				got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AccountKey, error) {
					return tx.AccountKeys().FindAccountKeysByUser(t.Context(), id)
				})
				if got == nil || len(got) != 0 {
					t.Errorf("FindAccountKeysByUser(%d) = %#v, want an empty non-nil slice", id, got)
				}
			}
		}},
		{"DeleteAccountKey", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			kid := keyIDs("act_", 3)
			ka := create(t, s, newAccountKey(a.ID, kid[0], "mine", t0))
			ka2 := create(t, s, newAccountKey(a.ID, kid[1], "mine too", t0.Add(time.Second)))
			kb := create(t, s, newAccountKey(b.ID, kid[2], "theirs", t0))
			del := func(userID int64, id string) error {
				return s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.AccountKeys().DeleteAccountKey(t.Context(), userID, id) })
			}
			wantCode(t, "DeleteAccountKey(another user's key)", del(a.ID, kb.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAccountKey(own key, wrong user)", del(b.ID, ka.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAccountKey(no such user)", del(1<<40, ka.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAccountKey(no such key)", del(a.ID, keyIDs("act_", 1)[0]), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAccountKey(empty id)", del(a.ID, ""), gatehouse.ENOTFOUND)
			for _, want := range []*gatehouse.AccountKey{ka, ka2, kb} {
				got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccountKey, error) {
					return tx.AccountKeys().FindAccountKeyByID(t.Context(), want.ID)
				})
				if err != nil {
					t.Fatalf("FindAccountKeyByID(%s) after refused deletes: %v", want.Name, err)
				}
				wantEqual(t, "account key after refused deletes", got, want)
			}
			if err := del(a.ID, ka.ID); err != nil {
				t.Fatalf("DeleteAccountKey(own key): %v", err)
			}
			_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeyByID(t.Context(), ka.ID)
			})
			wantCode(t, "FindAccountKeyByID(deleted)", err, gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAccountKey(again)", del(a.ID, ka.ID), gatehouse.ENOTFOUND)
			wantEqual(t, "FindAccountKeysByUser(a)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeysByUser(t.Context(), a.ID)
			}), []*gatehouse.AccountKey{ka2})
			wantEqual(t, "FindAccountKeysByUser(b)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeysByUser(t.Context(), b.ID)
			}), []*gatehouse.AccountKey{kb})
		}},
		{"DeleteAccountKeysByUser", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			c := create(t, s, newUser("c@example.com", gatehouse.UserActive))
			kid := keyIDs("act_", 5)
			var aKeys, bKeys []*gatehouse.AccountKey
			for i, id := range kid {
				if i%2 == 0 {
					aKeys = append(aKeys, create(t, s, newAccountKey(a.ID, id, fmt.Sprintf("a%d", i), t0.Add(time.Duration(i)*time.Second))))
				} else {
					bKeys = append(bKeys, create(t, s, newAccountKey(b.ID, id, fmt.Sprintf("b%d", i), t0.Add(time.Duration(i)*time.Second))))
				}
			}
			app := create(t, s, newApp(a.ID, appIDs(1)[0], "app"))
			appKey := create(t, s, newAppKey(app.ID, keyIDs("app_", 1)[0], "k", t0))
			apiKey := create(t, s, newKey(a.ID, "api"))
			delAll := func(userID int64) []string {
				t.Helper()
				ids := mustChange(t, s, func(tx gatehouse.Tx) ([]string, error) {
					return tx.AccountKeys().DeleteAccountKeysByUser(t.Context(), userID)
				})
				return ids
			}
			wantEqual(t, "DeleteAccountKeysByUser(a) ids", sortedStrings(delAll(a.ID)), strIDs(aKeys, accountKeyID))
			for _, k := range aKeys {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccountKey, error) {
					return tx.AccountKeys().FindAccountKeyByID(t.Context(), k.ID)
				})
				wantCode(t, "FindAccountKeyByID(deleted "+k.Name+")", err, gatehouse.ENOTFOUND)
			}
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeysByUser(t.Context(), a.ID)
			}); len(got) != 0 {
				t.Errorf("FindAccountKeysByUser(a) after DeleteAccountKeysByUser = %v, want none", strIDs(got, accountKeyID))
			}
			wantEqual(t, "FindAccountKeysByUser(b)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeysByUser(t.Context(), b.ID)
			}), bKeys)
			// The user, their apps, app keys and API keys stay.
			if _, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
				return tx.Users().FindUserByID(t.Context(), a.ID)
			}); err != nil {
				t.Errorf("FindUserByID(a) after DeleteAccountKeysByUser: %v", err)
			}
			wantEqual(t, "app keys of a", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), app.ID)
			}), []*gatehouse.AppKey{appKey})
			wantEqual(t, "API keys of a", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.APIKey, error) {
				return tx.Keys().FindKeysByUser(t.Context(), a.ID)
			}), []*gatehouse.APIKey{apiKey})
			for _, id := range []int64{a.ID, c.ID, 1 << 40} {
				if got := delAll(id); len(got) != 0 {
					t.Errorf("DeleteAccountKeysByUser(%d) = %v, want none", id, got)
				}
			}
			wantEqual(t, "FindAccountKeysByUser(b) at the end", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeysByUser(t.Context(), b.ID)
			}), bKeys)
		}},
		{"SameCreatedAtInIDOrder", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			kid := keyIDs("act_", 3)
			k1 := create(t, s, newAccountKey(u.ID, kid[1], "one", t0))
			k2 := create(t, s, newAccountKey(u.ID, kid[2], "two", t0))
			k0 := create(t, s, newAccountKey(u.ID, kid[0], "zero", t0))
			wantEqual(t, "FindAccountKeysByUser", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeysByUser(t.Context(), u.ID)
			}), []*gatehouse.AccountKey{k0, k1, k2})
		}},
	})
}
