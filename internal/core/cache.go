package core

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gatehouse/gatehouse"
)

// credCache is the bounded cache of verified credentials, keyed by the
// SHA-256 of what the client sent (a key, a token, a Basic header, a JWT).
// A hit costs a hash and a map read under one shard's read lock, with no
// allocation.
//
// Invalidation (hard to get wrong later, so written down here):
//   - Each entry is indexed under the subjects it depends on: its account,
//     and its API key, app key, app or account key. Revoking any of them
//     deletes every entry made from it, tokens and JWTs included.
//   - A verification that read the database while a revocation ran must not
//     re-insert what was just revoked: each revocation bumps gen before it
//     visits the shards, and put drops an entry whose lookup began under an
//     older gen (put checks gen under the shard's lock, so an insert either
//     sees the bump or is removed by the revocation's visit that follows).
//   - Entries expire at the credential's own expiry or after CacheMaxAge,
//     whichever is first; and the service trusts the cache only while its
//     revocation feed is fresh (see Service.Authenticate), so revocations
//     made by other nodes or by admin commands also apply within a second.
//
// Layout: cacheShards shards, each with its own lock, map and subject
// index, picked by the first bytes of the hash (uniform: it is a SHA-256).
// One RWMutex for the whole cache made every hit on every core write the
// same cache line (the read lock's counter); see BenchmarkVerify at -cpu.
// The bounds, entries (CacheSize) and estimated bytes (CacheBytes), are
// global counters; a put over either evicts, before it takes its own
// shard's lock, an arbitrary entry of the shard the eviction hand points
// at, turning the hand one shard per eviction.
type credCache struct {
	shards    [cacheShards]cacheShard
	max       int64
	maxBytes  int64
	n         atomic.Int64 // entries
	bytes     atomic.Int64 // estimated bytes (entrySize)
	hand      atomic.Uint32
	gen       atomic.Uint64
	evictions atomic.Uint64 // entries dropped to make room, for metrics
}

const cacheShards = 64

type cacheShard struct {
	mu        sync.RWMutex
	m         map[gatehouse.Hash]*cacheEntry
	bySubject map[subject][]gatehouse.Hash
	_         [128 - 40]byte // one shard per two cache lines: no false sharing between neighbours' locks
}

// cacheEntry is immutable once put, but for usedAt.
type cacheEntry struct {
	p       gatehouse.Principal
	expires int64 // unix nanoseconds
	size    int64 // entrySize, as counted in credCache.bytes
	// usedAt is the last use handed to the usage recorder (unix
	// nanoseconds); see Service.recordUse.
	usedAt atomic.Int64
}

// subject is what a cached verification depends on: an account, an API
// key (kind subjKey, which an access token depends on too), an app, or an
// app or account key (subjCred).
type subject struct {
	kind subjectKind
	id   int64
	s    string
}

type subjectKind uint8

const (
	subjUser subjectKind = iota + 1
	subjKey
	subjApp
	subjCred
)

func subjectUser(id int64) subject   { return subject{kind: subjUser, id: id} }
func subjectAPIKey(id int64) subject { return subject{kind: subjKey, id: id} }
func subjectApp(id string) subject   { return subject{kind: subjApp, s: id} }
func subjectCred(id string) subject  { return subject{kind: subjCred, s: id} } // app_ and act_ keys

// subjectsOf returns the subjects p depends on, in a fixed array (so that
// put allocates only the entry).
func subjectsOf(p gatehouse.Principal) ([3]subject, int) {
	s := [3]subject{subjectUser(p.UserID)}
	switch p.Kind {
	case gatehouse.CredAPIKey, gatehouse.CredAccessToken:
		s[1] = subjectAPIKey(p.KeyID)
		return s, 2
	case gatehouse.CredAppKey:
		s[1], s[2] = subjectCred(p.CredID), subjectApp(p.AppID)
		return s, 3
	case gatehouse.CredAccountKey:
		s[1] = subjectCred(p.CredID)
		return s, 2
	}
	return s, 1
}

