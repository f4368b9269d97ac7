package core

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func hashOf(i int) gatehouse.Hash {
	var h gatehouse.Hash
	h[0], h[1], h[2] = byte(i), byte(i>>8), byte(i>>16)
	return h
}

func TestCacheBounded(t *testing.T) {
	c := newCredCache(10)
	now := time.Now()
	for i := range 100 {
		c.put(hashOf(i), gatehouse.Principal{UserID: int64(i%7 + 1), KeyID: int64(i + 1), Kind: gatehouse.CredAPIKey}, now.Add(time.Hour), c.generation())
	}
	if c.len() != 10 {
		t.Fatalf("len = %d, want 10", c.len())
	}
	indexed := 0
	for _, hs := range c.bySubject {
		indexed += len(hs)
	}
	if indexed != 20 { // each entry sits under its user and its key
		t.Fatalf("bySubject indexes %d hashes, want 20", indexed)
	}
}

func TestCacheRevokeKeyAndUser(t *testing.T) {
	c := newCredCache(100)
	now := time.Now()
	// Key 1 of user 1 with a token made from it; key 2 of user 1; key 3 of user 2.
	c.put(hashOf(1), gatehouse.Principal{UserID: 1, KeyID: 1, Kind: gatehouse.CredAPIKey}, now.Add(time.Hour), c.generation())
	c.put(hashOf(2), gatehouse.Principal{UserID: 1, KeyID: 1, Kind: gatehouse.CredAccessToken}, now.Add(time.Hour), c.generation())
	c.put(hashOf(3), gatehouse.Principal{UserID: 1, KeyID: 2, Kind: gatehouse.CredAPIKey}, now.Add(time.Hour), c.generation())
	c.put(hashOf(4), gatehouse.Principal{UserID: 2, KeyID: 3, Kind: gatehouse.CredAPIKey}, now.Add(time.Hour), c.generation())
	c.revokeKey(1)
	for i, want := range map[int]bool{1: false, 2: false, 3: true, 4: true} {
		if _, ok := c.get(hashOf(i), now); ok != want {
			t.Errorf("after revokeKey(1): entry %d present = %v, want %v", i, ok, want)
		}
	}
	c.revokeUser(1)
	if _, ok := c.get(hashOf(3), now); ok {
		t.Error("after revokeUser(1): key 2 still cached")
	}
	if _, ok := c.get(hashOf(4), now); !ok {
		t.Error("revokeUser(1) dropped user 2's entry")
	}
}

// A verification that read the database before a revocation must not
// re-insert the revoked credential afterwards.
func TestCacheStalePutDropped(t *testing.T) {
	c := newCredCache(100)
	gen := c.generation() // lookup starts
	c.revokeKey(1)        // revocation lands meanwhile
	c.put(hashOf(1), gatehouse.Principal{UserID: 1, KeyID: 1}, time.Now().Add(time.Hour), gen)
	if _, ok := c.get(hashOf(1), time.Now()); ok {
		t.Fatal("a put begun before a revocation was cached")
	}
}

func TestCacheExpiry(t *testing.T) {
	c := newCredCache(100)
	now := time.Now()
	c.put(hashOf(1), gatehouse.Principal{UserID: 1, KeyID: 1, Kind: gatehouse.CredAPIKey}, now.Add(time.Second), c.generation())
	if _, ok := c.get(hashOf(1), now.Add(999*time.Millisecond)); !ok {
		t.Fatal("entry gone before expiry")
	}
	if _, ok := c.get(hashOf(1), now.Add(time.Second)); ok {
		t.Fatal("entry served at expiry")
	}
}
