package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// counter is a server that counts the values of one request header.
type counter struct {
	mu   sync.Mutex
	seen map[string]int
	xff  map[string]int
}

func newCounter(t *testing.T, header string) (*counter, string) {
	t.Helper()
	c := &counter{seen: map[string]int{}, xff: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.seen[r.Header.Get(header)]++
		if v := r.Header.Get("X-Forwarded-For"); v != "" {
			c.xff[v]++
		}
		c.mu.Unlock()
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	return c, srv.URL
}

func needWrk(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk not installed (apt-get install wrk)")
	}
}

func valueFile(t *testing.T, n int) (string, []string) {
	t.Helper()
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprintf("v%06d", i)
	}
	f, err := writeLines(t.TempDir(), "vals.txt", vals)
	if err != nil {
		t.Fatal(err)
	}
	return f, vals
}

// TestWalkSendsEachLineOnce: a walk (the cold measurements) never sends a
// key twice, answers nearly all of them, and ends by itself long before
// wrk's duration.
func TestWalkSendsEachLineOnce(t *testing.T) {
	needWrk(t)
	for _, tc := range []struct{ threads, conns, lines int }{{2, 32, 5000}, {1, 8, 1000}, {4, 16, 3001}} {
		t.Run(fmt.Sprintf("t%d-c%d-%d", tc.threads, tc.conns, tc.lines), func(t *testing.T) {
			c, url := newCounter(t, "X-API-Key")
			file, _ := valueFile(t, tc.lines)
			l := load{method: "GET", path: "/auth/verify", rotate: &rotation{header: "X-API-Key", file: file}, walk: true, want: 200}
			script, err := l.script(t.TempDir(), "walk", tc.threads, tc.conns)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r, err := wrkRun(t.Context(), script, url, tc.threads, tc.conns, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if el := time.Since(start); el > 30*time.Second {
				t.Errorf("walk took %s: it did not end by itself", el)
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			for v, n := range c.seen {
				if n > 1 {
					t.Errorf("value %q sent %d times", v, n)
				}
			}
			if min := int64(tc.lines - 2*tc.conns); r.Requests < min || r.Bad != 0 {
				t.Errorf("answers %d (want ≥ %d), bad %d", r.Requests, min, r.Bad)
			}
		})
	}
}

// TestRotationIsEven: a rotation (the key-creation accounts) gives every
// value total/values + threads requests at most, whatever each thread's
// speed, which kcBudget relies on; xff spreads over distinct addresses.
func TestRotationIsEven(t *testing.T) {
	needWrk(t)
	c, url := newCounter(t, "x-access-tokens")
	file, vals := valueFile(t, 101)
	const threads, conns = 2, 8
	l := load{method: "POST", path: "/user/user-api-key", body: `{"name":"bench"}`, xff: true,
		rotate: &rotation{header: "x-access-tokens", file: file}}
	script, err := l.script(t.TempDir(), "rot", threads, conns)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrkRun(t.Context(), script, url, threads, conns, time.Second); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for _, n := range c.seen {
		total += n
	}
	lo, hi := total, 0
	for _, v := range vals {
		lo, hi = min(lo, c.seen[v]), max(hi, c.seen[v])
	}
	if len(c.seen) != len(vals) || hi > total/len(vals)+threads || lo < total/len(vals)-threads {
		t.Errorf("%d requests over %d values (%d seen): from %d to %d each", total, len(vals), len(c.seen), lo, hi)
	}
	maxPerIP := 0
	for _, n := range c.xff {
		maxPerIP = max(maxPerIP, n)
	}
	if want := total/65536 + threads; maxPerIP > want {
		t.Errorf("an address sent %d requests, want at most %d", maxPerIP, want)
	}
}

func TestLuaQuote(t *testing.T) {
	for in, want := range map[string]string{``: `""`, `{"a":"b\c"}`: `"{\"a\":\"b\\c\"}"`} {
		if got := luaQuote(in); got != want {
			t.Errorf("luaQuote(%q) = %s, want %s", in, got, want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("luaQuote accepted a newline")
		}
	}()
	luaQuote("a\nb")
}
