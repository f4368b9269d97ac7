package httpserver_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpserver"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// BenchmarkHealthz measures GET /healthz through NewServer's handler (every
// middleware, the access log in the production JSON format written to
// /dev/null, so each line costs its write system call) against a bare
// handler answering the same bytes, in one run:
//
//	go test -run '^$' -bench Healthz -cpuprofile cpu.out ./internal/httpserver/
//
// "serve" calls the handler directly, one request at a time: ns/op is the
// request goroutine's cost alone, so work moved to another goroutine does
// not show there (the CPU profile shows it). "http" drives a loopback
// server from parallel keep-alive clients: req/s is what every goroutine of
// the process together sustains.
func BenchmarkHealthz(b *testing.B) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { devnull.Close() })
	log := slog.New(slog.NewJSONHandler(devnull, nil))
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "g.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := core.New(st, core.Options{Logger: log})
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"status":"ok"}`))
	})
	handlers := []struct {
		name string
		h    func(b *testing.B) http.Handler
	}{
		{"bare", func(*testing.B) http.Handler { return bare }},
		{"gatehouse", func(b *testing.B) http.Handler {
			// Through http.Handler, so this file builds against a NewServer
			// returning either.
			var h http.Handler = httpserver.NewServer(log, svc, httpserver.Options{})
			if c, ok := h.(interface{ Close(context.Context) error }); ok {
				b.Cleanup(func() { c.Close(context.Background()) })
			}
			return h
		}},
	}
	// reportDropped reports the access-log lines h dropped (a handler
	// without a buffered access log drops none).
	reportDropped := func(b *testing.B, h http.Handler) {
		if d, ok := h.(interface{ DroppedAccessLines() uint64 }); ok {
			b.ReportMetric(float64(d.DroppedAccessLines()), "dropped")
		}
	}

	for _, hh := range handlers {
		b.Run("serve/"+hh.name, func(b *testing.B) {
			h := hh.h(b)
			r := httptest.NewRequest(http.MethodGet, "/healthz", nil)
			r.RemoteAddr = "127.0.0.1:40000"
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
			reportDropped(b, h)
		})
	}
	for _, hh := range handlers {
		b.Run("http/"+hh.name, func(b *testing.B) {
			h := hh.h(b)
			srv := httptest.NewServer(h)
			b.Cleanup(srv.Close)
			client := srv.Client()
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
			get := func() {
				resp, err := client.Get(srv.URL + "/healthz")
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			get()
			b.ReportAllocs()
			b.ResetTimer()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					get()
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			reportDropped(b, h)
		})
	}
}

// discardWriter is a ResponseWriter that keeps only the status.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(code int) { w.status = code }

func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}
