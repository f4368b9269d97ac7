package metrics

import (
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// TestRouteSharesSeries: a Route's observations and ObserveRequest's of the
// same route, method and status are one series, whichever comes first and
// from however many goroutines, each status its own; an unknown method is
// "OTHER" either way; a nil Route (from nil Metrics) observes nothing.
func TestRouteSharesSeries(t *testing.T) {
	t.Parallel()
	m := New()
	r := m.Route("GET /auth/verify", "GET")
	statuses := []int{200, 401, 403, 429, 200, 401}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := range 300 {
				st := statuses[(g+n)%len(statuses)]
				if n%3 == 0 {
					m.ObserveRequest("GET /auth/verify", "GET", st, time.Millisecond)
				} else {
					r.Observe(st, time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	m.Route("/x", "BREW").Observe(418, time.Millisecond)
	m.ObserveRequest("/x", "BREW", 418, time.Millisecond)
	(*Metrics)(nil).Route("/y", "GET").Observe(200, time.Millisecond)

	want := map[[3]string]uint64{}
	for g := range 8 {
		for n := range 300 {
			st := statuses[(g+n)%len(statuses)]
			want[[3]string{"GET /auth/verify", "GET", itoa(st)}]++
		}
	}
	want[[3]string{"/x", "OTHER", "418"}] = 2
	got := map[[3]string]uint64{}
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "gatehouse_http_request_duration_seconds" {
			continue
		}
		for _, mt := range mf.GetMetric() {
			k := [3]string{label(mt, "route"), label(mt, "method"), label(mt, "status")}
			if _, dup := got[k]; dup {
				t.Errorf("series %v twice", k)
			}
			got[k] = mt.GetHistogram().GetSampleCount()
		}
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%v: count %d, want %d", k, got[k], n)
		}
	}
}

func itoa(n int) string {
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
