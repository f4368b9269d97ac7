// Package ratelimit is a bounded set of token buckets keyed by string (an IP
// address, an account id), built on golang.org/x/time/rate. Limits are per
// process: with several nodes each enforces its own, so the effective global
// limit is at most nodes × limit, which is fine for throttling abuse.
package ratelimit

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a bucket's refill rate and size.
type Limit struct {
	Every time.Duration // one token per Every
	Burst int
}

// Limiter holds one bucket per key, at most max keys; idle buckets are
// dropped when the map is full, so memory stays bounded under a flood of
// distinct keys.
type Limiter struct {
	lim Limit
	max int
	now func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	refused atomic.Uint64 // Allow calls answered false, for metrics
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

// New returns a limiter; a zero Limit allows everything.
func New(lim Limit, max int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	if max <= 0 {
		max = 100_000
	}
	return &Limiter{lim: lim, max: max, now: now, buckets: make(map[string]*bucket)}
}

// Allow takes one token for key. When none is left it returns false and how
// long until one is.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	ok, wait := l.take(key, false)
	if !ok {
		l.refused.Add(1)
	}
	return ok, wait
}

// Refused is how many Allow calls found no token left, and Blocked calls
// found the bucket empty (each a refusal where gatehouse asks), since New.

func (l *Limiter) Refused() uint64 {
	if l == nil {
		return 0
	}
	return l.refused.Load()
}

// Blocked reports whether key's bucket is empty, without taking a token,
// and if so how long until it holds one again.
func (l *Limiter) Blocked(key string) (bool, time.Duration) {
	ok, wait := l.take(key, true)
	if !ok {
		l.refused.Add(1)
	}
	return !ok, wait
}

func (l *Limiter) take(key string, peek bool) (bool, time.Duration) {
	if l == nil || l.lim.Every <= 0 || l.lim.Burst <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if peek {
			return true, 0
		}
		if len(l.buckets) >= l.max {
			l.sweepLocked(now)
		}
		b = &bucket{l: rate.NewLimiter(rate.Every(l.lim.Every), l.lim.Burst)}
		l.buckets[key] = b
	}
	b.seen = now
	if peek {
		tokens := b.l.TokensAt(now)
		if tokens >= 1 {
			return true, 0
		}
		// The time until the bucket holds one token again, at least 1 ns.
		return false, max(time.Duration((1-tokens)*float64(l.lim.Every)), 1)
	}
	r := b.l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweepLocked drops buckets that have refilled completely (they behave like
// new ones), or, failing that, an arbitrary half.
func (l *Limiter) sweepLocked(now time.Time) {
	full := time.Duration(l.lim.Burst) * l.lim.Every
	for k, b := range l.buckets {
		if now.Sub(b.seen) > full {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.max/2 {
			break
		}
		delete(l.buckets, k)
	}
}
