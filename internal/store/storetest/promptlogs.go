package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func promptLogID(l *gatehouse.PromptLog) int64 { return l.ID }

func testPromptLogs(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFindNewestFirst", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			var wantA, wantB []*gatehouse.PromptLog
			for i := range 5 {
				la := &gatehouse.PromptLog{
					UserID: a.ID, SessionID: fmt.Sprintf("session-%d", i%2), At: t0.Add(time.Duration(i) * time.Minute),
					Prompt: fmt.Sprintf("prompt %d — ü", i), Completion: fmt.Sprintf("completion %d\n", i), Model: "llama3.1:8b",
					PromptTokens: 10 + i, CompletionTokens: 20 + i, TotalTokens: 30 + 2*i, IP: "192.0.2.7",
				}
				lb := &gatehouse.PromptLog{UserID: b.ID, At: la.At, Prompt: "b", Completion: "", Model: "m", IP: "2001:db8::2"}
				mustUpdate(t, s, func(tx gatehouse.Tx) error {
					if err := tx.PromptLogs().CreatePromptLog(t.Context(), la); err != nil {
						return err
					}
					return tx.PromptLogs().CreatePromptLog(t.Context(), lb)
				})
				if la.ID == 0 || lb.ID == 0 || la.ID == lb.ID {
					t.Fatalf("CreatePromptLog ids = %d, %d; want distinct non-zero", la.ID, lb.ID)
				}
				wantA, wantB = append(wantA, la), append(wantB, lb)
			}
			slices.Reverse(wantA)
			slices.Reverse(wantB)
			wantEqual(t, "FindPromptLogsByUser(a, 10)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.PromptLog, error) {
				return tx.PromptLogs().FindPromptLogsByUser(t.Context(), a.ID, 0, 10)
			}), wantA)
			wantEqual(t, "FindPromptLogsByUser(a, 5)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.PromptLog, error) {
				return tx.PromptLogs().FindPromptLogsByUser(t.Context(), a.ID, 0, 5)
			}), wantA)
			wantEqual(t, "FindPromptLogsByUser(a, 2)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.PromptLog, error) {
				return tx.PromptLogs().FindPromptLogsByUser(t.Context(), a.ID, 0, 2)
			}), wantA[:2])
			wantEqual(t, "FindPromptLogsByUser(a, 1)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.PromptLog, error) {
				return tx.PromptLogs().FindPromptLogsByUser(t.Context(), a.ID, 0, 1)
			}), wantA[:1])
			wantEqual(t, "FindPromptLogsByUser(b, 10)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.PromptLog, error) {
				return tx.PromptLogs().FindPromptLogsByUser(t.Context(), b.ID, 0, 10)
			}), wantB)
			got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.PromptLog, error) {
				return tx.PromptLogs().FindPromptLogsByUser(t.Context(), a.ID, 0, 10)
			})
			if !slices.IsSortedFunc(got, func(x, y *gatehouse.PromptLog) int { return cmp.Compare(y.ID, x.ID) }) {
				t.Errorf("FindPromptLogsByUser(a) ids %v not newest first", ids(got, promptLogID))
			}
			// Pages: each starts before the last row of the one before.
			var paged []*gatehouse.PromptLog
			for before := int64(0); ; {
				page := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.PromptLog, error) {
					return tx.PromptLogs().FindPromptLogsByUser(t.Context(), a.ID, before, 2)
				})
				if len(page) == 0 {
					break
				}
				paged = append(paged, page...)
				before = page[len(page)-1].ID
			}
			wantEqual(t, "FindPromptLogsByUser(a) in pages of 2", paged, wantA)
			wantEqual(t, "FindPromptLogsByUser(a, before the third)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.PromptLog, error) {
				return tx.PromptLogs().FindPromptLogsByUser(t.Context(), a.ID, wantA[2].ID, 10)
			}), wantA[3:])
			wantEqual(t, "FindPromptLogsByUser(b, before a's newest)", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.PromptLog, error) {
				return tx.PromptLogs().FindPromptLogsByUser(t.Context(), b.ID, wantA[0].ID, 10)
			}), wantB[1:])
		}},
		{"NoneForUser", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				return tx.PromptLogs().CreatePromptLog(t.Context(), &gatehouse.PromptLog{UserID: b.ID, At: t0, Prompt: "p", Model: "m"})
			})
			for _, id := range []int64{a.ID, 1 << 40} {
				if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.PromptLog, error) {
					return tx.PromptLogs().FindPromptLogsByUser(t.Context(), id, 0, 10)
				}); len(got) != 0 {
					t.Errorf("FindPromptLogsByUser(%d) = %s, want none", id, show(got))
				}
			}
		}},
	})
}
