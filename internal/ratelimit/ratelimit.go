// Package ratelimit is a bounded set of token buckets keyed by string (an IP
// address, an account id). Limits are per process: with several nodes each
// enforces its own, so the effective global limit is at most nodes × limit,
// which is fine for throttling abuse.
//
// Each bucket is one int64, its theoretical arrival time (GCRA, the
// generic cell rate algorithm): the bucket is full when that time is in the
// past, and a request is refused when taking a token would push it more
// than Burst-1 periods past now. That is exactly a token bucket of Burst
// tokens refilled one per Every, in a map of values rather than one
// allocated limiter (with its own mutex) per key. The keys are spread over
// shards, each with its own lock, because the failure throttle is asked on
// every failed credential check from every core, and a flood of distinct
// IPs is the case it exists for.
package ratelimit

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// Limit is a bucket's refill rate and size.
type Limit struct {
	Every time.Duration // one token per Every
	Burst int
}

// Limiter holds one bucket per key, at most maxKeys (New) in all: a new key
// past that first drops, shard by shard, the buckets that have refilled
// (they behave like new ones) and, failing that, an arbitrary half of a
// shard, so memory stays bounded under a flood of distinct keys. The bound
// is the whole limiter's, not each shard's: with a small one, a shard's
// share would be a key or two, and two keys sharing a shard would evict
// each other's half-spent buckets.
type Limiter struct {
	lim     Limit
	max     int64
	n       atomic.Int64 // buckets held
	hand    atomic.Uint32
	now     func() time.Time
	seed    maphash.Seed
	shards  [shards]shard
	refused atomic.Uint64 // refusals, for metrics
}

const shards = 16

type shard struct {
	mu sync.Mutex
	// tat is each key's theoretical arrival time, in unix nanoseconds.
	tat map[string]int64
	_   [40]byte // a shard per cache line pair: no false sharing of locks
}

// New returns a limiter; a zero Limit allows everything.
func New(lim Limit, maxKeys int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	if maxKeys <= 0 {
		maxKeys = 100_000
	}
	l := &Limiter{lim: lim, max: int64(maxKeys), now: now, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].tat = make(map[string]int64)
	}
	return l
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

// Blocked reports whether key's bucket is empty, without taking a token,
// and if so how long until it holds one again.
func (l *Limiter) Blocked(key string) (bool, time.Duration) {
	ok, wait := l.take(key, true)
	if !ok {
		l.refused.Add(1)
	}
	return !ok, wait
}

// Refused is how many Allow calls found no token left, and Blocked calls
// found the bucket empty (each a refusal where gatehouse asks), since New.
func (l *Limiter) Refused() uint64 {
	if l == nil {
		return 0
	}
	return l.refused.Load()
}

func (l *Limiter) take(key string, peek bool) (bool, time.Duration) {
	if l == nil || l.lim.Every <= 0 || l.lim.Burst <= 0 {
		return true, 0
	}
	now := l.now().UnixNano()
	every := int64(l.lim.Every)
	slack := every * int64(l.lim.Burst-1) // how far past now the bucket may be drawn
	sh := &l.shards[maphash.String(l.seed, key)%shards]
	sh.mu.Lock()
	tat, ok := sh.tat[key]
	if !ok && !peek && l.n.Load() >= l.max {
		// Make room, taking one shard's lock at a time, then look again:
		// another request may have made the bucket meanwhile.
		sh.mu.Unlock()
		l.makeRoom(now)
		sh.mu.Lock()
		tat, ok = sh.tat[key]
	}
	defer sh.mu.Unlock()
	if !ok || tat < now {
		tat = now // a full bucket
	}
	if over := tat - now - slack; over > 0 {
		return false, time.Duration(over)
	}
	if peek {
		return true, 0
	}
	if !ok {
		l.n.Add(1)
	}
	sh.tat[key] = tat + every
	return true, 0
}

// makeRoom drops buckets as the bound asks: first, in every shard, those
// that have refilled completely; then, while half the bound or more is
// still held, an arbitrary half of one shard after another, from where the
// last sweep stopped. One sweep costs a pass over every bucket and frees
// at least half the bound, so a flood of new keys pays a constant amount
// per key.
func (l *Limiter) makeRoom(now int64) {
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		for k, tat := range sh.tat {
			if tat <= now {
				delete(sh.tat, k)
				l.n.Add(-1)
			}
		}
		sh.mu.Unlock()
	}
	for tries := 0; l.n.Load() >= max(l.max/2, 1) && tries < 2*shards; tries++ {
		sh := &l.shards[l.hand.Add(1)%shards]
		sh.mu.Lock()
		keep := len(sh.tat) / 2
		for k := range sh.tat {
			if len(sh.tat) <= keep {
				break
			}
			delete(sh.tat, k)
			l.n.Add(-1)
		}
		sh.mu.Unlock()
	}
}

// len is the number of buckets held (tests).
func (l *Limiter) len() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += len(sh.tat)
		sh.mu.Unlock()
	}
	return n
}
