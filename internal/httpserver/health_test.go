package httpserver_test

import (
	"net/http"
	"testing"
)

// TestHealth200 covers /healthz and /readyz on a working server.
func TestHealth200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run(t, []scenario{
		{name: "healthz", method: http.MethodGet, path: "/healthz", wantStatus: 200, want: []string{`"status":"ok"`}},
		{name: "readyz", method: http.MethodGet, path: "/readyz", wantStatus: 200, want: []string{`"status":"ok"`, `"database":"ok"`}},
		{name: "healthz doubled slash", method: http.MethodGet, path: "//healthz", wantStatus: 200},
	})
}

// closeStore stops the background work and closes the database under the
// running server.
func (e *env) closeStore(t *testing.T) {
	t.Helper()
	e.stop()
	if err := e.store.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}
	e.dbDown.Store(true)
}

// TestReadyz503 closes the store under a running server: /readyz answers
// 503 with Retry-After while /healthz stays 200.
func TestReadyz503(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.closeStore(t)
	e.run(t, []scenario{
		{name: "readyz", method: http.MethodGet, path: "/readyz", wantStatus: 503, want: []string{`"status":"unavailable"`}, wantHeader: map[string]string{"Retry-After": "1"}},
		{name: "healthz", method: http.MethodGet, path: "/healthz", wantStatus: 200},
	})
}

// TestDatabaseDown503: with the database gone, the API answers 503 with
// Retry-After in each dialect's envelope (docs/security.md 25: with the
// database unreachable, every authenticated route answers 503, never 200),
// even for a credential still in the verification cache.
func TestDatabaseDown503(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	pw := newPassword()
	if r := e.probe(t, u.key); r.status != http.StatusOK { // cached
		t.Fatalf("before close: %s", r)
	}
	e.closeStore(t)

	retry := map[string]string{"Retry-After": "1"}
	e.run(t, []scenario{
		{name: "readyz agrees the database is unreachable", method: http.MethodGet, path: "/readyz", wantStatus: 503},
		{name: "authenticated route with a cached key", path: keysPath, headers: withToken(u.key), body: `{}`, wantStatus: 503, want: []string{`"status":503`}, notWant: []string{"hint"}, wantHeader: retry},
		{name: "authenticated route with a token", path: loginsPath, headers: withToken(u.token), body: `{}`, wantStatus: 503, want: []string{`"status":503`}, notWant: []string{"date_time"}, wantHeader: retry},
		{name: "key creation", path: keyPath, headers: withToken(u.token), body: `{"name": "x"}`, wantStatus: 503, notWant: []string{"stai-"}, wantHeader: retry},
		{name: "token exchange", path: tokenPath, headers: hdr("Content-Type", ctJSON), body: mustJSON(t, map[string]string{"email": u.email, "api_key": u.key}), wantStatus: 503, notWant: []string{"access_token"}, wantHeader: retry},
		{name: "signup", path: "/signup", headers: hdr("Content-Type", ctJSON), body: mustJSON(t, map[string]string{"email": "down@example.com", "password": pw, "confirm_password": pw}), wantStatus: 503, notWant: []string{"stai-"}, wantHeader: retry},
	})
}
