package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// startServeIn runs serve in-process with args and returns its address and
// the addresses its side listeners logged (by log message).
func startServeIn(t *testing.T, args ...string) (string, map[string]string) {
	t.Helper()
	addrs := map[string]string{}
	got := make(chan struct{})
	lw := &lineWriter{all: &syncBuffer{}, onLine: func(line []byte) {
		var m struct{ Msg, Addr string }
		if json.Unmarshal(line, &m) != nil || m.Addr == "" {
			return
		}
		addrs[m.Msg] = m.Addr
		if m.Msg == "listening" {
			close(got)
		}
	}}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...),
			func(string) string { return "" }, strings.NewReader(""), io.Discard, lw)
	}()
	t.Cleanup(func() { cancel(); <-served })
	select {
	case <-got:
	case err := <-served:
		t.Fatalf("serve returned: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return addrs["listening"], addrs
}

// TestServerLimitValues: the public server's limits are the documented ones.
func TestServerLimitValues(t *testing.T) {
	cfg := config.Default()
	srv := newHTTPServer(cfg, http.NotFoundHandler())
	if srv.ReadHeaderTimeout != 5*time.Second || srv.ReadTimeout != 30*time.Second || srv.IdleTimeout != 120*time.Second ||
		srv.MaxHeaderBytes != 64<<10 || srv.WriteTimeout != cfg.LLMTimeout+30*time.Second {
		t.Fatalf("limits: header %v, read %v, write %v, idle %v, header bytes %d", srv.ReadHeaderTimeout, srv.ReadTimeout,
			srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
}

// TestServeLimits: against a running serve, a header over 64 KiB is 431, a
// body over the surface's limit is 413, and a client that never finishes
// its header is cut off after the read-header timeout (5 s), while a
// normal request on another connection is answered meanwhile.
func TestServeLimits(t *testing.T) {
	t.Parallel()
	addr, _ := startServeIn(t)
	req, _ := http.NewRequest("GET", "http://"+addr+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 70<<10))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 70 KiB header: %v %v, want 431", resp, err)
	} else {
		resp.Body.Close()
	}
	resp, err := http.Post("http://"+addr+"/signup", "application/json", strings.NewReader(`{"email":"`+strings.Repeat("a", 70<<10)+`"}`))
	if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 70 KiB sign-up: %v %v, want 413", resp, err)
	} else {
		resp.Body.Close()
	}

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n") // and never the blank line
	if r, err := http.Get("http://" + addr + "/healthz"); err != nil || r.StatusCode != 200 {
		t.Fatalf("another client meanwhile: %v %v", r, err)
	}
	c.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, err = bufio.NewReader(c).ReadByte()
	took := time.Since(start)
	if err == nil {
		// Go may answer 408 before closing; what matters is that it closes.
		io.Copy(io.Discard, c)
		took = time.Since(start)
	}
	if took < 4*time.Second || took > 10*time.Second {
		t.Errorf("the slow header was cut off after %v, want about 5s", took)
	}
}

// TestServeMetricsAddr: by default /metrics is on the public listener;
// with --metrics-addr it is only on that one.
func TestServeMetricsAddr(t *testing.T) {
	t.Parallel()
	get := func(url string) int {
		t.Helper()
		r, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode == 200 && strings.HasSuffix(url, "/metrics") && !strings.Contains(string(b), "gatehouse_http_request_duration_seconds") {
			t.Errorf("%s: no request metrics in %.200s", url, b)
		}
		return r.StatusCode
	}
	pub, _ := startServeIn(t)
	get("http://" + pub + "/healthz")
	if s := get("http://" + pub + "/metrics"); s != 200 {
		t.Errorf("default /metrics on the public listener: %d", s)
	}
	pub2, side := startServeIn(t, "--metrics-addr", "127.0.0.1:0")
	get("http://" + pub2 + "/healthz")
	if s := get("http://" + pub2 + "/metrics"); s != 404 {
		t.Errorf("/metrics on the public listener with --metrics-addr: %d, want 404", s)
	}
	if side["metrics listening"] == "" {
		t.Fatal("no metrics listener logged")
	}
	if s := get("http://" + side["metrics listening"] + "/metrics"); s != 200 {
		t.Errorf("/metrics on the metrics listener: %d", s)
	}
}
