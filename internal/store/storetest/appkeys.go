package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func newAppKey(appID, id, name string, created time.Time) *gatehouse.AppKey {
	return &gatehouse.AppKey{ID: id, AppID: appID, DisplayName: name, SecretSealed: sealedOf(id), CreatedAt: created}
}

func appKeyID(k *gatehouse.AppKey) string { return k.ID }

func testAppKeys(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFind", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			app := create(t, s, newApp(u.ID, appIDs(1)[0], "app"))
			kid := keyIDs("app_", 3)
			k1 := newAppKey(app.ID, kid[0], "Key ☕ \"one\"", t0)
			k2 := newAppKey(app.ID, kid[1], "", t0.Add(time.Millisecond))
			k2.SecretSealed = bytes.Repeat([]byte{0}, 71)
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				if err := tx.AppKeys().CreateAppKey(t.Context(), k1); err != nil {
					return err
				}
				return tx.AppKeys().CreateAppKey(t.Context(), k2)
			})
			for _, want := range []*gatehouse.AppKey{k1, k2} {
				got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AppKey, error) {
					return tx.AppKeys().FindAppKeyByID(t.Context(), want.ID)
				})
				if err != nil {
					t.Fatalf("FindAppKeyByID(%s): %v", want.ID, err)
				}
				wantEqual(t, "FindAppKeyByID("+want.ID+")", got, want)
				if !bytes.Equal(got.SecretSealed, want.SecretSealed) {
					t.Errorf("SecretSealed = %x, want %x", got.SecretSealed, want.SecretSealed)
				}
			}
			for _, missing := range []string{kid[2], "", app.ID, "act_" + kid[0][4:]} {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AppKey, error) {
					return tx.AppKeys().FindAppKeyByID(t.Context(), missing)
				})
				wantCode(t, "FindAppKeyByID("+missing+")", err, gatehouse.ENOTFOUND)
			}
		}},
		{"DuplicateIDIsConflict", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			id := appIDs(2)
			a1 := create(t, s, newApp(u.ID, id[0], "one"))
			a2 := create(t, s, newApp(u.ID, id[1], "two"))
			k := create(t, s, newAppKey(a1.ID, keyIDs("app_", 1)[0], "orig", t0))
			for _, app := range []string{a1.ID, a2.ID} {
				dup := newAppKey(app, k.ID, "dup", t0.Add(time.Hour))
				dup.SecretSealed = []byte("other")
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.AppKeys().CreateAppKey(t.Context(), dup) })
				wantCode(t, "CreateAppKey(duplicate id, app "+app+")", err, gatehouse.ECONFLICT)
			}
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeyByID(t.Context(), k.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "key after conflicting CreateAppKey", got, k)
			if n := mustFind(t, s, func(tx gatehouse.Tx) (int, error) {
				return tx.AppKeys().CountAppKeysByApp(t.Context(), a2.ID)
			}); n != 0 {
				t.Errorf("CountAppKeysByApp(other app) = %d after a conflicting CreateAppKey, want 0", n)
			}
			if n := mustFind(t, s, func(tx gatehouse.Tx) (int, error) {
				return tx.AppKeys().CountAppKeysByApp(t.Context(), a1.ID)
			}); n != 1 {
				t.Errorf("CountAppKeysByApp(app) = %d after a conflicting CreateAppKey, want 1", n)
			}
		}},
		{"NoSuchAppIsConflict", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			id := appIDs(2)
			create(t, s, newApp(u.ID, id[0], "there"))
			orphan := newAppKey(id[1], keyIDs("app_", 1)[0], "orphan", t0)
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.AppKeys().CreateAppKey(t.Context(), orphan) })
			if err == nil {
				t.Fatalf("CreateAppKey(no such app) succeeded, want an error")
			}
			wantCode(t, "CreateAppKey(no such app)", err, gatehouse.ECONFLICT)
			_, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeyByID(t.Context(), orphan.ID)
			})
			wantCode(t, "FindAppKeyByID(orphan)", err, gatehouse.ENOTFOUND)
			if n := mustFind(t, s, func(tx gatehouse.Tx) (int, error) {
				return tx.AppKeys().CountAppKeysByApp(t.Context(), id[1])
			}); n != 0 {
				t.Errorf("CountAppKeysByApp(no such app) = %d, want 0", n)
			}
		}},
		{"FindAppKeysByAppAndCount", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			id := appIDs(3)
			a1 := create(t, s, newApp(u.ID, id[0], "one"))
			a2 := create(t, s, newApp(u.ID, id[1], "two"))
			empty := create(t, s, newApp(u.ID, id[2], "empty"))
			kid := keyIDs("app_", 7)
			// a1's keys are made later and later with ids that fall, so
			// that creation order and id order disagree; the last two share
			// a CreatedAt (and, like real ids, rise in creation order).
			// Names are out of alphabetical order. a2's keys come between.
			want1 := []*gatehouse.AppKey{
				newAppKey(a1.ID, kid[4], "zeta", t0),
				newAppKey(a1.ID, kid[2], "alpha", t0.Add(time.Second)),
				newAppKey(a1.ID, kid[0], "mu", t0.Add(time.Minute)),
				newAppKey(a1.ID, kid[6], "beta", t0.Add(time.Minute)),
			}
			want2 := []*gatehouse.AppKey{
				newAppKey(a2.ID, kid[5], "x", t0.Add(time.Millisecond)),
				newAppKey(a2.ID, kid[1], "y", t0.Add(time.Hour)),
			}
			for i := range want1 {
				create(t, s, want1[i])
				if i < len(want2) {
					create(t, s, want2[i])
				}
			}
			wantEqual(t, "FindAppKeysByApp(one)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), a1.ID)
			}), want1)
			wantEqual(t, "FindAppKeysByApp(two)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), a2.ID)
			}), want2)
			for _, app := range []string{empty.ID, appIDs(1)[0], ""} {
				got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
					return tx.AppKeys().FindAppKeysByApp(t.Context(), app)
				})
				if got == nil || len(got) != 0 {
					t.Errorf("FindAppKeysByApp(%q) = %#v, want an empty non-nil slice", app, got)
				}
			}
			for app, want := range map[string]int{a1.ID: 4, a2.ID: 2, empty.ID: 0, appIDs(1)[0]: 0, "": 0} {
				if n := mustFind(t, s, func(tx gatehouse.Tx) (int, error) {
					return tx.AppKeys().CountAppKeysByApp(t.Context(), app)
				}); n != want {
					t.Errorf("CountAppKeysByApp(%q) = %d, want %d", app, n, want)
				}
			}
		}},
		{"DeleteAppKey", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			id := appIDs(3)
			mine := create(t, s, newApp(a.ID, id[0], "mine"))
			sibling := create(t, s, newApp(a.ID, id[1], "sibling"))
			theirs := create(t, s, newApp(b.ID, id[2], "theirs"))
			kid := keyIDs("app_", 4)
			k := create(t, s, newAppKey(mine.ID, kid[0], "k", t0))
			other := create(t, s, newAppKey(mine.ID, kid[1], "other", t0.Add(time.Second)))
			sk := create(t, s, newAppKey(sibling.ID, kid[2], "sibling", t0))
			tk := create(t, s, newAppKey(theirs.ID, kid[3], "theirs", t0))
			del := func(appID, id string) error {
				return s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.AppKeys().DeleteAppKey(t.Context(), appID, id) })
			}
			// Only with the key's own app id.
			wantCode(t, "DeleteAppKey(sibling app id)", del(sibling.ID, k.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAppKey(another account's app id)", del(theirs.ID, k.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAppKey(no such app)", del(appIDs(1)[0], k.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAppKey(empty app id)", del("", k.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAppKey(no such key)", del(mine.ID, keyIDs("app_", 1)[0]), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAppKey(another app's key)", del(mine.ID, tk.ID), gatehouse.ENOTFOUND)
			for _, want := range []*gatehouse.AppKey{k, other, sk, tk} {
				got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AppKey, error) {
					return tx.AppKeys().FindAppKeyByID(t.Context(), want.ID)
				})
				if err != nil {
					t.Fatalf("FindAppKeyByID(%s) after refused deletes: %v", want.DisplayName, err)
				}
				wantEqual(t, "key after refused deletes", got, want)
			}

			if err := del(mine.ID, k.ID); err != nil {
				t.Fatalf("DeleteAppKey(own app): %v", err)
			}
			_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeyByID(t.Context(), k.ID)
			})
			wantCode(t, "FindAppKeyByID(deleted)", err, gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAppKey(again)", del(mine.ID, k.ID), gatehouse.ENOTFOUND)
			wantEqual(t, "FindAppKeysByApp(mine)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), mine.ID)
			}), []*gatehouse.AppKey{other})
			wantEqual(t, "FindAppKeysByApp(sibling)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), sibling.ID)
			}), []*gatehouse.AppKey{sk})
			wantEqual(t, "FindAppKeysByApp(theirs)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), theirs.ID)
			}), []*gatehouse.AppKey{tk})
			if _, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) {
				return tx.Apps().FindAppByID(t.Context(), mine.ID)
			}); err != nil {
				t.Errorf("FindAppByID after DeleteAppKey: %v", err)
			}
		}},
		{"DeleteAppKeysByAccount", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			c := create(t, s, newUser("c@example.com", gatehouse.UserActive))
			id := appIDs(4)
			a1 := create(t, s, newApp(a.ID, id[0], "a1"))
			bApp := create(t, s, newApp(b.ID, id[1], "b"))
			a2 := create(t, s, newApp(a.ID, id[2], "a2"))
			a3 := create(t, s, newApp(a.ID, id[3], "a3 without keys"))
			kid := keyIDs("app_", 6)
			var aKeys []*gatehouse.AppKey
			aKeys = append(aKeys, create(t, s, newAppKey(a1.ID, kid[0], "a1-0", t0)))
			bKeys := []*gatehouse.AppKey{create(t, s, newAppKey(bApp.ID, kid[1], "b-0", t0))}
			aKeys = append(aKeys, create(t, s, newAppKey(a2.ID, kid[2], "a2-0", t0)))
			aKeys = append(aKeys, create(t, s, newAppKey(a1.ID, kid[3], "a1-1", t0.Add(time.Second))))
			bKeys = append(bKeys, create(t, s, newAppKey(bApp.ID, kid[4], "b-1", t0.Add(time.Second))))
			aKeys = append(aKeys, create(t, s, newAppKey(a2.ID, kid[5], "a2-1", t0.Add(time.Second))))
			acct := create(t, s, newAccountKey(a.ID, keyIDs("act_", 1)[0], "acct", t0))
			apiKey := create(t, s, newKey(a.ID, "api"))

			delAll := func(account int64) []string {
				t.Helper()
				ids := mustChange(t, s, func(tx gatehouse.Tx) ([]string, error) {
					return tx.AppKeys().DeleteAppKeysByAccount(t.Context(), account)
				})
				return ids
			}
			wantEqual(t, "DeleteAppKeysByAccount(a) ids", sortedStrings(delAll(a.ID)), sortedStrings(strIDs(aKeys, appKeyID)))
			for _, k := range aKeys {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AppKey, error) {
					return tx.AppKeys().FindAppKeyByID(t.Context(), k.ID)
				})
				wantCode(t, "FindAppKeyByID(deleted "+k.DisplayName+")", err, gatehouse.ENOTFOUND)
			}
			for _, app := range []*gatehouse.App{a1, a2, a3} {
				if n := mustFind(t, s, func(tx gatehouse.Tx) (int, error) {
					return tx.AppKeys().CountAppKeysByApp(t.Context(), app.ID)
				}); n != 0 {
					t.Errorf("CountAppKeysByApp(%s) after DeleteAppKeysByAccount = %d, want 0", app.DisplayName, n)
				}
				// The apps themselves stay.
				got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) {
					return tx.Apps().FindAppByID(t.Context(), app.ID)
				})
				if err != nil {
					t.Fatalf("FindAppByID(%s) after DeleteAppKeysByAccount: %v", app.DisplayName, err)
				}
				wantEqual(t, "app after DeleteAppKeysByAccount", got, app)
			}
			wantEqual(t, "FindAppKeysByApp(b) after DeleteAppKeysByAccount(a)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), bApp.ID)
			}), bKeys)
			// The account's other credentials are not app keys.
			wantEqual(t, "account keys of a", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeysByUser(t.Context(), a.ID)
			}), []*gatehouse.AccountKey{acct})
			wantEqual(t, "API keys of a", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.APIKey, error) {
				return tx.Keys().FindKeysByUser(t.Context(), a.ID)
			}), []*gatehouse.APIKey{apiKey})
			// Nothing to delete: no error, no ids.
			for _, account := range []int64{a.ID, c.ID, 1 << 40} {
				if got := delAll(account); len(got) != 0 {
					t.Errorf("DeleteAppKeysByAccount(%d) = %v, want none", account, got)
				}
			}
			wantEqual(t, "FindAppKeysByApp(b) at the end", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), bApp.ID)
			}), bKeys)
		}},
		{"SameCreatedAtInIDOrder", func(t *testing.T, s gatehouse.Store) {
			// Keys made in the same millisecond list by id, whatever order
			// they were made in.
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			app := create(t, s, newApp(u.ID, appIDs(1)[0], "app"))
			kid := keyIDs("app_", 3)
			k2 := create(t, s, newAppKey(app.ID, kid[2], "two", t0))
			k0 := create(t, s, newAppKey(app.ID, kid[0], "zero", t0))
			k1 := create(t, s, newAppKey(app.ID, kid[1], "one", t0))
			wantEqual(t, "FindAppKeysByApp", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), app.ID)
			}), []*gatehouse.AppKey{k0, k1, k2})
		}},
	})
}
