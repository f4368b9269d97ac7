package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func newToken(k *gatehouse.APIKey, n int, expires time.Time) *gatehouse.AccessToken {
	return &gatehouse.AccessToken{
		Hash:      hashOf("token", k.ID, n),
		UserID:    k.UserID,
		KeyID:     k.ID,
		CreatedAt: expires.Add(-gatehouse.AccessTokenTTL),
		ExpiresAt: expires,
	}
}

func testTokens(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFind", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			k := create(t, s, newKey(u.ID, "ci"))
			tok := create(t, s, newToken(k, 1, t0.Add(gatehouse.AccessTokenTTL)))
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccessToken, error) {
				return tx.Tokens().FindTokenByHash(t.Context(), tok.Hash)
			})
			if err != nil {
				t.Fatalf("FindTokenByHash: %v", err)
			}
			wantEqual(t, "FindTokenByHash", got, tok)
		}},
		{"FindTokenAndOwner", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			ta := create(t, s, newToken(create(t, s, newKey(a.ID, "ci")), 1, t0.Add(gatehouse.AccessTokenTTL)))
			tb := create(t, s, newToken(create(t, s, newKey(b.ID, "ci")), 1, t0.Add(time.Hour)))
			for _, c := range []struct {
				tok *gatehouse.AccessToken
				u   *gatehouse.User
			}{{ta, a}, {tb, b}} {
				var gt *gatehouse.AccessToken
				var gu *gatehouse.User
				mustView(t, s, func(tx gatehouse.Tx) error {
					var err error
					gt, gu, err = tx.Tokens().FindTokenAndOwner(t.Context(), c.tok.Hash)
					return err
				})
				wantEqual(t, "FindTokenAndOwner token", gt, c.tok)
				wantEqual(t, "FindTokenAndOwner owner", gu, mustFind(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
					return tx.Users().FindUserByID(t.Context(), c.u.ID)
				}))
			}
			err := s.View(t.Context(), func(tx gatehouse.Tx) error {
				_, _, err := tx.Tokens().FindTokenAndOwner(t.Context(), hashOf("nope"))
				return err
			})
			wantCode(t, "FindTokenAndOwner(missing)", err, gatehouse.ENOTFOUND)
		}},
		{"DuplicateHashIsConflict", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			k := create(t, s, newKey(u.ID, "ci"))
			tok := create(t, s, newToken(k, 1, t0))
			dup := *tok
			dup.ExpiresAt = t0.Add(time.Hour)
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Tokens().CreateToken(t.Context(), &dup) })
			wantCode(t, "CreateToken(duplicate hash)", err, gatehouse.ECONFLICT)
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccessToken, error) {
				return tx.Tokens().FindTokenByHash(t.Context(), tok.Hash)
			})
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "token after conflicting CreateToken", got, tok)
		}},
		{"FindMissing", func(t *testing.T, s gatehouse.Store) {
			_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccessToken, error) {
				return tx.Tokens().FindTokenByHash(t.Context(), hashOf("nope"))
			})
			wantCode(t, "FindTokenByHash(missing)", err, gatehouse.ENOTFOUND)
		}},
		{"DeleteTokensByUser", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			ka1, ka2 := create(t, s, newKey(a.ID, "1")), create(t, s, newKey(a.ID, "2"))
			kb := create(t, s, newKey(b.ID, "1"))
			exp := t0.Add(gatehouse.AccessTokenTTL)
			gone := []*gatehouse.AccessToken{create(t, s, newToken(ka1, 1, exp)), create(t, s, newToken(ka1, 2, exp)), create(t, s, newToken(ka2, 1, exp))}
			kept := create(t, s, newToken(kb, 1, exp))
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Tokens().DeleteTokensByUser(t.Context(), a.ID) })
			for _, tok := range gone {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccessToken, error) {
					return tx.Tokens().FindTokenByHash(t.Context(), tok.Hash)
				})
				wantCode(t, "FindTokenByHash(deleted)", err, gatehouse.ENOTFOUND)
			}
			if _, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccessToken, error) {
				return tx.Tokens().FindTokenByHash(t.Context(), kept.Hash)
			}); err != nil {
				t.Errorf("token of b after DeleteTokensByUser(a): %v", err)
			}
			// The keys stay: only tokens go.
			if n := len(mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.APIKey, error) {
				return tx.Keys().FindKeysByUser(t.Context(), a.ID)
			})); n != 2 {
				t.Errorf("a has %d keys after DeleteTokensByUser, want 2", n)
			}
			// A user without tokens is not an error.
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Tokens().DeleteTokensByUser(t.Context(), a.ID) })
		}},
		{"DeleteExpiredTokens", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			k := create(t, s, newKey(u.ID, "ci"))
			expired := []*gatehouse.AccessToken{
				create(t, s, newToken(k, 1, t0.Add(-48*time.Hour))),
				create(t, s, newToken(k, 2, t0.Add(-time.Second))),
				create(t, s, newToken(k, 3, t0.Add(-time.Millisecond))),
			}
			live := []*gatehouse.AccessToken{
				create(t, s, newToken(k, 4, t0.Add(time.Millisecond))),
				create(t, s, newToken(k, 5, t0.Add(gatehouse.AccessTokenTTL))),
			}
			n := mustChange(t, s, func(tx gatehouse.Tx) (int64, error) {
				return tx.Tokens().DeleteExpiredTokens(t.Context(), t0)
			})
			if n != int64(len(expired)) {
				t.Errorf("DeleteExpiredTokens = %d, want %d", n, len(expired))
			}
			for _, tok := range expired {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccessToken, error) {
					return tx.Tokens().FindTokenByHash(t.Context(), tok.Hash)
				})
				wantCode(t, "FindTokenByHash(expired)", err, gatehouse.ENOTFOUND)
			}
			for _, tok := range live {
				if _, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccessToken, error) {
					return tx.Tokens().FindTokenByHash(t.Context(), tok.Hash)
				}); err != nil {
					t.Errorf("live token expiring %v: %v", tok.ExpiresAt, err)
				}
			}
			n = mustChange(t, s, func(tx gatehouse.Tx) (int64, error) {
				return tx.Tokens().DeleteExpiredTokens(t.Context(), t0)
			})
			if n != 0 {
				t.Errorf("second DeleteExpiredTokens = %d, want 0", n)
			}
		}},
	})
}