// entrySize estimates what one entry holds on the heap: the entry, its
// slot in the shard's map, one hash per subject in the index (and its share
// of the index's map slot), and the strings it carries, times 4/3 for what
// the sum leaves out (allocation size classes, map and slice growth).
// BenchmarkCacheMemory measured 439 heap bytes an API key entry at a
// million entries, against 334 for the sum alone.
func entrySize(p gatehouse.Principal, nSubjects int) int64 {
	const mapSlot = int64(unsafe.Sizeof(gatehouse.Hash{})+unsafe.Sizeof(uintptr(0))) * 2 // key + pointer, at a load under 1/2
	const indexRef = int64(unsafe.Sizeof(gatehouse.Hash{})) + int64(unsafe.Sizeof(subject{}))
	sum := int64(unsafe.Sizeof(cacheEntry{})) + mapSlot + int64(nSubjects)*indexRef +
		int64(len(p.Email)+len(p.CredID)+len(p.AppID))
	return sum * 4 / 3
}

func newCredCache(max int, maxBytes int64) *credCache {
	c := &credCache{max: int64(max), maxBytes: maxBytes}
	for i := range c.shards {
		c.shards[i].m = make(map[gatehouse.Hash]*cacheEntry)
		c.shards[i].bySubject = make(map[subject][]gatehouse.Hash)
	}
	return c
}

func (c *credCache) shard(h gatehouse.Hash) *cacheShard {
	return &c.shards[binary.LittleEndian.Uint32(h[:4])%cacheShards]
}

// get returns the live entry for h, or nil.
func (c *credCache) get(h gatehouse.Hash, now time.Time) *cacheEntry {
	sh := c.shard(h)
	sh.mu.RLock()
	e := sh.m[h]
	sh.mu.RUnlock()
	if e == nil || now.UnixNano() >= e.expires {
		return nil
	}
	return e
}

// put caches p unless a revocation happened since gen was read, and
// returns the entry (nil when dropped).
func (c *credCache) put(h gatehouse.Hash, p gatehouse.Principal, expires time.Time, gen uint64) *cacheEntry {
	if c.gen.Load() != gen {
		return nil
	}
	subjects, n := subjectsOf(p)
	e := &cacheEntry{p: p, expires: expires.UnixNano(), size: entrySize(p, n)}
	for tries := 0; (c.n.Load() >= c.max || c.bytes.Load()+e.size > c.maxBytes) && tries < 2*cacheShards; tries++ {
		c.evictOne()
	}
	sh := c.shard(h)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if c.gen.Load() != gen {
		return nil
	}
	c.removeLocked(sh, h)
	sh.m[h] = e
	c.n.Add(1)
	c.bytes.Add(e.size)
	for _, s := range subjects[:n] {
		sh.bySubject[s] = append(sh.bySubject[s], h)
	}
	return e
}

// evictOne drops an arbitrary entry (Go randomises map iteration) of the
// shard the hand points at, and turns the hand.
func (c *credCache) evictOne() {
	sh := &c.shards[c.hand.Add(1)%cacheShards]
	sh.mu.Lock()
	for h := range sh.m {
		c.removeLocked(sh, h)
		c.evictions.Add(1)
		break
	}
	sh.mu.Unlock()
}

