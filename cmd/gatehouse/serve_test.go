package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestServeFlushesAccessLogOnShutdown: serve writes the access log off the
// request path; when it stops, the line of every request it answered is on
// stderr, before "stopped". Until the signal, stderr takes no access-log
// line, so they are all still buffered when it comes.
func TestServeFlushesAccessLogOnShutdown(t *testing.T) {
	t.Parallel()
	addrc := make(chan string, 1)
	var stderr syncBuffer
	lw := &lineWriter{all: &stderr, onLine: func(line []byte) {
		var m struct{ Msg, Addr string }
		if json.Unmarshal(line, &m) == nil && m.Msg == "listening" {
			addrc <- m.Addr
		}
	}}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	served := make(chan error, 1)
	go func() {
		served <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, func(string) string { return "" },
			strings.NewReader(""), io.Discard, gatedWriter{w: lw, gate: ctx.Done()})
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-served:
		t.Fatalf("serve returned before listening: %v\nstderr:\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("no listening line within 30s\nstderr:\n%s", stderr.String())
	}

	// Requests from several clients at once, the last ones answered just
	// before the signal.
	var (
		mu  sync.Mutex
		ids = map[string]bool{}
		wg  sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for range 25 {
				resp, err := http.Get("http://" + addr + "/healthz")
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				ids[resp.Header.Get("X-Request-Id")] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("serve: %v\nstderr:\n%s", err, stderr.String())
	}

	stopped := false
	for line := range strings.Lines(stderr.String()) {
		var m struct{ Msg, RequestID string }
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("stderr line %q: %v", line, err)
		}
		switch {
		case m.Msg == "stopped":
			stopped = true
		case m.Msg == "request" && stopped:
			t.Errorf("access-log line after \"stopped\": %s", line)
		case m.Msg == "request":
			delete(ids, m.RequestID)
		}
	}
	if !stopped || len(ids) > 0 {
		t.Errorf("stopped logged: %v; %d answered requests without an access-log line before it\nstderr:\n%s", stopped, len(ids), stderr.String())
	}
}

// gatedWriter passes writes to w, but holds back an access-log line until
// gate is closed.
type gatedWriter struct {
	w    io.Writer
	gate <-chan struct{}
}

func (g gatedWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(`"msg":"request"`)) {
		<-g.gate
	}
	return g.w.Write(p)
}
