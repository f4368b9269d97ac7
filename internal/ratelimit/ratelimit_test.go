package ratelimit

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(Limit{Every: time.Second, Burst: 3}, 10, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("4th request: ok=%v wait=%v, want refused with wait in (0,1s]", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another key was limited")
	}
	if blocked, _ := l.Blocked("a"); !blocked {
		t.Fatal("Blocked(a) = false with an empty bucket")
	}
	now = now.Add(time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("no token after refill")
	}
}

func TestLimiterBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(Limit{Every: time.Second, Burst: 1}, 100, func() time.Time { return now })
	for i := range 10_000 {
		l.Allow(fmt.Sprint(i))
	}
	if n := l.len(); n > 100 {
		t.Fatalf("%d buckets, want at most 100", n)
	}
}

func TestZeroLimitAllows(t *testing.T) {
	l := New(Limit{}, 0, nil)
	for range 1000 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatal("zero limit refused")
		}
	}
	var nl *Limiter
	if ok, _ := nl.Allow("a"); !ok {
		t.Fatal("nil limiter refused")
	}
}

// Blocked peeks: it takes nothing, and the wait it reports is the time
// until the next token, not a whole refill period.
func TestBlockedPeeks(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(Limit{Every: 10 * time.Second, Burst: 2}, 10, func() time.Time { return now })
	for range 5 {
		if blocked, _ := l.Blocked("a"); blocked {
			t.Fatal("Blocked on an unknown key")
		}
	}
	l.Allow("a")
	l.Allow("a")
	now = now.Add(4 * time.Second)
	blocked, wait := l.Blocked("a")
	if !blocked || (wait-6*time.Second).Abs() > time.Millisecond {
		t.Fatalf("Blocked = %v, %v; want true, 6s", blocked, wait)
	}
	if ok, w := l.Allow("a"); ok || (w-wait).Abs() > time.Millisecond {
		t.Fatalf("Allow = %v, %v; want false, about %v", ok, w, wait)
	}
	now = now.Add(6 * time.Second)
	if blocked, _ := l.Blocked("a"); blocked {
		t.Fatal("Blocked after the refill")
	}
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("no token after the refill")
	}
}

// TestRefused counts the Allow calls that found no token and the Blocked
// calls that found none.
func TestRefused(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(Limit{Every: time.Hour, Burst: 2}, 10, func() time.Time { return now })
	for range 5 {
		l.Allow("a")
	}
	l.Blocked("a")
	l.Allow("b")
	l.Blocked("b")
	if got := l.Refused(); got != 4 {
		t.Fatalf("Refused() = %d, want 4", got)
	}
	var nilL *Limiter
	if nilL.Refused() != 0 {
		t.Fatal("nil limiter")
	}
}

// TestMatchesTokenBucket: over random arrivals, Allow and Blocked answer as
// a token bucket of Burst tokens refilled one per Every would.
func TestMatchesTokenBucket(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, lim := range []Limit{{Every: time.Second, Burst: 1}, {Every: 100 * time.Millisecond, Burst: 5}, {Every: 6 * time.Second, Burst: 20}} {
		now := time.Unix(1000, 0)
		l := New(lim, 10, func() time.Time { return now })
		tokens, last := float64(lim.Burst), now
		for i := range 20_000 {
			now = now.Add(time.Duration(rng.Int64N(int64(lim.Every) * 2 / int64(lim.Burst+1))))
			tokens = min(float64(lim.Burst), tokens+float64(now.Sub(last))/float64(lim.Every))
			last = now
			want := tokens >= 1-1e-9
			if rng.IntN(4) == 0 {
				if blocked, _ := l.Blocked("k"); blocked == want {
					t.Fatalf("%v op %d: Blocked = %v with %.3f tokens", lim, i, blocked, tokens)
				}
				continue
			}
			ok, wait := l.Allow("k")
			if ok != want {
				t.Fatalf("%v op %d: Allow = %v with %.3f tokens", lim, i, ok, tokens)
			}
			if ok {
				tokens--
			} else if w := time.Duration((1 - tokens) * float64(lim.Every)); (wait - w).Abs() > time.Microsecond {
				t.Fatalf("%v op %d: wait %v, want %v", lim, i, wait, w)
			}
		}
	}
}

// TestBoundIsTheLimiters: with a bound larger than the keys in use, no
// key's half-spent bucket is ever dropped, however the keys fall into
// shards.
func TestBoundIsTheLimiters(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(Limit{Every: time.Hour, Burst: 2}, 10, func() time.Time { return now })
	for i := range 10 {
		l.Allow(fmt.Sprint(i))
		l.Allow(fmt.Sprint(i))
	}
	for i := range 10 {
		if blocked, _ := l.Blocked(fmt.Sprint(i)); !blocked {
			t.Fatalf("key %d's spent bucket was dropped with 10 keys under a bound of 10", i)
		}
	}
}
