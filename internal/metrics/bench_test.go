package metrics

import (
	"testing"
	"time"
)

// BenchmarkObserveRequest is what the metrics cost a request: one
// ObserveRequest, from every core at once as requests run.
func BenchmarkObserveRequest(b *testing.B) {
	m := New()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveRequest("GET /auth/verify", "GET", 200, 150*time.Microsecond)
		}
	})
}
