package core

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse"
)

// credCache is the bounded cache of verified credentials, keyed by the
// SHA-256 of what the client sent (a key, a token, a Basic header, a JWT).
// A hit costs a hash and a map read under a read lock, with no allocation.
//
// Invalidation (hard to get wrong later, so written down here):
//   - Each entry is indexed under the subjects it depends on: its account,
//     and its API key, app key, app or account key. Revoking any of them
//     deletes every entry made from it, tokens and JWTs included.
//   - A verification that read the database while a revocation ran must not
//     re-insert what was just revoked: each revocation bumps gen, and put
//     drops an entry whose lookup began under an older gen.
//   - Entries expire at the credential's own expiry or after CacheMaxAge,
//     whichever is first; and the service trusts the cache only while its
//     revocation feed is fresh (see Service.Authenticate), so revocations
//     made by other nodes or by admin commands also apply within a second.
type credCache struct {
	mu        sync.RWMutex
	m         map[gatehouse.Hash]cacheEntry
	bySubject map[string][]gatehouse.Hash
	max       int
	gen       atomic.Uint64
}

type cacheEntry struct {
	p        gatehouse.Principal
	expires  time.Time
	subjects []string
}

// Subjects a cached verification depends on.
func subjectUser(id int64) string   { return "u:" + strconv.FormatInt(id, 10) }
func subjectAPIKey(id int64) string { return "k:" + strconv.FormatInt(id, 10) }
func subjectApp(id string) string   { return "app:" + id }
func subjectCred(id string) string  { return "cred:" + id } // app_ and act_ keys
func subjectsOf(p gatehouse.Principal) []string {
	s := []string{subjectUser(p.UserID)}
	switch p.Kind {
	case gatehouse.CredAPIKey, gatehouse.CredAccessToken:
		s = append(s, subjectAPIKey(p.KeyID))
	case gatehouse.CredAppKey:
		s = append(s, subjectCred(p.CredID), subjectApp(p.AppID))
	case gatehouse.CredAccountKey:
		s = append(s, subjectCred(p.CredID))
	}
	return s
}

func newCredCache(max int) *credCache {
	return &credCache{
		m:         make(map[gatehouse.Hash]cacheEntry),
		bySubject: make(map[string][]gatehouse.Hash),
		max:       max,
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
	subjects := subjectsOf(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if _, ok := c.m[h]; ok {
		c.removeLocked(h)
	}
	for len(c.m) >= c.max {
		c.evictOneLocked()
	}
	c.m[h] = cacheEntry{p: p, expires: expires, subjects: subjects}
	for _, s := range subjects {
		c.bySubject[s] = append(c.bySubject[s], h)
	}
}

// evictOneLocked drops an arbitrary entry (Go randomises map iteration).
func (c *credCache) evictOneLocked() {
	for h := range c.m {
		c.removeLocked(h)
		return
	}
}

// removeLocked deletes entry h and its index references.
func (c *credCache) removeLocked(h gatehouse.Hash) {
	e, ok := c.m[h]
	if !ok {
		return
	}
	delete(c.m, h)
	for _, s := range e.subjects {
		hs := without(c.bySubject[s], h)
		if len(hs) == 0 {
			delete(c.bySubject, s)
		} else {
			c.bySubject[s] = hs
		}
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

// revoke drops every entry that depends on subject.
func (c *credCache) revoke(subject string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	for _, h := range append([]gatehouse.Hash(nil), c.bySubject[subject]...) {
		c.removeLocked(h)
	}
	delete(c.bySubject, subject)
}

func (c *credCache) revokeKey(id int64)  { c.revoke(subjectAPIKey(id)) }
func (c *credCache) revokeUser(id int64) { c.revoke(subjectUser(id)) }

// clear drops everything (used when the revocation feed has a gap).
func (c *credCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	clear(c.m)
	clear(c.bySubject)
}
