package metrics

import (
	"testing"
	"time"
)

// BenchmarkObserveRequest is what the metrics cost a request: one
// ObserveRequest, or one Observe of the route's Route (a literal path's),
// from every core at once as requests run.
func BenchmarkObserveRequest(b *testing.B) {
	m := New()
	b.Run("map", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.ObserveRequest("GET /auth/verify", "GET", 200, 150*time.Microsecond)
			}
		})
	})
	b.Run("route", func(b *testing.B) {
		r := m.Route("GET /auth/verify", "GET")
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r.Observe(200, 150*time.Microsecond)
			}
		})
	})
}
