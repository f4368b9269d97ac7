package core

import (
	"crypto/sha256"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// hashOf is a distinct hash for each i, spread over the shards as real
// hashes are.
func hashOf(i int) gatehouse.Hash {
	return sha256.Sum256([]byte(strconv.Itoa(i)))
}

const noBytesBound = 1 << 40

func TestCacheBounded(t *testing.T) {
	c := newCredCache(10, noBytesBound)
	now := time.Now()
	for i := range 100 {
		c.put(hashOf(i), gatehouse.Principal{UserID: int64(i%7 + 1), KeyID: int64(i + 1), Kind: gatehouse.CredAPIKey}, now.Add(time.Hour), c.generation())
	}
	if c.len() != 10 || c.n.Load() != 10 {
		t.Fatalf("len = %d (counter %d), want 10", c.len(), c.n.Load())
	}
	if n := c.indexed(); n != 20 { // each entry sits under its user and its key
		t.Fatalf("bySubject indexes %d hashes, want 20", n)
	}
}

func TestCacheRevokeKeyAndUser(t *testing.T) {
	c := newCredCache(100, noBytesBound)
	now := time.Now()
	// Key 1 of user 1 with a token made from it; key 2 of user 1; key 3 of user 2.
	c.put(hashOf(1), gatehouse.Principal{UserID: 1, KeyID: 1, Kind: gatehouse.CredAPIKey}, now.Add(time.Hour), c.generation())
	c.put(hashOf(2), gatehouse.Principal{UserID: 1, KeyID: 1, Kind: gatehouse.CredAccessToken}, now.Add(time.Hour), c.generation())
	c.put(hashOf(3), gatehouse.Principal{UserID: 1, KeyID: 2, Kind: gatehouse.CredAPIKey}, now.Add(time.Hour), c.generation())
	c.put(hashOf(4), gatehouse.Principal{UserID: 2, KeyID: 3, Kind: gatehouse.CredAPIKey}, now.Add(time.Hour), c.generation())
	c.revokeKey(1)
	for i, want := range map[int]bool{1: false, 2: false, 3: true, 4: true} {
		if ok := c.get(hashOf(i), now) != nil; ok != want {
			t.Errorf("after revokeKey(1): entry %d present = %v, want %v", i, ok, want)
		}
	}
	c.revokeUser(1)
	if c.get(hashOf(3), now) != nil {
		t.Error("after revokeUser(1): key 2 still cached")
	}
	if c.get(hashOf(4), now) == nil {
		t.Error("revokeUser(1) dropped user 2's entry")
	}
}

// A verification that read the database before a revocation must not
// re-insert the revoked credential afterwards.
func TestCacheStalePutDropped(t *testing.T) {
	c := newCredCache(100, noBytesBound)
	gen := c.generation() // lookup starts
	c.revokeKey(1)        // revocation lands meanwhile
	c.put(hashOf(1), gatehouse.Principal{UserID: 1, KeyID: 1}, time.Now().Add(time.Hour), gen)
	if c.get(hashOf(1), time.Now()) != nil {
		t.Fatal("a put begun before a revocation was cached")
	}
}

func TestCacheExpiry(t *testing.T) {
	c := newCredCache(100, noBytesBound)
	now := time.Now()
	c.put(hashOf(1), gatehouse.Principal{UserID: 1, KeyID: 1, Kind: gatehouse.CredAPIKey}, now.Add(time.Second), c.generation())
	if c.get(hashOf(1), now.Add(999*time.Millisecond)) == nil {
		t.Fatal("entry gone before expiry")
	}
	if c.get(hashOf(1), now.Add(time.Second)) != nil {
		t.Fatal("entry served at expiry")
	}
}

// TestCacheBytesBound: the estimated bytes bound the cache as the entry
// count does, and the counters agree with what the shards hold.
func TestCacheBytesBound(t *testing.T) {
	p := gatehouse.Principal{UserID: 1, KeyID: 1, Kind: gatehouse.CredAPIKey, Email: "someone@example.com"}
	size := entrySize(p, 2)
	c := newCredCache(1_000_000, 10*size)
	now := time.Now()
	for i := range 100 {
		p.KeyID = int64(i + 1)
		c.put(hashOf(i), p, now.Add(time.Hour), c.generation())
	}
	if c.len() != 10 || c.n.Load() != 10 || c.bytes.Load() != 10*size {
		t.Fatalf("%d entries (counter %d), %d bytes; want 10 entries of %d bytes", c.len(), c.n.Load(), c.bytes.Load(), size)
	}
	c.revokeUser(1)
	if c.len() != 0 || c.n.Load() != 0 || c.bytes.Load() != 0 || c.indexed() != 0 {
		t.Fatalf("after revoking their user: %d entries (counter %d), %d bytes, %d indexed; want none", c.len(), c.n.Load(), c.bytes.Load(), c.indexed())
	}
}

// TestCacheRevokeEveryShard: one account's entries sit in every shard, and
// revoking the account removes all of them; a second put of a hash
// replaces the first.
func TestCacheRevokeEveryShard(t *testing.T) {
	c := newCredCache(100_000, noBytesBound)
	now := time.Now()
	for i := range 1000 {
		c.put(hashOf(i), gatehouse.Principal{UserID: int64(i%2 + 1), KeyID: int64(i + 1), Kind: gatehouse.CredAPIKey}, now.Add(time.Hour), c.generation())
	}
	c.put(hashOf(0), gatehouse.Principal{UserID: 1, KeyID: 1, Kind: gatehouse.CredAPIKey}, now.Add(time.Hour), c.generation())
	if c.len() != 1000 || c.indexed() != 2000 {
		t.Fatalf("%d entries, %d indexed; want 1000 and 2000", c.len(), c.indexed())
	}
	c.revokeUser(1)
	if c.len() != 500 || c.n.Load() != 500 || c.indexed() != 1000 {
		t.Fatalf("after revoking user 1: %d entries (counter %d), %d indexed; want 500, 1000", c.len(), c.n.Load(), c.indexed())
	}
	for i := range 1000 {
		if got, want := c.get(hashOf(i), now) != nil, i%2 == 1; got != want {
			t.Fatalf("entry %d present = %v, want %v", i, got, want)
		}
	}
	c.clear()
	if c.len() != 0 || c.n.Load() != 0 || c.bytes.Load() != 0 {
		t.Fatalf("after clear: %d entries (counter %d), %d bytes", c.len(), c.n.Load(), c.bytes.Load())
	}
}

// TestCacheConcurrent: puts, gets, revocations and evictions from many
// goroutines (run it with -race) leave the counters equal to what the
// shards hold, and no revoked entry behind.
func TestCacheConcurrent(t *testing.T) {
	c := newCredCache(500, noBytesBound)
	now := time.Now()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				h := hashOf(g*10_000 + i)
				c.put(h, gatehouse.Principal{UserID: int64(i%5 + 1), KeyID: int64(g*10_000 + i), Kind: gatehouse.CredAPIKey}, now.Add(time.Hour), c.generation())
				c.get(h, now)
				if i%100 == 0 {
					c.revokeUser(int64(i%5 + 1))
				}
			}
		})
	}
	wg.Wait()
	if n := c.len(); int64(n) != c.n.Load() || n > 500 {
		t.Fatalf("%d entries, counter %d, bound 500", n, c.n.Load())
	}
	var bytes int64
	for i := range c.shards {
		for _, e := range c.shards[i].m {
			bytes += e.size
		}
	}
	if bytes != c.bytes.Load() {
		t.Fatalf("entries hold %d bytes, counter says %d", bytes, c.bytes.Load())
	}
	c.revokeUser(1)
	for i := range c.shards {
		for _, e := range c.shards[i].m {
			if e.p.UserID == 1 {
				t.Fatal("an entry of a revoked user is left")
			}
		}
	}
}

