package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func revSeq(r gatehouse.Revocation) int64 { return r.Seq }

func testRevocations(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	appendEvents := func(t *testing.T, s gatehouse.Store, rs ...*gatehouse.Revocation) {
		t.Helper()
		mustUpdate(t, s, func(tx gatehouse.Tx) error {
			for _, r := range rs {
				if err := tx.Revocations().CreateRevocation(t.Context(), r); err != nil {
					return err
				}
			}
			return nil
		})
	}
	events := func() []*gatehouse.Revocation {
		return []*gatehouse.Revocation{
			{Kind: gatehouse.RevokeKey, SubjectID: 11, At: t0},
			{Kind: gatehouse.RevokeUser, SubjectID: 3, At: t0.Add(time.Second)},
			{Kind: gatehouse.RevokeKey, SubjectID: 12, At: t0.Add(time.Minute)},
			{Kind: gatehouse.RevokeKey, SubjectID: 13, At: t0.Add(time.Hour)},
			{Kind: gatehouse.RevokeUser, SubjectID: 4, At: t0.Add(2 * time.Hour)},
		}
	}
	vals := func(rs []*gatehouse.Revocation) []gatehouse.Revocation {
		out := make([]gatehouse.Revocation, 0, len(rs))
		for _, r := range rs {
			out = append(out, *r)
		}
		return out
	}
	subtests(t, open, []testCase{
		{"LatestSeqEmpty", func(t *testing.T, s gatehouse.Store) {
			if got := mustFind(t, s, func(tx gatehouse.Tx) (int64, error) {
				return tx.Revocations().LatestRevocationSeq(t.Context())
			}); got != 0 {
				t.Errorf("LatestRevocationSeq on empty log = %d, want 0", got)
			}
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
				return tx.Revocations().FindRevocationsAfter(t.Context(), 0, 10)
			}); len(got) != 0 {
				t.Errorf("FindRevocationsAfter on empty log = %s, want none", show(got))
			}
		}},
		{"SeqIncreases", func(t *testing.T, s gatehouse.Store) {
			rs := events()
			appendEvents(t, s, rs[:2]...)
			for _, r := range rs[2:] {
				appendEvents(t, s, r)
			}
			for i, r := range rs {
				if r.Seq <= 0 || (i > 0 && r.Seq <= rs[i-1].Seq) {
					t.Fatalf("seqs %v are not positive and increasing", ids(vals(rs), revSeq))
				}
			}
			if got, want := mustFind(t, s, func(tx gatehouse.Tx) (int64, error) {
				return tx.Revocations().LatestRevocationSeq(t.Context())
			}), rs[len(rs)-1].Seq; got != want {
				t.Errorf("LatestRevocationSeq = %d, want %d", got, want)
			}
		}},
		{"FindAfter", func(t *testing.T, s gatehouse.Store) {
			rs := events()
			appendEvents(t, s, rs...)
			all := vals(rs)
			wantEqual(t, "FindRevocationsAfter(0, 100)", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
				return tx.Revocations().FindRevocationsAfter(t.Context(), 0, 100)
			}), all)
			wantEqual(t, "FindRevocationsAfter(0, 2)", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
				return tx.Revocations().FindRevocationsAfter(t.Context(), 0, 2)
			}), all[:2])
			wantEqual(t, "FindRevocationsAfter(seq1, 2)", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
				return tx.Revocations().FindRevocationsAfter(t.Context(), all[1].Seq, 2)
			}), all[2:4])
			wantEqual(t, "FindRevocationsAfter(seq3, 100)", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
				return tx.Revocations().FindRevocationsAfter(t.Context(), all[3].Seq, 100)
			}), all[4:])
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
				return tx.Revocations().FindRevocationsAfter(t.Context(), all[4].Seq, 100)
			}); len(got) != 0 {
				t.Errorf("FindRevocationsAfter(latest) = %s, want none", show(got))
			}
			// Paging through the log with a small limit sees every event once.
			var paged []gatehouse.Revocation
			for seq := int64(0); ; {
				page := mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
					return tx.Revocations().FindRevocationsAfter(t.Context(), seq, 2)
				})
				if len(page) == 0 {
					break
				}
				paged = append(paged, page...)
				seq = page[len(page)-1].Seq
				if len(paged) > len(all) {
					break
				}
			}
			wantEqual(t, "paged FindRevocationsAfter", paged, all)
		}},
		{"DeleteBefore", func(t *testing.T, s gatehouse.Store) {
			rs := events()
			appendEvents(t, s, rs...)
			all := vals(rs)
			last := all[len(all)-1].Seq
			// Strictly older than the cut-off goes; the event at it stays.
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				return tx.Revocations().DeleteRevocationsBefore(t.Context(), all[2].At)
			})
			wantEqual(t, "after DeleteRevocationsBefore(at[2])", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
				return tx.Revocations().FindRevocationsAfter(t.Context(), 0, 100)
			}), all[2:])
			if got := mustFind(t, s, func(tx gatehouse.Tx) (int64, error) {
				return tx.Revocations().LatestRevocationSeq(t.Context())
			}); got != last {
				t.Errorf("LatestRevocationSeq after pruning = %d, want %d", got, last)
			}
			// Pruning never lets a seq be reused: a tailer that already read
			// up to the last event must see the next one.
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				return tx.Revocations().DeleteRevocationsBefore(t.Context(), t0.Add(24*time.Hour))
			})
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
				return tx.Revocations().FindRevocationsAfter(t.Context(), 0, 100)
			}); len(got) != 0 {
				t.Errorf("after pruning everything: %s, want none", show(got))
			}
			next := &gatehouse.Revocation{Kind: gatehouse.RevokeKey, SubjectID: 99, At: t0.Add(25 * time.Hour)}
			appendEvents(t, s, next)
			if next.Seq <= last {
				t.Errorf("seq after pruning = %d, want > %d (seqs must never be reused)", next.Seq, last)
			}
			wantEqual(t, "FindRevocationsAfter(last) after pruning", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
				return tx.Revocations().FindRevocationsAfter(t.Context(), last, 100)
			}), []gatehouse.Revocation{*next})
		}},
		{"StringSubjects", func(t *testing.T, s gatehouse.Store) {
			app := appIDs(1)[0]
			rs := []*gatehouse.Revocation{
				{Kind: gatehouse.RevokeApp, Subject: app, At: t0},
				{Kind: gatehouse.RevokeKey, SubjectID: 11, At: t0.Add(time.Second)},
				{Kind: gatehouse.RevokeAppKey, Subject: keyIDs("app_", 1)[0], At: t0.Add(2 * time.Second)},
				{Kind: gatehouse.RevokeUser, SubjectID: 1 << 40, At: t0.Add(3 * time.Second)},
				{Kind: gatehouse.RevokeAccountKey, Subject: keyIDs("act_", 1)[0], At: t0.Add(4 * time.Second)},
				// The same app revoked again is a new event.
				{Kind: gatehouse.RevokeApp, Subject: app, At: t0.Add(5 * time.Second)},
			}
			appendEvents(t, s, rs[:3]...)
			appendEvents(t, s, rs[3:]...)
			for i, r := range rs {
				if r.Seq <= 0 || (i > 0 && r.Seq <= rs[i-1].Seq) {
					t.Fatalf("seqs %v are not positive and increasing", ids(vals(rs), revSeq))
				}
			}
			all := vals(rs)
			wantEqual(t, "FindRevocationsAfter(0)", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
				return tx.Revocations().FindRevocationsAfter(t.Context(), 0, 100)
			}), all)
			wantEqual(t, "FindRevocationsAfter(seq1, 3)", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
				return tx.Revocations().FindRevocationsAfter(t.Context(), all[1].Seq, 3)
			}), all[2:5])
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				return tx.Revocations().DeleteRevocationsBefore(t.Context(), all[2].At)
			})
			wantEqual(t, "after DeleteRevocationsBefore", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
				return tx.Revocations().FindRevocationsAfter(t.Context(), 0, 100)
			}), all[2:])
		}},
		{"LimitZeroAndNegative", func(t *testing.T, s gatehouse.Store) {
			rs := events()
			appendEvents(t, s, rs...)
			all := vals(rs)
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
				return tx.Revocations().FindRevocationsAfter(t.Context(), 0, 0)
			}); len(got) != 0 {
				t.Errorf("FindRevocationsAfter(0, limit 0) = %s, want none", show(got))
			}
			wantEqual(t, "FindRevocationsAfter(seq0, limit -1)", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
				return tx.Revocations().FindRevocationsAfter(t.Context(), all[0].Seq, -1)
			}), all[1:])
		}},
		{"TailerSeesEveryCommittedEvent", func(t *testing.T, s gatehouse.Store) {
			// Writers append events, each holding its transaction open a
			// little after drawing a seq, while a tailer reads seq > last
			// the way every node does: seqs must become visible in order,
			// or the tailer moves past one that commits later.
			const writers, each = 6, 15
			var mu sync.Mutex
			var committed []int64
			done := make(chan struct{})
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := range each {
						r := &gatehouse.Revocation{Kind: gatehouse.RevokeKey, SubjectID: int64(w*1000 + i), At: t0}
						err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
							if err := tx.Revocations().CreateRevocation(t.Context(), r); err != nil {
								return err
							}
							time.Sleep(time.Duration((w*7+i*3)%4) * time.Millisecond)
							return nil
						})
						if err != nil {
							t.Errorf("CreateRevocation: %v", err)
							continue
						}
						mu.Lock()
						committed = append(committed, r.Seq)
						mu.Unlock()
					}
				})
			}
			go func() { wg.Wait(); close(done) }()
			var seen []int64
			var last int64
			poll := func() {
				for _, ev := range mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.Revocation, error) {
					return tx.Revocations().FindRevocationsAfter(t.Context(), last, 1000)
				}) {
					seen = append(seen, ev.Seq)
					last = ev.Seq
				}
			}
			for running := true; running; {
				select {
				case <-done:
					running = false
				default:
					poll()
				}
			}
			poll()
			slices.Sort(committed)
			if !slices.Equal(seen, committed) {
				var missed []int64
				for _, seq := range committed {
					if !slices.Contains(seen, seq) {
						missed = append(missed, seq)
					}
				}
				t.Errorf("the tailer missed committed events %v (saw %d of %d)", missed, len(seen), len(committed))
			}
		}},
	})
}
