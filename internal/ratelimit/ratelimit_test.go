package ratelimit

import (
	"fmt"
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
	if n := len(l.buckets); n > 100 {
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
