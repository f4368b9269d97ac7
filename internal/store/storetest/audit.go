package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func newAuditEvent(typ gatehouse.AuditType, actor, email string, at time.Time) *gatehouse.AuditEvent {
	return &gatehouse.AuditEvent{At: at, Type: typ, Actor: actor, Subject: email, Email: email, IP: "192.0.2.1",
		RequestID: "0123456789abcdef", Outcome: "success", Detail: "d"}
}

func testAudit(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFilter", func(t *testing.T, s gatehouse.Store) {
			evs := []*gatehouse.AuditEvent{
				newAuditEvent(gatehouse.AuditSignup, "", "A@Example.com", t0),
				newAuditEvent(gatehouse.AuditActivate, gatehouse.AuditActorCLI, "a@example.com", t0.Add(time.Minute)),
				newAuditEvent(gatehouse.AuditKeyCreate, "b@example.com", "b@example.com", t0.Add(2*time.Minute)),
				newAuditEvent(gatehouse.AuditActivate, "a@example.com", "b@example.com", t0.Add(3*time.Minute)),
			}
			for _, e := range evs {
				mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Audit().CreateAuditEvent(t.Context(), e) })
				if e.ID == 0 {
					t.Fatal("CreateAuditEvent left the id zero")
				}
			}
			findIDs := func(f gatehouse.AuditFilter) []int64 {
				got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AuditEvent, error) {
					return tx.Audit().FindAuditEvents(t.Context(), f)
				})
				return ids(got, func(e *gatehouse.AuditEvent) int64 { return e.ID })
			}
			all := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AuditEvent, error) {
				return tx.Audit().FindAuditEvents(t.Context(), gatehouse.AuditFilter{})
			})
			wantEqual(t, "every event, oldest first", all, evs)
			for _, c := range []struct {
				what string
				f    gatehouse.AuditFilter
				want []*gatehouse.AuditEvent
			}{
				{"by e-mail (the account or the actor, any case)", gatehouse.AuditFilter{Email: "a@EXAMPLE.com"}, []*gatehouse.AuditEvent{evs[0], evs[1], evs[3]}},
				{"since (inclusive)", gatehouse.AuditFilter{Since: t0.Add(2 * time.Minute)}, evs[2:]},
				{"until (exclusive)", gatehouse.AuditFilter{Until: t0.Add(2 * time.Minute)}, evs[:2]},
				{"by type", gatehouse.AuditFilter{Type: gatehouse.AuditActivate}, []*gatehouse.AuditEvent{evs[1], evs[3]}},
				{"limit", gatehouse.AuditFilter{Limit: 1}, evs[:1]},
				{"all together", gatehouse.AuditFilter{Email: "b@example.com", Type: gatehouse.AuditActivate, Since: t0}, evs[3:]},
			} {
				want := ids(c.want, func(e *gatehouse.AuditEvent) int64 { return e.ID })
				wantEqual(t, c.what, findIDs(c.f), want)
			}
			if got := findIDs(gatehouse.AuditFilter{Email: "nobody@example.com"}); len(got) != 0 {
				t.Errorf("an e-mail with no events: %v", got)
			}
		}},
		{"RolledBackLeavesNone", func(t *testing.T, s gatehouse.Store) {
			boom := errors.New("boom")
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
				if err := tx.Audit().CreateAuditEvent(t.Context(), newAuditEvent(gatehouse.AuditSignup, "", "a@example.com", t0)); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("Update: %v", err)
			}
			got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AuditEvent, error) {
				return tx.Audit().FindAuditEvents(t.Context(), gatehouse.AuditFilter{})
			})
			if len(got) != 0 {
				t.Fatalf("a rolled-back event was kept: %v", show(got))
			}
		}},
		{"DeleteBefore", func(t *testing.T, s gatehouse.Store) {
			for i := range 4 {
				e := newAuditEvent(gatehouse.AuditSignup, "", "a@example.com", t0.Add(time.Duration(i)*time.Hour))
				mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Audit().CreateAuditEvent(t.Context(), e) })
			}
			n := mustChange(t, s, func(tx gatehouse.Tx) (int64, error) {
				return tx.Audit().DeleteAuditEventsBefore(t.Context(), t0.Add(2*time.Hour))
			})
			if n != 2 {
				t.Errorf("DeleteAuditEventsBefore deleted %d, want 2", n)
			}
			got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AuditEvent, error) {
				return tx.Audit().FindAuditEvents(t.Context(), gatehouse.AuditFilter{})
			})
			if len(got) != 2 || !got[0].At.Equal(t0.Add(2*time.Hour)) {
				t.Errorf("left %s", show(got))
			}
		}},
	})
}
