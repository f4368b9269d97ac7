package sqlite

import (
	"context"
	"fmt"
	"sync"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/dberr"
)

// Group commit: Updates that wait for the writer while another runs share
// one transaction, and so one COMMIT and one fsync.
//
// Why: with synchronous=FULL (docs/security.md 24) every COMMIT waits for
// an fsync of the WAL, and the one writer connection holds each Update's
// transaction through it. Token exchanges from 32 clients then ran one
// fsync apart: 744-1,600 a second on this machine's disk, the commit's
// fsync 28 % of serve's CPU samples and most of its wall time (pprof of
// bench/gatebench's exchange scenario). Sharing the fsync is the standard
// cure (PostgreSQL's commit_delay, InnoDB's group commit); here it needs
// no delay, since the Updates that queue behind a commit are the batch.
//
// How (hard to undo, so written down):
//   - Callers queue. The first finds no leader and leads: it takes every
//     queued Update (up to maxBatch), runs the batch, and hands the lead
//     to the next queued caller, if any, so that no caller serves others
//     for ever. A batch of one runs exactly as an Update always did (run).
//   - A batch of more runs in one BEGIN IMMEDIATE transaction, each fn
//     inside a SAVEPOINT of its own: a fn that fails (or panics) is rolled
//     back to its savepoint, and only its caller gets the error (or the
//     panic, re-raised on the caller's goroutine). The rest commit
//     together. Each caller returns only once that COMMIT, and its fsync,
//     is done: an Update that returns nil is as durable as before, and
//     one that returns an error committed nothing.
//   - fns run one after another, each seeing the writes of those before
//     it, as if the Updates had run in that order: the same serial order
//     one writer gave them.
//   - A batch's statements run under each caller's context without its
//     cancellation, checked before every statement (as the readers' are,
//     readers.go): SQLite rolls back a whole transaction when a write
//     statement is interrupted, and one caller's hang-up must not undo the
//     others'. A caller whose context ends while it waits is skipped, with
//     its context's error.
//   - Anything that ends the shared transaction itself (a savepoint that
//     will not roll back or release, an I/O error or a full disk that made
//     SQLite roll back on its own, a failed COMMIT) fails every Update of
//     the batch: none is acknowledged, so none is lost.
type committer struct {
	mu      sync.Mutex
	queue   []*commitReq
	leading bool
}

// maxBatch bounds the Updates one transaction carries, so that a caller
// waits for at most that many fns before its commit.
const maxBatch = 64

// commitReq is one Update waiting for the writer.
type commitReq struct {
	ctx context.Context
	fn  func(gatehouse.Tx) error

	// wake is closed once: when err (or panicked) is set, or when lead is
	// set, making the waiter the next leader.
	wake     chan struct{}
	lead     bool
	err      error
	panicked any
}

// update runs fn through the committer (see above).
func (s *Store) update(ctx context.Context, fn func(gatehouse.Tx) error) error {
	req := &commitReq{ctx: ctx, fn: fn, wake: make(chan struct{})}
	c := &s.commit
	c.mu.Lock()
	c.queue = append(c.queue, req)
	lead := !c.leading
	c.leading = true
	c.mu.Unlock()
	if !lead {
		<-req.wake
		if !req.lead {
			return req.result()
		}
	}
	c.mu.Lock()
	n := min(len(c.queue), maxBatch)
	batch := make([]*commitReq, n)
	copy(batch, c.queue)
	c.queue = append(c.queue[:0], c.queue[n:]...)
	c.mu.Unlock()

	s.lead(batch, req)
	return req.result()
}

// lead runs batch, then hands the lead on and wakes the batch's callers
// but self. It does the second even when a fn ends this goroutine with
// runtime.Goexit (a test's t.FailNow inside an Update), which no recover
// sees: then no caller of the batch is told it committed, and none waits
// for ever.
func (s *Store) lead(batch []*commitReq, self *commitReq) {
	finished := false
	defer func() {
		if !finished {
			for _, r := range batch {
				if r.panicked == nil {
					r.err = gatehouse.CodeErr(gatehouse.EUNAVAILABLE)
				}
			}
		}
		c := &s.commit
		c.mu.Lock()
		if len(c.queue) > 0 {
			next := c.queue[0]
			next.lead = true
			close(next.wake)
		} else {
			c.leading = false
		}
		c.mu.Unlock()
		for _, r := range batch {
			if r != self {
				close(r.wake)
			}
		}
	}()
	s.runBatch(batch)
	finished = true
}

// result is what Update returns for r, re-raising a panic of its fn.
func (r *commitReq) result() error {
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.err
}

// runBatch runs batch (see committer) and sets each request's result.
func (s *Store) runBatch(batch []*commitReq) {
	if len(batch) == 1 {
		r := batch[0]
		r.panicked, r.err = callFn(func() error { return s.run(r.ctx, s.w, &s.wStmts, r.fn) })
		return
	}
	s.batches.Add(1)
	fail := func(err error) {
		for _, r := range batch {
			if r.err == nil && r.panicked == nil {
				r.err = err
			}
		}
	}
	// lost fails the batch when its transaction is gone (a savepoint
	// that will not roll back or release): retryable, as the full disk
	// or I/O error that ended it would be, never an internal error.
	lost := func(err error) {
		fail(dberr.Error(dberr.Unavailable, fmt.Errorf("sqlite: the batch's shared transaction was lost: %w", err)))
	}
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		fail(s.mapErr(err))
		return
	}
	defer tx.Rollback() // a no-op after Commit
	committed := make([]bool, len(batch))
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = s.mapErr(err)
			continue
		}
		if _, err := tx.Exec("SAVEPOINT batch"); err != nil {
			lost(err)
			return
		}
		t := &txn{tx: &sqlTx{tx: tx, stmts: &s.wStmts, dctx: context.WithoutCancel(r.ctx)}}
		r.panicked, r.err = callFn(func() error { return r.fn(t) })
		if r.err != nil || r.panicked != nil {
			if _, err := tx.Exec("ROLLBACK TO batch"); err != nil {
				lost(err)
				return
			}
		}
		if _, err := tx.Exec("RELEASE batch"); err != nil {
			lost(err)
			return
		}
		committed[i] = r.err == nil && r.panicked == nil
	}
	if err := tx.Commit(); err != nil {
		err = s.mapErr(err)
		for i, r := range batch {
			if committed[i] {
				r.err = err
			}
		}
	}
}

// callFn calls f, returning what it panicked with or its error.
func callFn(f func() error) (panicked any, err error) {
	defer func() {
		if v := recover(); v != nil {
			panicked = v
		}
	}()
	return nil, f()
}
