package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bench/gatebench/benchserver"
)

// TestSameAnswer requires the same-answer reference to send the answer it
// recorded, but for its Date: the same status line, every header field
// with its values (a repeated one too) and the same body, for a 200 with
// eight header fields and no body (an /auth/verify answer) and for a 401
// with a body.
func TestSameAnswer(t *testing.T) {
	t.Parallel()
	answers := map[string]http.HandlerFunc{
		"verify": func(w http.ResponseWriter, _ *http.Request) {
			h := w.Header()
			h.Set("Cache-Control", "no-store")
			h.Set("X-Request-Id", "0123456789abcdef")
			for _, kv := range [][2]string{{"User", "7"}, {"Email", "a@b.example"}, {"Credential", "api_key"}, {"Key", "3"}, {"Scope", "user"}, {"Cac", "false"}} {
				h.Set("X-Gatehouse-"+kv[0], kv[1])
			}
			w.WriteHeader(http.StatusOK)
		},
		"refused": func(w http.ResponseWriter, _ *http.Request) {
			h := w.Header()
			h.Set("Content-Type", "application/json")
			h.Add("Www-Authenticate", `Bearer realm="gatehouse"`)
			h.Add("Www-Authenticate", `Basic realm="gatehouse"`)
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"unauthorized"}`))
		},
	}
	date := regexp.MustCompile(`(?m)^Date: .*\r\n`)
	dump := func(t *testing.T, url string) (int, http.Header, []byte, []byte) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, err := httputil.DumpResponse(resp, true)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		body.Write(raw[bytes.Index(raw, []byte("\r\n\r\n"))+4:])
		return resp.StatusCode, resp.Header, body.Bytes(), date.ReplaceAll(raw, nil)
	}
	for name, h := range answers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			orig := httptest.NewServer(h)
			defer orig.Close()
			st, hdr, body, want := dump(t, orig.URL)
			a := recordAnswer(st, hdr, body)
			for _, kv := range a.Headers {
				if kv[0] == "Date" || kv[0] == "Content-Length" {
					t.Errorf("recorded %s: net/http writes it itself", kv[0])
				}
			}
			ref := httptest.NewServer(a.Handler())
			defer ref.Close()
			if _, _, _, got := dump(t, ref.URL); !bytes.Equal(got, want) {
				t.Errorf("the same-answer reference sent\n%s\nwant (the recorded answer)\n%s", got, want)
			}
		})
	}
}

// TestSameAnswerStarts: the same-answer reference of a refusal (every
// answer a 401, /healthz's too) starts, and then gives that answer. It
// did not: start waited for a 200 from /healthz, and the verify-unknown
// row lost its reference.
func TestSameAnswerStarts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the bare handler")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bare")
	if out, err := exec.Command("go", "build", "-o", bin, "./bare").CombinedOutput(); err != nil {
		t.Fatalf("go build ./bare: %v\n%s", err, out)
	}
	ans := benchserver.Answer{Status: http.StatusUnauthorized, Body: `{"error":"unauthorized"}`,
		Headers: [][2]string{{"Content-Type", "application/json"}, {"Www-Authenticate", `Bearer realm="gatehouse"`}}}
	raw, err := json.Marshal(ans)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "answer.json")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	b := &bench{bareBin: bin}
	ref := b.sameAnswer(file, ans.Status)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := ref.start(ctx); err != nil {
		t.Fatal(err)
	}
	defer ref.stop()
	st, h, body, err := call(t.Context(), "GET", ref.url("/auth/verify"), nil, "")
	if err != nil || st != ans.Status || string(body) != ans.Body || h.Get("Www-Authenticate") != ans.Headers[1][1] {
		t.Errorf("answer %d %q %v (%v), want the recorded %d %q", st, body, h, err, ans.Status, ans.Body)
	}
}
