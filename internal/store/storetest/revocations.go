package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func revSeq(r gatehouse.Revocation) int64 { return r.Seq }

// logEvents returns the whole revocation log in order.
func logEvents(t *testing.T, s gatehouse.Store) []gatehouse.Revocation {
	t.Helper()
	evs, _ := readLog(t, s, gatehouse.RevocationPos{}, -1)
	return evs
}

func readLog(t *testing.T, s gatehouse.Store, after gatehouse.RevocationPos, limit int) ([]gatehouse.Revocation, int64) {
	t.Helper()
	var evs []gatehouse.Revocation
	var h int64
	err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		var err error
		evs, h, err = tx.Revocations().FindRevocationsAfter(t.Context(), after, limit)
		return err
	})
	if err != nil {
		t.Fatalf("FindRevocationsAfter(%+v, %d): %v", after, limit, err)
	}
	return evs, h
}

func posLess(a, b gatehouse.RevocationPos) bool {
	return a.Tx < b.Tx || (a.Tx == b.Tx && a.Seq < b.Seq)
}

// A Tailer reads the revocation log the way every node's feed does
// (gatehouse.RevocationStore): from its horizon on, in pages, then on from
// the horizon of its first page. Seen holds each event it saw, once, in the
// order it saw them; Late counts those that showed up after an event with a
// higher Seq (a writer that committed late), which a tailer following
// "Seq > the last one seen" would have skipped.
type Tailer struct {
	S       gatehouse.Store
	Limit   int // page size (default 1000)
	horizon int64
	seen    map[int64]bool
	maxSeq  int64
	Seen    []gatehouse.Revocation
	Late    int
}

// Missed returns the seqs of committed that the tailer has not seen.
func (r *Tailer) Missed(committed []int64) []int64 {
	var missed []int64
	for _, seq := range committed {
		if !r.seen[seq] {
			missed = append(missed, seq)
		}
	}
	return missed
}

// Start sets the tailer's horizon from the store.
func (r *Tailer) Start(t testing.TB) {
	t.Helper()
	err := r.S.View(t.Context(), func(tx gatehouse.Tx) error {
		var err error
		r.horizon, err = tx.Revocations().RevocationHorizon(t.Context())
		return err
	})
	if err != nil {
		t.Fatalf("RevocationHorizon: %v", err)
	}
}

// Poll reads what is new and returns how many new events it saw.
func (r *Tailer) Poll(t testing.TB) int {
	t.Helper()
	if r.seen == nil {
		r.seen = make(map[int64]bool)
	}
	limit := r.Limit
	if limit == 0 {
		limit = 1000
	}
	after := gatehouse.RevocationPos{Tx: r.horizon}
	next, n := int64(-1), 0
	for {
		var evs []gatehouse.Revocation
		var h int64
		err := r.S.View(t.Context(), func(tx gatehouse.Tx) error {
			var err error
			evs, h, err = tx.Revocations().FindRevocationsAfter(t.Context(), after, limit)
			return err
		})
		if err != nil {
			t.Fatalf("FindRevocationsAfter(%+v): %v", after, err)
		}
		if next < 0 {
			next = h
		}
		for i, ev := range evs {
			if i > 0 && !posLess(evs[i-1].Pos(), ev.Pos()) {
				t.Fatalf("FindRevocationsAfter returned %+v after %+v: not in (Tx, Seq) order", ev.Pos(), evs[i-1].Pos())
			}
			if !posLess(after, ev.Pos()) {
				t.Fatalf("FindRevocationsAfter(%+v) returned %+v, not after it", after, ev.Pos())
			}
			if r.seen[ev.Seq] {
				continue
			}
			r.seen[ev.Seq] = true
			r.Seen = append(r.Seen, ev)
			n++
			if ev.Seq < r.maxSeq {
				r.Late++
			}
			r.maxSeq = max(r.maxSeq, ev.Seq)
		}
		if len(evs) < limit {
			break
		}
		after = evs[len(evs)-1].Pos()
	}
	r.horizon = next
	return n
}

