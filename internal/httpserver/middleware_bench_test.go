//go:build unix

package httpserver_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpserver"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// BenchmarkHealthz measures GET /healthz through NewServer's handler (every
// middleware, the access log in the production JSON format written to
// /dev/null, so each write costs its system call) against a bare handler
// answering the same bytes, in one run:
//
//	go test -run '^$' -bench Healthz -cpuprofile cpu.out ./internal/httpserver/
//
// "serve" calls the handler directly, one request at a time, flushing the
// access log (where there is a Flush) every 1,024 requests so that it
// drops nothing: a dropped line would be work not done. "http" drives a
// loopback server from parallel keep-alive clients (in the same process).
// Besides ns/op, each reports cpu-ns/op: the CPU time the whole process
// (every goroutine, the garbage collector, the clients of "http") used per
// request, from getrusage, which time other processes take from a shared
// machine does not inflate as it does wall time.
func BenchmarkHealthz(b *testing.B) {
	devnull, log, svc := benchService(b)
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
			// As cmd/gatehouse serves: with Options.AccessLog set to the
			// logger's writer and format where there is one. Through
			// reflect and http.Handler, so this file builds against a
			// NewServer with or without it.
			opt := httpserver.Options{}
			if f := reflect.ValueOf(&opt).Elem().FieldByName("AccessLog"); f.IsValid() {
				f.FieldByName("Writer").Set(reflect.ValueOf(devnull))
				f.FieldByName("Format").SetString("json")
			}
			var h http.Handler = httpserver.NewServer(log, svc, opt)
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
			f, _ := h.(interface{ Flush(context.Context) error })
			b.ReportAllocs()
			cpu := startCPU()
			n := 0
			for b.Loop() {
				h.ServeHTTP(w, r)
				if n++; f != nil && n%1024 == 0 {
					f.Flush(context.Background())
				}
			}
			if f != nil {
				f.Flush(context.Background())
			}
			cpu.report(b)
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
			cpu := startCPU()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					get()
				}
			})
			cpu.report(b)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			reportDropped(b, h)
		})
	}
}

// discardWriter is a ResponseWriter that keeps only the status.
// benchService is a Service over a fresh SQLite file, logging as JSON to
// /dev/null (devnull, which the benchmarks also give the access log).
func benchService(b *testing.B) (devnull *os.File, log *slog.Logger, svc *core.Service) {
	b.Helper()
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { devnull.Close() })
	log = slog.New(slog.NewJSONHandler(devnull, nil))
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "g.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return devnull, log, core.New(st, core.Options{Logger: log, Argon2: cheapArgon2})
}

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

// cpuMark is the process's CPU time when a measurement started.
type cpuMark time.Duration

func startCPU() cpuMark { return cpuMark(processCPU()) }

// report reports the process CPU time since m per b.N, as cpu-ns/op.
func (m cpuMark) report(b *testing.B) {
	b.ReportMetric(float64(processCPU()-time.Duration(m))/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
