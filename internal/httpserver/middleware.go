package httpserver

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpio"
)

// cleanPath cleans the path in place ("//v2/apps" → "/v2/apps", "/a/../b"
// → "/b"), keeping a trailing slash. ServeMux would answer such paths with a
// redirect, and a client that follows a 301 turns its POST into a GET.
func cleanPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.Contains(p, "//") || strings.Contains(p, "/.") {
			c := path.Clean("/" + p)
			if strings.HasSuffix(p, "/") && c != "/" {
				c += "/"
			}
			r.URL.Path, r.URL.RawPath = c, ""
		}
		next.ServeHTTP(w, r)
	})
}

// requestInfo gives each request an id and resolves its client IP.
func requestInfo(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [8]byte
		rand.Read(b[:])
		info := &httpio.Info{ID: hex.EncodeToString(b[:]), IP: clientIP(r, trusted)}
		w.Header().Set("X-Request-Id", info.ID)
		next.ServeHTTP(w, r.WithContext(httpio.WithInfo(r.Context(), info)))
	})
}

// clientIP is the peer address, or — when the peer is a trusted proxy — the
// right-most X-Forwarded-For address that is not itself a trusted proxy.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !isTrusted(a, trusted) {
			return a.String()
		}
	}
	return peer.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// recoverPanics turns a panic into a generic 500; the stack goes to the log
// only.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic", "requestId", httpio.InfoFrom(r.Context()).ID, "panic", v, "stack", string(debug.Stack()))
				httpio.JSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
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

// accessLog writes one line per request: method, route pattern, status,
// duration, request id, client IP and principal. Never a body, a header
// value or a credential: the path is logged as the route pattern when one
// matched, and without its query string otherwise.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		info := httpio.InfoFrom(r.Context())
		route := r.Pattern
		if route == "" {
			route = r.URL.Path
		}
		if len(route) > 200 {
			route = route[:200]
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", sw.status),
			slog.Int("bytes", sw.bytes),
			slog.Float64("durationMs", float64(time.Since(start).Microseconds())/1000),
			slog.String("requestId", info.ID),
			slog.String("ip", info.IP),
			slog.String("principal", info.Principal),
		)
	})
}
