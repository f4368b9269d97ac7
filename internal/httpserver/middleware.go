package httpserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/reqinfo"
)

// routeAsSent serves mux so that a request routes by its path exactly as
// the client sent it (docs/security.md 23a): nothing it encodes becomes
// structure, and nothing it encodes names a route. Otherwise
// "/healthz/..%2fuser/user-api-key" could become "/user/user-api-key", and
// a proxy rule on the path as sent ("only /v2/ from outside") be walked
// around.
//
// A path is refused, before mux sees it, when it
//   - encodes a "/", ".", "\" or "%" (%2f, %2e, %5c, %25 in either case): the
//     bytes that build or hide structure, or a second round of decoding;
//   - holds a "\" or a "." or ".." segment, even unencoded: they are
//     refused, not cleaned, since a proxy that does not normalise would
//     take "/v2/../user/x" for a /v2 request (browsers, curl and the
//     dialects' clients remove dot segments before sending, so nothing
//     legitimate is refused);
//   - does not start with "/" (absolute form without a path, CONNECT's
//     authority form, "*");
//   - decodes to a control character (%00, %0a) or to bytes that are not
//     UTF-8 (%ff): no route or id has one, and an id holding one would
//     reach the store, where PostgreSQL refuses it and SQLite does not;
//   - spells a literal segment of the route it matched with escapes
//     ("/%75ser/user-api-key"): only a wildcard segment ({appId}, {keyId})
//     may carry an escape, and there it is data, decoded once into an id
//     that core checks like any other.
//
// A refused path is answered by notFound with the 404 of the surface its
// first segment names: the very bytes any unknown path of that surface
// gets, so the refusal reveals no filter.
//
// Repeated slashes are collapsed ("//v2/apps" → "/v2/apps", what a base URL
// ending in "/" produces): that removes no segment, so it moves no request
// to another surface. What reaches mux is then its own clean form, so mux
// never redirects to a cleaned path; nor to a trailing-slash form, since
// every "X/" pattern of routes.go has its "X" registered too.
//
// A path with no escape that names a literal route ("/healthz",
// "/auth/verify") goes straight to the route the mux would choose, looked
// up in exact (see exactRoutes); any other goes through the mux.
func routeAsSent(mux *http.ServeMux, exact exactRoutes, notFound func(surface string) http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		if refusedPath(p, r.URL.Path) {
			notFound(surfaceOf(p)).ServeHTTP(w, r)
			return
		}
		if strings.Contains(p, "//") {
			// No "/" is encoded, so the slashes of Path and RawPath are
			// the same ones.
			r.URL.Path, r.URL.RawPath = collapseSlashes(r.URL.Path), collapseSlashes(r.URL.RawPath)
			p = r.URL.EscapedPath()
		}
		if strings.Contains(p, "%") {
			if _, pattern := mux.Handler(r); !literalsAsSent(pattern, p) {
				notFound(surfaceOf(p)).ServeHTTP(w, r)
				return
			}
		} else if rt, ok := exact.lookup(r.Method, p); ok {
			// p is r.URL.Path (nothing to escape) and clean: no dot
			// segment, no "//". A literal pattern has no wildcard, so
			// there is no path value for the mux to set.
			r.Pattern = rt.pattern
			if sw, ok := w.(*statusWriter); ok {
				sw.obs = rt.obs // ServeHTTP observes the request through the route's own histograms
			}
			rt.h.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// refusedPath reports whether the escaped path p (decoded: decoded) hides
// structure (see routeAsSent).
func refusedPath(p, decoded string) bool {
	if p == decoded {
		if refused, sure := refusedPlainPath(p); sure {
			return refused
		}
	}
	return refusedAnyPath(p, decoded)
}

// refusedAnyPath is refusedPath's full check, for any path.
func refusedAnyPath(p, decoded string) bool {
	// EscapedPath encodes every "\"; the decoded path is checked too so
	// that no spelling of one gets through.
	if !strings.HasPrefix(p, "/") || strings.Contains(decoded, `\`) ||
		!utf8.ValidString(decoded) || strings.ContainsFunc(decoded, unicode.IsControl) {
		return true
	}
	if strings.Contains(p, "%") {
		low := strings.ToLower(p)
		for _, esc := range []string{"%2f", "%2e", "%5c", "%25"} {
			if strings.Contains(low, esc) {
				return true
			}
		}
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// refusedPlainPath is refusedPath for a path that is its own decoding, in
// one pass over its bytes, when they are all printable ASCII other than
// "%" and "\\" (every path a client of the dialects sends): then it is
// valid UTF-8 with no control character, so only its first byte and its
// dot segments can refuse it. sure is false for any other path, which
// refusedPath checks in full.
func refusedPlainPath(p string) (refused, sure bool) {
	if len(p) == 0 || p[0] != '/' {
		return true, true
	}
	seg := 1 // where the current segment starts
	for i := 1; i <= len(p); i++ {
		if i < len(p) {
			if b := p[i]; b < 0x21 || b > 0x7e || b == '%' || b == '\\' {
				return false, false
			} else if b != '/' {
				continue
			}
		}
		if s := p[seg:i]; s == "." || s == ".." {
			return true, true
		}
		seg = i + 1
	}
	return false, true
}

// literalsAsSent reports whether each literal segment of pattern ("POST
// /v2/apps/{appId}/keys", "/user/") is spelled in the escaped path p
// exactly as the pattern spells it. Wildcards match anything; a pattern's
// trailing "/" matches the rest of p.
func literalsAsSent(pattern, p string) bool {
	if i := strings.IndexByte(pattern, '/'); i >= 0 {
		pattern = pattern[i:]
	} else {
		return true // mux's own 404 or 405: no route matched
	}
	sent := strings.Split(p[1:], "/")
	for i, seg := range strings.Split(pattern[1:], "/") {
		switch {
		case seg == "":
			return true
		case strings.HasPrefix(seg, "{"):
		case i >= len(sent) || sent[i] != seg:
			return false
		}
	}
	return true
}

// collapseSlashes replaces each run of "/" in p with one.
func collapseSlashes(p string) string {
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	return p
}

// surfaceOf is the first segment of the escaped path p as sent, ending at
// the first "/" or escape: "v2" for "/v2/apps/..%2f" and for "//v2%2f..",
// "" for "/%76%32/apps" and for a path that is not one.
func surfaceOf(p string) string {
	p = strings.TrimLeft(p, "/")
	if i := strings.IndexAny(p, `/%`); i >= 0 {
		p = p[:i]
	}
	return p
}

// ServeHTTP serves r through every middleware. First it gives the request
// an id (also sent as X-Request-Id) and resolves its client IP, for
// reqinfo; last it hands the request's access-log line to the access log
// (see accessLog), which writes it on its own goroutine.
//
// The access log writes one line per request: method, route pattern,
// status, size, duration, request id, client IP and principal. Never a
// body, a header value or a credential: the path is logged as the route
// pattern when one matched, and otherwise as sent (escapes kept) without
// its query string. The principal is the one the surface's authentication
// put in the context, as logPrincipal found it there.
//
// The request costs one allocation for its response writer, log entry and
// header value together, and one copy of the request for its context,
// which carries both the reqinfo and the log entry.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rs := &served{statusWriter: statusWriter{ResponseWriter: w}}
	info := reqinfo.Info{ID: newRequestID(), IP: clientIP(r, s.trusted)}
	// What Header().Set would store, without checking the canonical name
	// or allocating the value's slice.
	rs.idHeader[0] = info.ID
	w.Header()["X-Request-Id"] = rs.idHeader[:]
	// The path as sent, escapes kept: a refused "/healthz/..%2fuser/x"
	// is logged as such, never as the route it would have named.
	sent := r.URL.EscapedPath()
	rs.ctx = requestContext{Context: r.Context(), info: info}
	r = r.WithContext(&rs.ctx)
	s.next.ServeHTTP(&rs.statusWriter, r) // the mux sets r.Pattern
	// One reading of the clock, the monotonic one, where time.Now would
	// take two: the line's time is the start's wall clock plus the
	// duration, which is the wall clock at the end unless the clock was
	// set while the request was served.
	took := time.Since(start)
	end := start.Add(took)
	if s.metrics != nil {
		status := rs.status
		if status == 0 {
			status = http.StatusOK
		}
		if rs.obs != nil {
			rs.obs.Observe(status, took)
		} else {
			s.metrics.ObserveRequest(r.Pattern, r.Method, status, took)
		}
	}
	if !s.alog.enabled(r.Context()) {
		return
	}
	route := r.Pattern
	if route == "" {
		route = sent
	}
	if len(route) > 200 {
		route = route[:200]
	}
	s.alog.add(accessLine{
		time:     end,
		method:   r.Method,
		route:    route,
		status:   rs.status,
		bytes:    rs.bytes,
		duration: took,
		id:       info.ID,
		ip:       info.IP,
		who:      rs.ctx.entry,
	})
}

// served is what ServeHTTP allocates for a request: its response writer,
// its X-Request-Id header value and its context.
type served struct {
	statusWriter
	idHeader [1]string
	ctx      requestContext
}

// requestContext is a request's context: its reqinfo and its log entry
// over the server's, in the request's one allocation (two context.WithValue
// and the Info they box would be three more).
type requestContext struct {
	context.Context
	info  reqinfo.Info
	entry logEntry
}

func (c *requestContext) Value(key any) any {
	switch key {
	case reqinfo.Key:
		return &c.info
	case logEntryKey{}:
		return &c.entry
	}
	return c.Context.Value(key)
}

// newRequestID returns 16 hex digits of crypto/rand: unguessable, so an id
// seen in a log or an answer says nothing of any other request. The bytes
// come from a block of 512 read at once (a pool's, so that requests on
// different cores do not share one), each byte used once: one read of
// crypto/rand for 64 ids instead of one for each.
func newRequestID() string {
	blk := idBlocks.Get().(*idBlock)
	if blk.n < 8 {
		rand.Read(blk.b[:])
		blk.n = len(blk.b)
	}
	blk.n -= 8
	var h [16]byte
	hex.Encode(h[:], blk.b[blk.n:blk.n+8])
	idBlocks.Put(blk)
	return string(h[:])
}

// idBlock is random bytes for request ids, those before n not yet used.
type idBlock struct {
	b [512]byte
	n int
}

var idBlocks = sync.Pool{New: func() any { return new(idBlock) }}

// clientIP is the peer address, or — when the peer is a trusted proxy — the
// right-most X-Forwarded-For address that is not itself a trusted proxy.
// The X-Forwarded-For values are read as one comma-separated list, from the
// right; the walk stops at the first hop that is not an address. An
// address is given in its netip form (IPv4-mapped IPv6 unmapped).
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	parsed, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if peer := parsed.Unmap(); !isTrusted(peer, trusted) {
		return addrText(parsed, host)
	}
	vals := r.Header["X-Forwarded-For"] // Values would canonicalise the name on every request
	for i := len(vals) - 1; i >= 0; i-- {
		v := vals[i]
		for {
			j := strings.LastIndexByte(v, ',')
			hop := strings.TrimSpace(v[j+1:])
			a, err := netip.ParseAddr(hop)
			if err != nil {
				return addrText(parsed, host)
			}
			if !isTrusted(a.Unmap(), trusted) {
				return addrText(a, hop)
			}
			if j < 0 {
				break
			}
			v = v[:j]
		}
	}
	return addrText(parsed, host)
}

// addrText is the text form of a, parsed from s: s itself when a is IPv4,
// since ParseAddr takes only the dotted-decimal form String gives (no
// leading zero, no zone), so nothing is allocated; String of a unmapped
// otherwise.
func addrText(a netip.Addr, s string) string {
	if a.Is4() {
		return s
	}
	return a.Unmap().String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// recoverPanics turns a panic into a 500 in the envelope of the path's
// surface (see errorsOf); the panic and its stack go to the log only.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				errorsOf(surfaceOf(r.URL.EscapedPath())).Write(w, r, log, &panicError{value: v, stack: debug.Stack()})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// panicError is a recovered panic, for the log.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v\n%s", e.value, e.stack) }

// statusWriter remembers the status and size of a response, and the
// request histograms of its route when routeAsSent found the route itself.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
	obs    *metrics.Route
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logEntry is what the access log learns of a request while it is served:
// the caller, as fields (the drain goroutine makes its label).
type logEntry struct {
	set    bool
	kind   gatehouse.CredentialKind
	userID int64
	credID string
}

type logEntryKey struct{}

// logPrincipal wraps auth, a surface's authentication middleware, so that
// the access log names the caller auth put in the context.
func logPrincipal(auth func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return auth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p, ok := gatehouse.PrincipalFromContext(r.Context()); ok {
				notePrincipal(r, p)
			}
			next.ServeHTTP(w, r)
		}))
	}
}

// notePrincipal tells the access log of r that p is its caller.
func notePrincipal(r *http.Request, p gatehouse.Principal) {
	if e, ok := r.Context().Value(logEntryKey{}).(*logEntry); ok {
		*e = logEntry{set: true, kind: p.Kind, userID: p.UserID, credID: p.CredID}
	}
}

// principalLabel is how the access log names a caller: by its app or
// account key id for a Sunshine key, as "user:<id>" for an API key or an
// access token.
func principalLabel(kind gatehouse.CredentialKind, userID int64, credID string) string {
	if labelIsCredID(kind) {
		return credID
	}
	return string(appendPrincipalLabel(nil, kind, userID, credID))
}

// appendPrincipalLabel appends principalLabel(kind, userID, credID) to b.
func appendPrincipalLabel(b []byte, kind gatehouse.CredentialKind, userID int64, credID string) []byte {
	if labelIsCredID(kind) {
		return append(b, credID...)
	}
	return strconv.AppendInt(append(b, "user:"...), userID, 10)
}

// labelIsCredID reports whether a caller of kind is named by its
// credential id.
func labelIsCredID(kind gatehouse.CredentialKind) bool {
	return kind == gatehouse.CredAppKey || kind == gatehouse.CredAccountKey
}
