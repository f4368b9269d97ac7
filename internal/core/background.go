package core

import (
	"context"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Background intervals.
const (
	feedInterval    = 200 * time.Millisecond // revocation log poll
	usageInterval   = time.Second            // last-used flush
	cleanupInterval = 10 * time.Minute       // expired tokens, old revocation events
	revocationKeep  = time.Hour
	// loginAttemptKeep is how long failed sign-ins that name no account
	// are kept: long enough to look into a credential-stuffing run, short
	// enough that a flood of them cannot fill the disk for ever.
	loginAttemptKeep = 30 * 24 * time.Hour
	feedBatch        = 1000
)

// Run does the service's background work until ctx ends: it tails the
// revocation log (so revocations by other nodes and by admin commands reach
// this node's cache within a second), flushes last-used times in batches off
// the request path, and prunes expired tokens. It flushes once more on exit.
//
// The cache is trusted only from the feed's first successful read on. That
// read takes the log's horizon and then drops every entry cached before it
// (bumping the cache generation, so a lookup racing it cannot re-insert
// one): an entry verified before the feed started may have been revoked by
// another process before the horizon, and the feed only replays what comes
// after it. While the database cannot be read, Run retries; the cache stays
// untrusted meanwhile.
func (s *Service) Run(ctx context.Context) error {
	h, err := s.horizon(ctx)
	for err != nil {
		if ctx.Err() != nil {
			return nil
		}
		s.log.Warn("revocation feed: first read", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(feedInterval):
		}
		h, err = s.horizon(ctx)
	}
	s.feed = feedState{horizon: h}
	s.feedHorizon.Store(h)
	s.cache.clear()
	s.feedAt.Store(s.now().UnixNano())
	var notices <-chan struct{} // nil without a notifier: never ready
	if n, ok := s.store.(gatehouse.RevocationNotifier); ok && s.opt.RevocationNotices {
		notices = n.RevocationNotices(ctx)
	}
	feed := time.NewTicker(feedInterval)
	usage := time.NewTicker(usageInterval)
	cleanup := time.NewTicker(cleanupInterval)
	defer feed.Stop()
	defer usage.Stop()
	defer cleanup.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			s.flushUsage(fctx)
			cancel()
			return nil
		case <-feed.C:
			s.pollRevocations(ctx)
		case <-notices:
			s.pollRevocations(ctx)
		case <-usage.C:
			s.flushUsage(ctx)
		case <-cleanup.C:
			s.cleanup(ctx)
		}
	}
}

func (s *Service) horizon(ctx context.Context) (int64, error) {
	var h int64
	err := s.store.Read(ctx, func(tx gatehouse.Tx) error {
		var err error
		h, err = tx.Revocations().RevocationHorizon(ctx)
		return err
	})
	return h, err
}

// feedState is where the revocation feed stands; only Run's goroutine
// touches it.
type feedState struct {
	// horizon: every event with a Tx below it has been applied.
	horizon int64
	// applied holds the events at or above horizon already applied (by
	// Seq, with their Tx): a poll reads them again until the horizon
	// passes them (gatehouse.RevocationStore), and skips them.
	applied map[int64]int64
}

