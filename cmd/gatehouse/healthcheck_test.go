package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// healthcheck exits 0, printing nothing, when the URL answers 200, and 1
// on any other answer or none.
func TestHealthcheck(t *testing.T) {
	t.Parallel()
	serve := func(status int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || r.URL.Path != "/healthz" {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(status)
		}))
		t.Cleanup(srv.Close)
		return srv.URL + "/healthz"
	}
	// An address that refuses connections: a port that was just listened
	// on and closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/healthz"
	ln.Close()

	tests := []struct {
		name     string
		url      string
		wantExit int
		wantMsg  string
	}{
		{"200", serve(http.StatusOK), 0, ""},
		{"503", serve(http.StatusServiceUnavailable), 1, "503"},
		{"404", serve(http.StatusNotFound), 1, "404"},
		{"302 is not followed", serve(http.StatusFound), 1, "302"},
		{"refused", refused, 1, "refused"},
		{"not a URL", "::", 1, "healthcheck"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, nil, "", "healthcheck", "--url", tt.url)
			if r.stdout != "" || r.stderr != "" {
				t.Errorf("stdout %q, stderr %q; want nothing (main prints the error)", r.stdout, r.stderr)
			}
			if tt.wantExit == 0 {
				if r.err != nil {
					t.Fatalf("healthcheck --url %s: %v, want success", tt.url, r.err)
				}
				return
			}
			if r.err == nil {
				t.Fatalf("healthcheck --url %s: success, want exit %d", tt.url, tt.wantExit)
			}
			if got := exitCode(r.err); got != tt.wantExit {
				t.Errorf("exit %d (%v), want %d", got, r.err, tt.wantExit)
			}
			if !strings.Contains(r.err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", r.err, tt.wantMsg)
			}
		})
	}
}

// A server that does not answer within the timeout is unhealthy.
func TestHealthcheckTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	start := time.Now()
	err := probe(t.Context(), srv.URL+"/healthz", 100*time.Millisecond)
	if err == nil {
		t.Fatal("probe of a server that never answers: success")
	}
	if exitCode(err) != 1 {
		t.Errorf("exitCode(%v) = %d, want 1", err, exitCode(err))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("probe took %v with a 100ms timeout", d)
	}
}

// The default is the address the container image serves on.
func TestHealthcheckDefaults(t *testing.T) {
	t.Parallel()
	_, o, _, err := parse("healthcheck", nil, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if o.url != "http://127.0.0.1:8080/healthz" {
		t.Errorf("default --url = %q", o.url)
	}
	// An argument is a usage error, as for every command.
	r := runCLI(t, nil, "", "healthcheck", "extra")
	if r.err == nil || exitCode(r.err) != 2 {
		t.Errorf("healthcheck extra: err %v, want a usage error (exit 2)", r.err)
	}
}
