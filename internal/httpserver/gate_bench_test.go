//go:build unix

package httpserver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpserver"
	"github.com/gatehouse/gatehouse/internal/metrics"
)

// BenchmarkGateVerify measures GET /auth/verify with a cached API key
// through NewServer's handler, called directly one request at a time, the
// access log written to /dev/null as in BenchmarkHealthz: what gatehouse
// itself adds to a forward-auth check, allocations included.
//
//	go test -run '^$' -bench GateVerify -benchmem ./internal/httpserver/
func BenchmarkGateVerify(b *testing.B) {
	devnull, log, svc := benchService(b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	_, key, err := svc.CreateUser(ctx, "bench@example.com", "password123", false, true)
	if err != nil {
		b.Fatal(err)
	}
	// metrics=off is the handler as before metrics existed; metrics=on as
	// serve runs it (every request observed, /metrics on the mux).
	for _, withMetrics := range []bool{false, true} {
		name := "metrics=off"
		opt := httpserver.Options{AccessLog: httpserver.AccessLogOutput{Writer: devnull, Format: "json"}}
		if withMetrics {
			name = "metrics=on"
			opt.Metrics, opt.ServeMetrics = metrics.New(), true
		}
		b.Run(name, func(b *testing.B) {
			h := httpserver.NewServer(log, svc, opt)
			b.Cleanup(func() { h.Close(context.Background()) })
			r := httptest.NewRequest(http.MethodGet, "/auth/verify", nil)
			r.RemoteAddr = "127.0.0.1:40000"
			r.Header.Set("X-API-Key", key)
			// Until the revocation feed has read the log once (Run does at once),
			// the cache is not trusted and every check reads the database.
			time.Sleep(300 * time.Millisecond)
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, r)
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
			b.ReportAllocs()
			cpu := startCPU()
			n := 0
			for b.Loop() {
				clear(w.h)
				w.status = 0
				h.ServeHTTP(w, r)
				if n++; n%1024 == 0 {
					h.Flush(context.Background())
				}
			}
			h.Flush(context.Background())
			cpu.report(b)
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
			b.ReportMetric(float64(h.DroppedAccessLines()), "dropped")
		})
	}
}