// waitHorizonPast waits until the log's horizon is above tx. On PostgreSQL
// any transaction in flight on the server holds it back (tests of other
// packages run beside this one), so it may take a moment.
func waitHorizonPast(t *testing.T, s gatehouse.Store, tx int64) int64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, h := readLog(t, s, gatehouse.RevocationPos{}, 0)
		if h > tx {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log's horizon stayed at %d, not above %d, for 10s", h, tx)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

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
	find := func(t *testing.T, s gatehouse.Store, after gatehouse.RevocationPos, limit int) []gatehouse.Revocation {
		t.Helper()
		evs, _ := readLog(t, s, after, limit)
		return evs
	}
	subtests(t, open, []testCase{
		{"EmptyLog", func(t *testing.T, s gatehouse.Store) {
			h := mustFind(t, s, func(tx gatehouse.Tx) (int64, error) {
				return tx.Revocations().RevocationHorizon(t.Context())
			})
			if h <= 0 {
				t.Errorf("RevocationHorizon on empty log = %d, want > 0", h)
			}
			evs, h2 := readLog(t, s, gatehouse.RevocationPos{}, 10)
			if len(evs) != 0 {
				t.Errorf("FindRevocationsAfter on empty log = %s, want none", show(evs))
			}
			if h2 < h {
				t.Errorf("horizon of a later read = %d, want >= %d", h2, h)
			}
		}},
		{"OrderAndHorizon", func(t *testing.T, s gatehouse.Store) {
			h0 := mustFind(t, s, func(tx gatehouse.Tx) (int64, error) {
				return tx.Revocations().RevocationHorizon(t.Context())
			})
			rs := events()
			appendEvents(t, s, rs[:2]...)
			for _, r := range rs[2:] {
				appendEvents(t, s, r)
			}
			for i, r := range rs {
				if r.Seq <= 0 || (i > 0 && r.Seq <= rs[i-1].Seq) {
					t.Fatalf("seqs %v are not positive and increasing", ids(vals(rs), revSeq))
				}
				// The horizon before an append is at or below its Tx: a
				// reader that started there sees it.
				if r.Tx < h0 {
					t.Errorf("event %d: Tx %d below the horizon %d read before it was appended", i, r.Tx, h0)
				}
			}
			// One transaction's events are in order (PostgreSQL gives them
			// one Tx); each later commit's Tx is higher, one after another
			// on one connection.
			if rs[1].Tx < rs[0].Tx {
				t.Errorf("events of one transaction: Tx %d then %d", rs[0].Tx, rs[1].Tx)
			}
			for i := 2; i < len(rs); i++ {
				if rs[i].Tx <= rs[i-1].Tx {
					t.Errorf("event %d: Tx %d, not above the earlier commit's %d", i, rs[i].Tx, rs[i-1].Tx)
				}
			}
			// Once nothing older is in flight, the horizon is past them all.
			waitHorizonPast(t, s, rs[len(rs)-1].Tx)
		}},
		{"FindAfter", func(t *testing.T, s gatehouse.Store) {
			rs := events()
			appendEvents(t, s, rs[:3]...)
			appendEvents(t, s, rs[3:]...)
			all := vals(rs)
			wantEqual(t, "FindRevocationsAfter({}, 100)", find(t, s, gatehouse.RevocationPos{}, 100), all)
			wantEqual(t, "FindRevocationsAfter({}, 2)", find(t, s, gatehouse.RevocationPos{}, 2), all[:2])
			// A position inside a transaction's events, and at its end.
			wantEqual(t, "FindRevocationsAfter(pos1, 2)", find(t, s, all[1].Pos(), 2), all[2:4])
			wantEqual(t, "FindRevocationsAfter(pos2, 100)", find(t, s, all[2].Pos(), 100), all[3:])
			wantEqual(t, "FindRevocationsAfter(pos3, 100)", find(t, s, all[3].Pos(), 100), all[4:])
			// A horizon as the position: everything of that transaction on.
			wantEqual(t, "FindRevocationsAfter({Tx: tx3}, 100)", find(t, s, gatehouse.RevocationPos{Tx: all[3].Tx}, 100), all[3:])
			if got := find(t, s, all[4].Pos(), 100); len(got) != 0 {
				t.Errorf("FindRevocationsAfter(latest) = %s, want none", show(got))
			}
			// Paging through the log with a small limit sees every event once.
			var paged []gatehouse.Revocation
			for after := (gatehouse.RevocationPos{}); ; {
				page := find(t, s, after, 2)
				if len(page) == 0 {
					break
				}
				paged = append(paged, page...)
				after = page[len(page)-1].Pos()
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
			last := all[len(all)-1]
			// Strictly older than the cut-off goes; the event at it stays.
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				return tx.Revocations().DeleteRevocationsBefore(t.Context(), all[2].At)
			})
			wantEqual(t, "after DeleteRevocationsBefore(at[2])", find(t, s, gatehouse.RevocationPos{}, 100), all[2:])
			h := waitHorizonPast(t, s, last.Tx)
			// Pruning never moves the horizon back, nor lets a seq be
			// reused: a tailer that already read up to the last event must
			// see the next one.
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				return tx.Revocations().DeleteRevocationsBefore(t.Context(), t0.Add(24*time.Hour))
			})
			got, h2 := readLog(t, s, gatehouse.RevocationPos{}, 100)
			if len(got) != 0 {
				t.Errorf("after pruning everything: %s, want none", show(got))
			}
			if h2 < h {
				t.Errorf("horizon after pruning everything = %d, want >= %d", h2, h)
			}
			next := &gatehouse.Revocation{Kind: gatehouse.RevokeKey, SubjectID: 99, At: t0.Add(25 * time.Hour)}
			appendEvents(t, s, next)
			if next.Seq <= last.Seq || next.Tx < h {
				t.Errorf("event after pruning at %+v, want Seq > %d and Tx >= %d (never reused, never below the horizon)", next.Pos(), last.Seq, h)
			}
			wantEqual(t, "FindRevocationsAfter({Tx: horizon}) after pruning", find(t, s, gatehouse.RevocationPos{Tx: h}, 100), []gatehouse.Revocation{*next})
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
			wantEqual(t, "FindRevocationsAfter({})", find(t, s, gatehouse.RevocationPos{}, 100), all)
			wantEqual(t, "FindRevocationsAfter(pos1, 3)", find(t, s, all[1].Pos(), 3), all[2:5])
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				return tx.Revocations().DeleteRevocationsBefore(t.Context(), all[2].At)
			})
			wantEqual(t, "after DeleteRevocationsBefore", find(t, s, gatehouse.RevocationPos{}, 100), all[2:])
		}},
		{"LimitZeroAndNegative", func(t *testing.T, s gatehouse.Store) {
			rs := events()
			appendEvents(t, s, rs...)
			all := vals(rs)
			got, h := readLog(t, s, gatehouse.RevocationPos{}, 0)
			if len(got) != 0 {
				t.Errorf("FindRevocationsAfter({}, limit 0) = %s, want none", show(got))
			}
			if h <= 0 {
				t.Errorf("horizon with limit 0 = %d, want > 0", h)
			}
			wantEqual(t, "FindRevocationsAfter(pos0, limit -1)", find(t, s, all[0].Pos(), -1), all[1:])
		}},
		{"TailerSeesEveryCommittedEvent", func(t *testing.T, s gatehouse.Store) {
			// Writers append events, each holding its transaction open a
			// little after appending, while a tailer follows the horizon
			// the way every node does: it must see every committed event,
			// including those that commit after a later one.
			const writers, each = 6, 15
			var mu sync.Mutex
			var committed []int64
			done := make(chan struct{})
			tail := &Tailer{S: s, Limit: 7}
			tail.Start(t)
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
			for running := true; running; {
				select {
				case <-done:
					running = false
				default:
					tail.Poll(t)
				}
			}
			tail.Poll(t)
			if missed := tail.Missed(committed); len(missed) > 0 || len(tail.Seen) != len(committed) {
				t.Errorf("the tailer missed committed events %v (saw %d, %d committed)", missed, len(tail.Seen), len(committed))
			}
			t.Logf("%d events, %d of them committed after a later one", len(committed), tail.Late)
		}},
	})
}
