package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func testLoginAttempts(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFindNewestFirst", func(t *testing.T, s gatehouse.Store) {
			var want []*gatehouse.LoginAttempt
			for i := range 5 {
				a := &gatehouse.LoginAttempt{
					At: t0.Add(time.Duration(i) * time.Minute), IP: fmt.Sprintf("192.0.2.%d", i+1), UserAgent: "curl/8.5.0",
					Kind: gatehouse.LoginToken, Email: fmt.Sprintf("nobody%d@example.com", i), Reason: "invalid api key",
				}
				if i == 3 {
					a.IP, a.UserAgent, a.Kind, a.Email, a.Reason = "2001:db8::1", "", gatehouse.LoginConsole, "", "throttled"
				}
				mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Logins().CreateLoginAttempt(t.Context(), a) })
				if a.ID == 0 || len(want) > 0 && a.ID <= want[len(want)-1].ID {
					t.Fatalf("CreateLoginAttempt id %d after %v; want increasing non-zero ids", a.ID, ids(want, attemptID))
				}
				want = append(want, a)
			}
			slices.Reverse(want)
			wantEqual(t, "FindLoginAttempts(10)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.LoginAttempt, error) {
				return tx.Logins().FindLoginAttempts(t.Context(), 10)
			}), want)
			wantEqual(t, "FindLoginAttempts(2)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.LoginAttempt, error) {
				return tx.Logins().FindLoginAttempts(t.Context(), 2)
			}), want[:2])
		}},
		{"None", func(t *testing.T, s gatehouse.Store) {
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.LoginAttempt, error) {
				return tx.Logins().FindLoginAttempts(t.Context(), 10)
			}); got == nil || len(got) != 0 {
				t.Errorf("FindLoginAttempts on an empty store = %s, want an empty slice", show(got))
			}
		}},
		{"DeleteBefore", func(t *testing.T, s gatehouse.Store) {
			var last *gatehouse.LoginAttempt
			for i := range 4 {
				last = &gatehouse.LoginAttempt{At: t0.Add(time.Duration(i) * time.Hour), IP: "192.0.2.1", Kind: gatehouse.LoginToken, Reason: "invalid api key"}
				mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Logins().CreateLoginAttempt(t.Context(), last) })
			}
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				return tx.Logins().DeleteLoginAttemptsBefore(t.Context(), t0.Add(2*time.Hour))
			})
			got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.LoginAttempt, error) {
				return tx.Logins().FindLoginAttempts(t.Context(), 10)
			})
			if len(got) != 2 || !got[0].At.Equal(t0.Add(3*time.Hour)) || !got[1].At.Equal(t0.Add(2*time.Hour)) {
				t.Fatalf("after DeleteLoginAttemptsBefore(t0+2h): %s, want the attempts at t0+3h and t0+2h", show(got))
			}
			// Ids are never reused, even once the newest rows are gone.
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				return tx.Logins().DeleteLoginAttemptsBefore(t.Context(), t0.Add(24*time.Hour))
			})
			a := &gatehouse.LoginAttempt{At: t0, IP: "192.0.2.1", Kind: gatehouse.LoginToken, Reason: "invalid api key"}
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Logins().CreateLoginAttempt(t.Context(), a) })
			if a.ID <= last.ID {
				t.Errorf("id %d after deleting id %d: ids must never be reused", a.ID, last.ID)
			}
		}},
	})
}

func attemptID(a *gatehouse.LoginAttempt) int64 { return a.ID }
