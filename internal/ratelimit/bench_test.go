package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkAllowManyKeys: failures from 65,536 client IPs at once, on
// every core, as the gate's unknown-key flood makes them:
//
//	go test -run '^$' -bench AllowManyKeys -cpu 1,2 ./internal/ratelimit/
func BenchmarkAllowManyKeys(b *testing.B) {
	l := New(Limit{Every: time.Second, Burst: 50}, 100_000, nil)
	keys := make([]string, 65536)
	for i := range keys {
		keys[i] = "10.77." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			l.Allow(keys[i&65535])
			i += 7
		}
	})
}

// BenchmarkAllowFlood: every request from a new address, so the limiter
// stays at its bound and keeps making room (a flood of distinct IPs):
//
//	go test -run '^$' -bench AllowFlood ./internal/ratelimit/
func BenchmarkAllowFlood(b *testing.B) {
	l := New(Limit{Every: time.Second, Burst: 50}, 10_000, nil)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.Allow(strconv.Itoa(i))
		i++
	}
	if n := l.len(); n > 10_000 {
		b.Fatalf("%d buckets held, bound 10,000", n)
	}
}
