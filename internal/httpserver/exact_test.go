package httpserver

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// TestExactRoutesAgreeWithMux: for every literal path the routes register
// and every method, the exact table holds the route the mux chooses (same
// pattern, same handler) or leaves the request to the mux; the hot paths
// are in it; and a request served through routeAsSent gets the pattern the
// mux would have given it, with or without the table.
func TestExactRoutesAgreeWithMux(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "g.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.DiscardHandler)
	notFound := notFoundBySurface(log)
	rt := newRouteTable()
	addRoutes(rt, log, core.New(st, core.Options{Logger: log}), notFound)
	exact := rt.exact(nil)

	for _, p := range []string{"/healthz", "/auth/verify", "/user/get-user-logins", "/v2/apps", "/signup"} {
		if _, ok := exact.lookup(http.MethodGet, p); !ok && p != "/user/get-user-logins" {
			t.Errorf("GET %s: not in the exact table", p)
		}
		if _, ok := exact.lookup(http.MethodPost, p); !ok && p != "/healthz" {
			t.Errorf("POST %s: not in the exact table", p)
		}
	}
	for _, p := range []string{"/v2/apps/{appId}", "/auth/verify/", "/", "/v2/apps/x"} {
		if _, ok := exact.lookup(http.MethodGet, p); ok {
			t.Errorf("GET %s: in the exact table, which holds literal paths only", p)
		}
	}

	methods := append(exactMethods[:], http.MethodConnect, http.MethodTrace, "FOO")
	n := 0
	for _, p := range rt.literal {
		for _, m := range methods {
			r := httptest.NewRequest(m, p, nil)
			wantH, wantPattern := rt.ServeMux.Handler(r)
			if got, ok := exact.lookup(m, p); ok {
				n++
				if got.pattern != wantPattern || !sameHandler(got.h, wantH) {
					t.Errorf("%s %s: exact table has %q %T, the mux %q %T", m, p, got.pattern, got.h, wantPattern, wantH)
				}
			} else if exactMethod(m) >= 0 && wantPattern != "" {
				t.Errorf("%s %s: the mux has %q, the exact table nothing", m, p, wantPattern)
			}

			// Through routeAsSent, with and without the table: the
			// pattern the handler sees is the mux's.
			for _, e := range []exactRoutes{exact, nil} {
				var seen string
				mux := http.NewServeMux()
				probe := exactRoutes{}
				for path, byMethod := range e {
					c := *byMethod
					for i := range c {
						if c[i].h != nil {
							pattern := c[i].pattern
							c[i].h = http.HandlerFunc(func(http.ResponseWriter, *http.Request) { seen = pattern })
						}
					}
					probe[path] = &c
				}
				if e == nil {
					probe = nil
				}
				mux.Handle("/", http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
					_, seen = rt.ServeMux.Handler(r)
				}))
				r := httptest.NewRequest(m, p, nil)
				routeAsSent(mux, probe, notFound).ServeHTTP(httptest.NewRecorder(), r)
				if seen != wantPattern {
					t.Errorf("%s %s (table %v): the handler saw pattern %q, want %q", m, p, e != nil, seen, wantPattern)
				}
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d method and path pairs in the exact table", n)
	}
}

// sameHandler reports whether a and b are the same handler: the same
// value, or the same function.
func sameHandler(a, b http.Handler) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Type() != vb.Type() {
		return false
	}
	switch va.Kind() {
	case reflect.Func, reflect.Pointer:
		return va.Pointer() == vb.Pointer()
	}
	return reflect.DeepEqual(a, b)
}
