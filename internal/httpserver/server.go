// Package httpserver assembles every HTTP surface of gatehouse into one
// http.Handler: routes.go lists every path; middleware.go makes paths route
// as sent and adds request ids, client IPs, panic recovery and the access
// log; accesslog.go writes that log off the request path. The http.Server,
// listener and shutdown belong to cmd/gatehouse.
package httpserver

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/metrics"
)

// Options configure the handler.
type Options struct {
	// TrustedProxies are the peers whose X-Forwarded-For is believed
	// (docs/security.md 13); from anyone else it is ignored.
	TrustedProxies []netip.Prefix
	// AccessLogBuffer is how many access-log lines may wait for the log's
	// writer; past that, lines are dropped and counted (see
	// Server.DroppedAccessLines). 0 means DefaultAccessLogBuffer.
	AccessLogBuffer int
	// AccessLog, when its Writer is set, is where the access log writes
	// its lines itself, in the logger's format; otherwise they go through
	// the logger.
	AccessLog AccessLogOutput
	// Metrics, when set, observes every request; with ServeMetrics it is
	// also served at GET /metrics on this handler (otherwise the caller
	// serves it elsewhere: serve's --metrics-addr).
	Metrics      *metrics.Metrics
	ServeMetrics bool
}

// Server is the handler serving every surface. Its access log is written by
// a goroutine of its own, through a bounded buffer, so a stalled log writer
// never stalls a response: Flush waits for it, Close drains it and stops it.
type Server struct {
	trusted []netip.Prefix
	next    http.Handler
	alog    *accessLog
	metrics *metrics.Metrics
}

// NewServer returns the handler serving every surface over svc. It starts
// the access log's goroutine: call Close when done serving.
func NewServer(log *slog.Logger, svc *core.Service, opt Options) *Server {
	notFound := notFoundBySurface(log)
	mux := newRouteTable()
	addRoutes(mux, log, svc, notFound)
	if opt.Metrics != nil && opt.ServeMetrics {
		mux.Handle("GET /metrics", opt.Metrics.Handler())
	}
	h := routeAsSent(mux.ServeMux, mux.exact(opt.Metrics), notFound)
	h = recoverPanics(log, h)
	return &Server{
		trusted: opt.TrustedProxies,
		next:    h,
		alog:    newAccessLog(log, opt.AccessLog, opt.AccessLogBuffer, dropWarnInterval),
		metrics: opt.Metrics,
	}
}

// Flush waits until the access-log line of every request whose ServeHTTP
// has returned is written (or dropped), or ctx ends. A client that has read
// an answer to its end is past that point.
func (s *Server) Flush(ctx context.Context) error { return s.alog.flush(ctx) }

// Close writes the access-log lines still waiting, logs a warning for any
// drop not yet reported, and stops the access log's goroutine; it returns
// when that is done, or ctx ends. Call it once the http.Server has shut
// down: a request served after Close has its line written on its own
// goroutine.
func (s *Server) Close(ctx context.Context) error { return s.alog.close(ctx) }

// DroppedAccessLines is how many access-log lines were dropped, since the
// buffer was full, since the Server was made.
func (s *Server) DroppedAccessLines() uint64 { return s.alog.dropped.Load() }
