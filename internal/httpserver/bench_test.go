package httpserver_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpserver"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// BenchmarkAuthenticatedRead measures an authenticated read over HTTP
// (POST /user/get-user-api-keys with a cached API key: one cache hit and one
// database read per request) on each backend, in parallel, so the two can
// be compared in one run:
//
//	GATEHOUSE_TEST_POSTGRES=postgres://... go test -run '^$' -bench AuthenticatedRead ./internal/httpserver/
func BenchmarkAuthenticatedRead(b *testing.B) {
	benchBackends(b, func(b *testing.B, url, email, key string, client *http.Client) func() {
		return func() { benchPost(b, client, url+"/user/get-user-api-keys", key, "{}") }
	})
}

// BenchmarkTokenExchange measures POST /user/get-token-with-api-key (a write:
// a token row and a login row, committed before the answer) on each backend,
// in parallel.
func BenchmarkTokenExchange(b *testing.B) {
	benchBackends(b, func(b *testing.B, url, email, key string, client *http.Client) func() {
		body := `{"email":"` + email + `","api_key":"` + key + `"}`
		return func() { benchPost(b, client, url+"/user/get-token-with-api-key", "", body) }
	})
}

func benchPost(b *testing.B, client *http.Client, url, cred, body string) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if cred != "" {
		req.Header.Set("x-access-tokens", cred)
	}
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// benchBackends runs op, made by mk for an active account and its key, in
// parallel against a server on each backend.
func benchBackends(b *testing.B, mk func(b *testing.B, url, email, key string, client *http.Client) func()) {
	backends := []struct {
		name string
		open func(b *testing.B) gatehouse.Store
	}{
		{"sqlite", func(b *testing.B) gatehouse.Store {
			s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "g.db"), sqlite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		}},
		{"postgres", func(b *testing.B) gatehouse.Store {
			// The production pool size (4 × GOMAXPROCS), not pgtest's small one.
			s, err := postgres.Open(context.Background(), pgtest.SchemaDSN(b), postgres.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		}},
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			store := be.open(b)
			svc := core.New(store, core.Options{
				Argon2: password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
				Limits: core.Limits{SignupPerIP: core.Unlimited, ExchangePerIP: core.Unlimited, FailuresPerIP: core.Unlimited, ExchangeFailuresPerIPAccount: core.Unlimited},
			})
			ctx := context.Background()
			_, key, err := svc.Signup(ctx, core.SignupInput{Email: "bench@example.com", Password: "password1", ConfirmPassword: "password1"})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := svc.ActivateUser(ctx, "bench@example.com"); err != nil {
				b.Fatal(err)
			}
			h := httpserver.NewServer(slog.New(slog.DiscardHandler), svc, httpserver.Options{})
			b.Cleanup(func() { h.Close(context.Background()) })
			srv := httptest.NewServer(h)
			b.Cleanup(srv.Close)
			client := srv.Client()
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
			do := mk(b, srv.URL, "bench@example.com", key, client)
			do()
			b.ResetTimer()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					do()
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
