//go:build unix

package httpserver_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpserver"
	"github.com/gatehouse/gatehouse/internal/metrics"
)

// benchAccount is benchService with the service running (its revocation
// feed, which the key cache waits for) and an active account's API key.
func benchAccount(b *testing.B) (devnull *os.File, log *slog.Logger, svc *core.Service, key string) {
	b.Helper()
	devnull, log, svc = benchService(b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	_, key, err := svc.CreateUser(ctx, "bench@example.com", "password123", false, true)
	if err != nil {
		b.Fatal(err)
	}
	return devnull, log, svc, key
}

// serveLoop serves r through h for the benchmark's loop, one request at a
// time (prep, when set, readies r before each), flushing the access log
// every 1,024 requests so that it drops nothing, and reports allocations
// and cpu-ns/op. Every answer must be a 200.
func serveLoop(b *testing.B, h *httpserver.Server, r *http.Request, prep func()) {
	b.Helper()
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	cpu := startCPU()
	n := 0
	for b.Loop() {
		clear(w.h)
		w.status = 0
		if prep != nil {
			prep()
		}
		h.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
		if n++; n%1024 == 0 {
			h.Flush(context.Background())
		}
	}
	h.Flush(context.Background())
	cpu.report(b)
}

// BenchmarkGateVerify measures GET /auth/verify with a cached API key
// through NewServer's handler, called directly one request at a time, the
// access log written to /dev/null as in BenchmarkHealthz: what gatehouse
// itself adds to a forward-auth check, allocations included.
//
//	go test -run '^$' -bench GateVerify -benchmem ./internal/httpserver/
func BenchmarkGateVerify(b *testing.B) {
	devnull, log, svc, key := benchAccount(b)
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
			serveLoop(b, h, r, nil)
			b.ReportMetric(float64(h.DroppedAccessLines()), "dropped")
		})
	}
}
