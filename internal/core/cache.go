package core

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse"
)

// credCache is the bounded cache of verified credentials, keyed by the
// credential's SHA-256. A hit costs a hash and a map read under a read lock,
// with no allocation.
//
// Invalidation (hard to get wrong later, so written down here):
//   - Entries are indexed by API key id and by user id; revoking a key or an
//     account deletes every entry made from it, tokens included.
//   - A verification that read the database while a revocation ran must not
//     re-insert what was just revoked: each revocation bumps gen, and put
//     drops an entry whose lookup began under an older gen.
//   - Entries expire at the token's expiry or after CacheMaxAge, whichever is
//     first; and the service trusts the cache only while its revocation feed
//     is fresh (see Service.Authenticate), so revocations made by other nodes
//     or by admin commands also take effect within a second.
type credCache struct {
	mu     sync.RWMutex
	m      map[gatehouse.Hash]cacheEntry
	byKey  map[int64][]gatehouse.Hash
	byUser map[int64][]gatehouse.Hash
	max    int
	gen    atomic.Uint64
}

type cacheEntry struct {
	p       gatehouse.Principal
	expires time.Time
}

func newCredCache(max int) *credCache {
	return &credCache{
		m:      make(map[gatehouse.Hash]cacheEntry),
		byKey:  make(map[int64][]gatehouse.Hash),
		byUser: make(map[int64][]gatehouse.Hash),
		max:    max,
	}
}

func (c *credCache) get(h gatehouse.Hash, now time.Time) (gatehouse.Principal, bool) {
	c.mu.RLock()
	e, ok := c.m[h]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return gatehouse.Principal{}, false
	}
	return e.p, true
}

// put caches p unless a revocation happened since gen was read.
func (c *credCache) put(h gatehouse.Hash, p gatehouse.Principal, expires time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if _, ok := c.m[h]; ok {
		c.m[h] = cacheEntry{p: p, expires: expires}
		return
	}
	for len(c.m) >= c.max {
		c.evictOneLocked()
	}
	c.m[h] = cacheEntry{p: p, expires: expires}
	c.byKey[p.KeyID] = append(c.byKey[p.KeyID], h)
	c.byUser[p.UserID] = append(c.byUser[p.UserID], h)
}

// evictOneLocked drops an arbitrary entry (Go randomises map iteration).
func (c *credCache) evictOneLocked() {
	for h, e := range c.m {
		delete(c.m, h)
		c.byKey[e.p.KeyID] = without(c.byKey[e.p.KeyID], h)
		if len(c.byKey[e.p.KeyID]) == 0 {
			delete(c.byKey, e.p.KeyID)
		}
		c.byUser[e.p.UserID] = without(c.byUser[e.p.UserID], h)
		if len(c.byUser[e.p.UserID]) == 0 {
			delete(c.byUser, e.p.UserID)
		}
		return
	}
}

func without(hs []gatehouse.Hash, h gatehouse.Hash) []gatehouse.Hash {
	for i := range hs {
		if hs[i] == h {
			hs[i] = hs[len(hs)-1]
			return hs[:len(hs)-1]
		}
	}
	return hs
}

// generation returns the value to pass to put.
func (c *credCache) generation() uint64 { return c.gen.Load() }

// revokeKey drops every entry made from API key id.
func (c *credCache) revokeKey(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	for _, h := range c.byKey[id] {
		if e, ok := c.m[h]; ok {
			delete(c.m, h)
			c.byUser[e.p.UserID] = without(c.byUser[e.p.UserID], h)
		}
	}
	delete(c.byKey, id)
}

// revokeUser drops every entry of account id.
func (c *credCache) revokeUser(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	for _, h := range c.byUser[id] {
		if e, ok := c.m[h]; ok {
			delete(c.m, h)
			c.byKey[e.p.KeyID] = without(c.byKey[e.p.KeyID], h)
		}
	}
	delete(c.byUser, id)
}

// clear drops everything (used when the revocation feed has a gap).
func (c *credCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	clear(c.m)
	clear(c.byKey)
	clear(c.byUser)
}

func (c *credCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
