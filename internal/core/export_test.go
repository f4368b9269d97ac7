package core

import "context"

// ClearCache empties the verification cache and the negative cache (for
// cold-path benchmarks).
func ClearCache(s *Service) {
	s.cache.clear()
	for i := range s.neg.shards {
		sh := &s.neg.shards[i]
		sh.mu.Lock()
		clear(sh.m)
		sh.mu.Unlock()
	}
}

// FeedRead reports whether the revocation feed has read the log once.
func FeedRead(s *Service) bool { return s.feedAt.Load() != 0 }

// Cleanup runs the periodic cleanup once.
func Cleanup(s *Service, ctx context.Context) { s.cleanup(ctx) }

// len reports the number of cached verifications, counted shard by shard
// (not from the counter, which the tests check against it).
func (c *credCache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}

// len reports the number of remembered refusals.
func (c *negCache) len() int {
	n := 0
	for i := range c.shards {
		n += len(c.shards[i].m)
	}
	return n
}

// indexed reports the hashes the subject indexes hold.
func (c *credCache) indexed() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		for _, hs := range sh.bySubject {
			n += len(hs)
		}
		sh.mu.RUnlock()
	}
	return n
}
