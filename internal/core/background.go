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
// read takes the log's latest sequence number and then drops every entry
// cached before it (bumping the cache generation, so a lookup racing it
// cannot re-insert one): an entry verified before the feed started may have
// been revoked by another process before that sequence number, and the feed
// only replays what comes after it. While the database cannot be read, Run
// retries; the cache stays untrusted meanwhile.
func (s *Service) Run(ctx context.Context) error {
	seq, err := s.latestSeq(ctx)
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
		seq, err = s.latestSeq(ctx)
	}
	s.feedSeq.Store(seq)
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

func (s *Service) latestSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		seq, err = tx.Revocations().LatestRevocationSeq(ctx)
		return err
	})
	return seq, err
}

// pollRevocations applies new revocation events to the cache. If the feed
// was stale (the database unreachable for a while), the cache is cleared
// instead of trusting that no event was missed.
func (s *Service) pollRevocations(ctx context.Context) {
	stale := !s.cacheTrusted(s.now())
	for {
		var evs []gatehouse.Revocation
		err := s.store.View(ctx, func(tx gatehouse.Tx) error {
			var err error
			evs, err = tx.Revocations().FindRevocationsAfter(ctx, s.feedSeq.Load(), feedBatch)
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("revocation feed", "err", err)
			}
			return
		}
		for _, ev := range evs {
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
			if prev := s.feedSeq.Load(); prev != 0 && ev.Seq > prev+1 {
				s.stats.feedGaps.Add(uint64(ev.Seq - prev - 1))
			}
			s.feedSeq.Store(ev.Seq)
		}
		if len(evs) < feedBatch {
			break
		}
	}
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