// removeLocked deletes entry h of sh and its index references.
func (c *credCache) removeLocked(sh *cacheShard, h gatehouse.Hash) {
	e, ok := sh.m[h]
	if !ok {
		return
	}
	delete(sh.m, h)
	c.n.Add(-1)
	c.bytes.Add(-e.size)
	subjects, n := subjectsOf(e.p)
	for _, s := range subjects[:n] {
		hs := without(sh.bySubject[s], h)
		if len(hs) == 0 {
			delete(sh.bySubject, s)
		} else {
			sh.bySubject[s] = hs
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
func (c *credCache) revoke(s subject) {
	c.gen.Add(1)
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		if hs := sh.bySubject[s]; len(hs) > 0 {
			for _, h := range append([]gatehouse.Hash(nil), hs...) {
				c.removeLocked(sh, h)
			}
			delete(sh.bySubject, s)
		}
		sh.mu.Unlock()
	}
}

func (c *credCache) revokeKey(id int64)  { c.revoke(subjectAPIKey(id)) }
func (c *credCache) revokeUser(id int64) { c.revoke(subjectUser(id)) }

// clear drops everything (used when the revocation feed has a gap).
func (c *credCache) clear() {
	c.gen.Add(1)
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		c.n.Add(-int64(len(sh.m)))
		for _, e := range sh.m {
			c.bytes.Add(-e.size)
		}
		clear(sh.m)
		clear(sh.bySubject)
		sh.mu.Unlock()
	}
}

// negCache remembers, for negativeLife, the hashes of well-formed
// credentials the database did not know (or knew as expired or wrong), so
// that a flood of one unknown key, token, Basic pair or JWT costs a map
// read, not a database read. Every hit is still a failed check in the
// client's failure budget.
//
// Why so short a life, and why it is safe (hard to undo, so written here):
//   - Everything gatehouse issues carries at least 128 random bits, so a
//     credential cannot be presented before it exists, except by its
//     creator. Creation on this node forgets its hash (forget), and a
//     miss whose read began before that creation is not remembered
//     (gen, as in credCache). A key or token created on another node, or
//     written into the database by hand, may still meet a stale entry on
//     this node; negativeLife bounds that to one second.
//   - JWTs have no hash to forget at creation (any JWT a new key signs is
//     new). A JWT refused for a not-before in the future is refused for at
//     most negativeLife after it becomes valid, which appjwt's leeway
//     already exceeds.
//   - An inactive account's key is not remembered (activation must apply
//     at once); it is counted in the failure budget instead.
type negCache struct {
	shards [cacheShards]negShard
	max    int64 // per shard
	gen    atomic.Uint64
}

const negativeLife = time.Second

type negShard struct {
	mu sync.RWMutex
	m  map[gatehouse.Hash]int64 // expiry, unix nanoseconds
	_  [128 - 32]byte
}

func newNegCache(max int) *negCache {
	c := &negCache{max: int64(max+cacheShards-1) / cacheShards}
	for i := range c.shards {
		c.shards[i].m = make(map[gatehouse.Hash]int64)
	}
	return c
}

func (c *negCache) shard(h gatehouse.Hash) *negShard {
	return &c.shards[binary.LittleEndian.Uint32(h[:4])%cacheShards]
}

// has reports whether h was refused less than negativeLife ago.
func (c *negCache) has(h gatehouse.Hash, now time.Time) bool {
	sh := c.shard(h)
	sh.mu.RLock()
	exp, ok := sh.m[h]
	sh.mu.RUnlock()
	return ok && now.UnixNano() < exp
}

// generation returns the value to pass to put.
func (c *negCache) generation() uint64 { return c.gen.Load() }

// put remembers h as refused at now, unless a credential was created since
// gen was read. A full shard first drops its expired entries, then an
// arbitrary one.
func (c *negCache) put(h gatehouse.Hash, now time.Time, gen uint64) {
	sh := c.shard(h)
	t := now.UnixNano()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if int64(len(sh.m)) >= c.max {
		for k, exp := range sh.m {
			if exp <= t {
				delete(sh.m, k)
			}
		}
		for k := range sh.m {
			if int64(len(sh.m)) < c.max {
				break
			}
			delete(sh.m, k)
		}
	}
	sh.m[h] = t + int64(negativeLife)
}

// forget drops h: a credential with that hash has just been created.
func (c *negCache) forget(h gatehouse.Hash) {
	c.gen.Add(1)
	sh := c.shard(h)
	sh.mu.Lock()
	delete(sh.m, h)
	sh.mu.Unlock()
}
