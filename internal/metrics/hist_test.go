package metrics

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

// TestHistLikePrometheus: the request histogram, observed from many
// goroutines at once, gathers as the Prometheus client's own Histogram
// with the same name, help, labels and buckets gathers for the same
// observations: every bucket and count equal, the sum within float
// rounding.
func TestHistLikePrometheus(t *testing.T) {
	t.Parallel()
	ours := newHistVec("x_seconds", "help text", requestBuckets, "route", "method", "status")
	theirs := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "x_seconds", Help: "help text", Buckets: requestBuckets}, []string{"route", "method", "status"})
	keys := [][]string{{"GET /healthz", "GET", "200"}, {"POST /signup", "POST", "400"}, {"unmatched", "OTHER", "404"}}
	hs := make([]*hist, len(keys))
	for i, k := range keys {
		hs[i] = ours.with(k...)
	}
	// Every bound itself (le is inclusive), just past it, and beyond the
	// last, spread over goroutines and keys.
	var ds []time.Duration
	for _, b := range requestBuckets {
		d := time.Duration(b * 1e9)
		ds = append(ds, d, d+1, d-1)
	}
	ds = append(ds, 0, 11*time.Second, time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for g := range 8 {
		wg.Go(func() {
			for n := range 500 {
				k := (g + n) % len(keys)
				d := ds[(g*7+n)%len(ds)]
				hs[k].observe(d)
				mu.Lock()
				theirs.WithLabelValues(keys[k]...).Observe(d.Seconds())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	gather := func(c prometheus.Collector) []*dto.Metric {
		r := prometheus.NewPedanticRegistry()
		r.MustRegister(c)
		fams, err := r.Gather()
		if err != nil || len(fams) != 1 {
			t.Fatalf("gather: %v, %d families", err, len(fams))
		}
		if fams[0].GetHelp() != "help text" || fams[0].GetType() != dto.MetricType_HISTOGRAM {
			t.Errorf("family %v", fams[0])
		}
		return fams[0].Metric
	}
	got, want := gather(ours), gather(theirs)
	if len(got) != len(want) {
		t.Fatalf("%d series, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if math.Abs(g.Histogram.GetSampleSum()-w.Histogram.GetSampleSum()) > 1e-6 {
			t.Errorf("%v: sum %v, want %v", w.Label, g.Histogram.GetSampleSum(), w.Histogram.GetSampleSum())
		}
		g.Histogram.SampleSum, w.Histogram.SampleSum = nil, nil
		w.Histogram.CreatedTimestamp, g.Histogram.CreatedTimestamp = nil, nil
		if !proto.Equal(g, w) {
			t.Errorf("series %d:\n got %v\nwant %v", i, g, w)
		}
	}
}