// TestNegCache: a refused hash is remembered for negativeLife; creating a
// credential with that hash forgets it, and a refusal read before that
// creation is not remembered after it; the bound holds.
func TestNegCache(t *testing.T) {
	c := newNegCache(64 * 4)
	now := time.Now()
	c.put(hashOf(1), now, c.generation())
	if !c.has(hashOf(1), now.Add(negativeLife-time.Nanosecond)) {
		t.Fatal("a refused hash forgotten before its life")
	}
	if c.has(hashOf(1), now.Add(negativeLife)) {
		t.Fatal("a refused hash remembered past its life")
	}
	c.forget(hashOf(1))
	if c.has(hashOf(1), now) {
		t.Fatal("a created credential's hash still refused")
	}
	gen := c.generation() // a miss begins its read
	c.forget(hashOf(2))   // a credential is created meanwhile
	c.put(hashOf(2), now, gen)
	if c.has(hashOf(2), now) {
		t.Fatal("a refusal read before the creation was remembered")
	}
	for i := range 10_000 {
		c.put(hashOf(100+i), now, c.generation())
	}
	if n := c.len(); n > 64*4 {
		t.Fatalf("%d entries, bound %d", n, 64*4)
	}
}

// BenchmarkCacheMemory reports the heap one cached verification takes at
// a million entries (an API key of an account with a 22-byte e-mail), and
// the cache's own estimate (entrySize), which CacheBytes bounds:
//
//	go test -run '^$' -bench CacheMemory -benchtime 1x ./internal/core/
func BenchmarkCacheMemory(b *testing.B) {
	const n = 1_000_000
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		c := newCredCache(n, noBytesBound)
		now := time.Now()
		for i := range n {
			c.put(hashOf(i), gatehouse.Principal{UserID: int64(i/100 + 1), KeyID: int64(i + 1), Kind: gatehouse.CredAPIKey,
				Email: fmt.Sprintf("user%06d@example.com", i/100)}, now.Add(time.Hour), c.generation())
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if c.len() != n {
			b.Fatalf("%d entries, want %d", c.len(), n)
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-B/entry")
		b.ReportMetric(float64(c.bytes.Load())/n, "estimated-B/entry")
		runtime.KeepAlive(c)
	}
}
