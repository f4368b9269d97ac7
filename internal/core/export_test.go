package core

import "context"

// ClearCache empties the verification cache (for cold-path benchmarks).
func ClearCache(s *Service) { s.cache.clear() }

// FeedRead reports whether the revocation feed has read the log once.
func FeedRead(s *Service) bool { return s.feedAt.Load() != 0 }

// Cleanup runs the periodic cleanup once.
func Cleanup(s *Service, ctx context.Context) { s.cleanup(ctx) }

// len reports the number of cached verifications.
func (c *credCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
