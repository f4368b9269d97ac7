package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDebugAddr: --debug-addr serves Go's profiler on its own listener,
// and only there: the public listener answers /debug/pprof/ with a 404.
func TestDebugAddr(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping in -short mode: it builds and runs the gatehouse binary")
	}
	h := newE2E(t)
	srv := h.startServerFlags(t.TempDir(), "--debug-addr", "127.0.0.1:0")
	var addr string
	for line := range strings.SplitSeq(srv.stderr.String(), "\n") {
		var m struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &m) == nil && m.Msg == "profiler listening" {
			addr = m.Addr
		}
	}
	if addr == "" {
		t.Fatalf("no \"profiler listening\" line; stderr:\n%s", srv.stderr.String())
	}
	c := &http.Client{Timeout: 10 * time.Second}
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := c.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("http://" + addr + "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("the profiler's index: %d %.200s", code, body)
	}
	if code, _ := get("http://" + addr + "/debug/pprof/heap?debug=1"); code != http.StatusOK {
		t.Errorf("the heap profile: %d", code)
	}
	if code, _ := get("http://" + srv.addr + "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("/debug/pprof/ on the public listener: %d, want 404", code)
	}
	srv.stop()
}
