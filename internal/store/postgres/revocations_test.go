package postgres_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// TestRevocationLateCommitAcrossNodes is the case the revocation log's order
// exists for: node A appends an event and keeps its transaction open; node
// B appends a later one and commits at once (revokers do not take turns: on
// the old code B waited for A's append lock, and this test ran into its
// deadline); a tailer on a third node reads B's event. When A then commits,
// the tailer must still get A's event, whose Seq is below the one it
// already saw (a tailer following "Seq > the last one" skips it for good).
func TestRevocationLateCommitAcrossNodes(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t)
	a, b, c := openStore(t, dsn, postgres.Options{MaxConns: 2}), openStore(t, dsn, postgres.Options{MaxConns: 2}), openStore(t, dsn, postgres.Options{MaxConns: 2})
	ctx := t.Context()
	tail := &storetest.Tailer{S: c}
	tail.Start(t)

	late := &gatehouse.Revocation{Kind: gatehouse.RevokeKey, SubjectID: 1, At: t0}
	early := &gatehouse.Revocation{Kind: gatehouse.RevokeKey, SubjectID: 2, At: t0}
	appended, bDone, release := make(chan struct{}), make(chan error, 1), make(chan struct{})
	aDone := make(chan error, 1)
	go func() {
		aDone <- a.Update(ctx, func(tx gatehouse.Tx) error {
			if err := tx.Revocations().CreateRevocation(ctx, late); err != nil {
				return err
			}
			close(appended)
			<-release
			return nil
		})
	}()
	<-appended
	go func() {
		bDone <- b.Update(ctx, func(tx gatehouse.Tx) error { return tx.Revocations().CreateRevocation(ctx, early) })
	}()
	select {
	case err := <-bDone:
		if err != nil {
			t.Fatalf("node B's append: %v", err)
		}
	case <-time.After(5 * time.Second):
		close(release)
		t.Fatal("node B's append waited for node A's open transaction")
	}
	if late.Seq >= early.Seq {
		t.Fatalf("seqs: A %d, B %d; the test needs A's below B's", late.Seq, early.Seq)
	}
	if n := tail.Poll(t); n != 1 || tail.Seen[0].Seq != early.Seq {
		t.Fatalf("with A in flight the tailer saw %+v, want B's event alone", tail.Seen)
	}
	close(release)
	if err := <-aDone; err != nil {
		t.Fatalf("node A's append: %v", err)
	}
	if n := tail.Poll(t); n != 1 || tail.Seen[1].Seq != late.Seq {
		t.Fatalf("after A committed the tailer saw %+v, want A's event next", tail.Seen)
	}
	if tail.Late != 1 {
		t.Errorf("tailer counted %d late events, want 1", tail.Late)
	}
	// Nothing more, however often it polls.
	if n := tail.Poll(t); n != 0 {
		t.Errorf("a third poll saw %d new events, want 0", n)
	}
}

// TestRevocationsTwoNodesConcurrent: writers on two nodes append events side
// by side, each transaction held open a little; a tailer on each node sees
// every committed event exactly once.
func TestRevocationsTwoNodesConcurrent(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t)
	nodes := []*postgres.Store{openStore(t, dsn, postgres.Options{MaxConns: 4}), openStore(t, dsn, postgres.Options{MaxConns: 4})}
	ctx := t.Context()
	tails := []*storetest.Tailer{{S: nodes[0], Limit: 5}, {S: nodes[1], Limit: 5}}
	for _, tl := range tails {
		tl.Start(t)
	}
	const writers, each = 8, 25
	var mu sync.Mutex
	var committed []int64
	var wg sync.WaitGroup
	for w := range writers {
		s := nodes[w%2]
		wg.Go(func() {
			for i := range each {
				r := &gatehouse.Revocation{Kind: gatehouse.RevokeKey, SubjectID: int64(w*1000 + i), At: t0}
				err := s.Update(ctx, func(tx gatehouse.Tx) error {
					if err := tx.Revocations().CreateRevocation(ctx, r); err != nil {
						return err
					}
					time.Sleep(time.Duration((w*7+i*3)%5) * time.Millisecond)
					if i%9 == 4 {
						return errors.New("roll back") // leaves a gap in the seqs
					}
					return nil
				})
				if err != nil {
					continue
				}
				mu.Lock()
				committed = append(committed, r.Seq)
				mu.Unlock()
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		for _, tl := range tails {
			tl.Poll(t)
		}
	}
	for i, tl := range tails {
		tl.Poll(t)
		if missed := tl.Missed(committed); len(missed) > 0 || len(tl.Seen) != len(committed) {
			t.Errorf("node %d's tailer missed %v (saw %d, %d committed)", i, missed, len(tl.Seen), len(committed))
		}
		t.Logf("node %d: %d events, %d committed after a later one", i, len(tl.Seen), tl.Late)
	}
}
