package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func testLogins(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFindNewestFirst", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			var wantA []*gatehouse.Login
			for i := range 5 {
				l := &gatehouse.Login{
					UserID: a.ID, At: t0.Add(time.Duration(i) * time.Minute),
					IP: fmt.Sprintf("192.0.2.%d", i+1), UserAgent: "curl/8.5.0",
					Kind: gatehouse.LoginToken, Success: i%2 == 0,
				}
				if !l.Success {
					l.Kind, l.Reason = gatehouse.LoginConsole, "bad password"
				}
				lb := &gatehouse.Login{UserID: b.ID, At: l.At, IP: "2001:db8::1", UserAgent: "", Kind: gatehouse.LoginConsole, Success: true}
				mustUpdate(t, s, func(tx gatehouse.Tx) error {
					if err := tx.Logins().CreateLogin(t.Context(), l); err != nil {
						return err
					}
					return tx.Logins().CreateLogin(t.Context(), lb)
				})
				if l.ID == 0 || lb.ID == 0 || l.ID == lb.ID {
					t.Fatalf("CreateLogin ids = %d, %d; want distinct non-zero", l.ID, lb.ID)
				}
				wantA = append(wantA, l)
			}
			slices.Reverse(wantA)
			wantEqual(t, "FindLoginsByUser(a, 10)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.Login, error) {
				return tx.Logins().FindLoginsByUser(t.Context(), a.ID, 10)
			}), wantA)
			wantEqual(t, "FindLoginsByUser(a, 2)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.Login, error) {
				return tx.Logins().FindLoginsByUser(t.Context(), a.ID, 2)
			}), wantA[:2])
			wantEqual(t, "FindLoginsByUser(a, 5)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.Login, error) {
				return tx.Logins().FindLoginsByUser(t.Context(), a.ID, 5)
			}), wantA)
			for _, l := range mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.Login, error) {
				return tx.Logins().FindLoginsByUser(t.Context(), b.ID, 10)
			}) {
				if l.UserID != b.ID {
					t.Errorf("FindLoginsByUser(b) returned a login of user %d", l.UserID)
				}
			}
			if n := len(mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.Login, error) {
				return tx.Logins().FindLoginsByUser(t.Context(), b.ID, 10)
			})); n != 5 {
				t.Errorf("FindLoginsByUser(b) returned %d logins, want 5", n)
			}
		}},
		{"NoneForUser", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.Login, error) {
				return tx.Logins().FindLoginsByUser(t.Context(), u.ID, 10)
			}); len(got) != 0 {
				t.Errorf("FindLoginsByUser(no logins) = %s, want none", show(got))
			}
		}},
	})
}