// pollRevocations applies new revocation events to the cache: every event
// from the feed's horizon on, in pages, and then moves the horizon to the
// one the first page was read at (what the log cannot still change below).
// If the feed was stale (the database unreachable for a while), the cache
// is cleared instead of trusting that no event was missed.
func (s *Service) pollRevocations(ctx context.Context) {
	stale := !s.cacheTrusted(s.now())
	after := gatehouse.RevocationPos{Tx: s.feed.horizon}
	next := int64(-1)
	for {
		var evs []gatehouse.Revocation
		var h int64
		err := s.store.Read(ctx, func(tx gatehouse.Tx) error {
			var err error
			evs, h, err = tx.Revocations().FindRevocationsAfter(ctx, after, feedBatch)
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("revocation feed", "err", err)
			}
			return
		}
		if next < 0 {
			next = h
		}
		for _, ev := range evs {
			if _, ok := s.feed.applied[ev.Seq]; ok {
				continue
			}
			switch ev.Kind {
			case gatehouse.RevokeKey:
				s.cache.revokeKey(ev.SubjectID)
			case gatehouse.RevokeUser:
				s.cache.revokeUser(ev.SubjectID)
			case gatehouse.RevokeApp:
				s.cache.revoke(subjectApp(ev.Subject))
			case gatehouse.RevokeAppKey, gatehouse.RevokeAccountKey:
				s.cache.revoke(subjectCred(ev.Subject))
			}
			s.stats.feedEvents.Add(1)
			if ev.Tx >= next {
				if s.feed.applied == nil {
					s.feed.applied = make(map[int64]int64)
				}
				s.feed.applied[ev.Seq] = ev.Tx
			}
		}
		if len(evs) < feedBatch {
			break
		}
		after = evs[len(evs)-1].Pos()
	}
	// Every event below next has been read (it was committed when the
	// first page was read, and the pages went past it); those of the
	// transactions at or above it are read again next time.
	s.feed.horizon = next
	for seq, tx := range s.feed.applied {
		if tx < next {
			delete(s.feed.applied, seq)
		}
	}
	s.feedHorizon.Store(next)
	if stale {
		s.cache.clear()
	}
	s.feedAt.Store(s.now().UnixNano())
}

func (s *Service) flushUsage(ctx context.Context) {
	used := s.usage.take()
	if len(used) == 0 {
		return
	}
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error { return tx.Keys().TouchKeys(ctx, used) })
	if err != nil {
		s.usage.restore(used)
		if ctx.Err() == nil {
			s.log.Warn("flush key usage", "err", err, "keys", len(used))
		}
	}
}

func (s *Service) cleanup(ctx context.Context) {
	now := s.now().UTC()
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if _, err := tx.Tokens().DeleteExpiredTokens(ctx, now); err != nil {
			return err
		}
		if _, err := tx.Sessions().DeleteExpiredSessions(ctx, now, now.Add(-gatehouse.SessionIdle)); err != nil {
			return err
		}
		if err := tx.Logins().DeleteLoginAttemptsBefore(ctx, now.Add(-loginAttemptKeep)); err != nil {
			return err
		}
		if err := s.pruneAudit(ctx, tx, now); err != nil {
			return err
		}
		return tx.Revocations().DeleteRevocationsBefore(ctx, now.Add(-revocationKeep))
	})
	if err != nil && ctx.Err() == nil {
		s.log.Warn("cleanup", "err", err)
	}
}

// usageRecorder collects last-used times in memory; Run writes them in one
// transaction a second, so verifying a key never waits on a write.
type usageRecorder struct {
	mu   sync.Mutex
	used map[int64]time.Time
}

func newUsageRecorder() *usageRecorder { return &usageRecorder{used: make(map[int64]time.Time)} }

func (u *usageRecorder) record(keyID int64, t time.Time) {
	if keyID == 0 {
		return
	}
	u.mu.Lock()
	if t.After(u.used[keyID]) {
		u.used[keyID] = t
	}
	u.mu.Unlock()
}

func (u *usageRecorder) pending(keyID int64) (time.Time, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	t, ok := u.used[keyID]
	return t.UTC(), ok
}

func (u *usageRecorder) forget(keyID int64) {
	u.mu.Lock()
	delete(u.used, keyID)
	u.mu.Unlock()
}

func (u *usageRecorder) take() map[int64]time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.used) == 0 {
		return nil
	}
	out := u.used
	u.used = make(map[int64]time.Time, len(out))
	return out
}

func (u *usageRecorder) restore(m map[int64]time.Time) {
	for id, t := range m {
		u.record(id, t)
	}
}
