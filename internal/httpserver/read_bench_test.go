//go:build unix

package httpserver_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpserver"
	"github.com/gatehouse/gatehouse/internal/metrics"
)

// BenchmarkLoginsRead measures POST /user/get-user-logins (a cached API
// key, then one SQLite read of the account's 5 latest logins) through
// NewServer's handler as serve runs it, called directly one request at a
// time, the access log written to /dev/null: what gatehouse adds around
// the read, and the read.
//
//	go test -run '^$' -bench LoginsRead -benchmem ./internal/httpserver/
func BenchmarkLoginsRead(b *testing.B) {
	devnull, log, svc, key := benchAccount(b)
	opt := httpserver.Options{AccessLog: httpserver.AccessLogOutput{Writer: devnull, Format: "json"},
		Metrics: metrics.New(), ServeMetrics: true}
	h := httpserver.NewServer(log, svc, opt)
	b.Cleanup(func() { h.Close(context.Background()) })
	post := func(path, cred, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("Content-Type", "application/json")
		if cred != "" {
			r.Header.Set("x-access-tokens", cred)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for range 5 {
		if w := post("/user/get-token-with-api-key", "", `{"email":"bench@example.com","api_key":"`+key+`"}`); w.Code != http.StatusOK {
			b.Fatalf("exchange: %d %s", w.Code, w.Body)
		}
	}
	time.Sleep(300 * time.Millisecond) // the revocation feed's first read: the key cache is trusted
	if w := post("/user/get-user-logins", key, "{}"); w.Code != http.StatusOK || strings.Count(w.Body.String(), `"id"`) != 5 {
		b.Fatalf("logins: %d %s", w.Code, w.Body)
	}
	body := strings.NewReader("{}")
	r := httptest.NewRequest(http.MethodPost, "/user/get-user-logins", body)
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("x-access-tokens", key)
	serveLoop(b, h, r, func() {
		body.Reset("{}")
		r.Body = io.NopCloser(body)
	})
}
