package httpserver

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

// routeTable is the mux every route is registered on, and the paths of the
// patterns among them that match one path exactly: no wildcard, no
// trailing "/", no host ("GET /healthz", "/auth/verify", "/signup").
type routeTable struct {
	*http.ServeMux
	literal []string
}

func newRouteTable() *routeTable { return &routeTable{ServeMux: http.NewServeMux()} }

// Handle registers h for pattern on the mux, and notes pattern's path when
// it is literal.
func (t *routeTable) Handle(pattern string, h http.Handler) {
	t.ServeMux.Handle(pattern, h)
	i := strings.IndexByte(pattern, '/')
	if i < 0 || i > 0 && pattern[i-1] != ' ' {
		return // a host pattern (none today): leave it to the mux
	}
	if p := pattern[i:]; !strings.Contains(p, "{") && !strings.HasSuffix(p, "/") {
		t.literal = append(t.literal, p)
	}
}

// exactMethods are the methods exactRoutes answers without the mux; any
// other goes to it.
var exactMethods = [...]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

func exactMethod(m string) int {
	for i, e := range exactMethods {
		if m == e {
			return i
		}
	}
	return -1
}

// exactRoute is what the mux chose for one method on a literal path, and
// the request histograms of that pattern and method (nil without metrics).
type exactRoute struct {
	h       http.Handler
	pattern string
	obs     *metrics.Route
}

// exactRoutes is the mux's choice, made once, for every literal path and
// method: the handler and pattern mux.Handler gives a request of that
// method for that path. Only choices of a registered pattern are kept; a
// method no pattern of the path takes (the mux's own 405) is left to the
// mux.
//
// Why: ServeMux finds a route by cleaning the path and walking its pattern
// tree, which was an eighth of gatehouse's own CPU on GET /healthz and
// /auth/verify (BenchmarkHealthz, pprof); a map lookup by path gives the
// same answer for the paths that name one route. routeAsSent uses it only
// for a path that is already as the mux would clean it and holds no
// escape, so the mux would match that very path.
type exactRoutes map[string]*[len(exactMethods)]exactRoute

func (t *routeTable) exact(met *metrics.Metrics) exactRoutes {
	e := exactRoutes{}
	for _, p := range t.literal {
		if e[p] != nil {
			continue
		}
		var byMethod [len(exactMethods)]exactRoute
		for i, m := range exactMethods {
			r := &http.Request{Method: m, URL: &url.URL{Path: p}, Header: http.Header{}}
			if h, pattern := t.ServeMux.Handler(r); pattern != "" {
				byMethod[i] = exactRoute{h: h, pattern: pattern, obs: met.Route(pattern, m)}
			}
		}
		e[p] = &byMethod
	}
	return e
}

// lookup returns the route of a request of method for path, if the table
// holds it.
func (e exactRoutes) lookup(method, path string) (exactRoute, bool) {
	if byMethod := e[path]; byMethod != nil {
		if i := exactMethod(method); i >= 0 && byMethod[i].h != nil {
			return byMethod[i], true
		}
	}
	return exactRoute{}, false
}
