// Package httpserver assembles every HTTP surface of gatehouse into one
// http.Handler: routes.go lists every path; middleware.go makes paths route
// as sent and adds request ids, client IPs, panic recovery and the access
// log. The http.Server, listener and shutdown belong to cmd/gatehouse.
package httpserver

import (
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/gatehouse/gatehouse/internal/core"
)

// Options configure the handler.
type Options struct {
	// TrustedProxies are the peers whose X-Forwarded-For is believed
	// (docs/security.md 13); from anyone else it is ignored.
	TrustedProxies []netip.Prefix
}

// NewServer returns the handler serving every surface over svc.
func NewServer(log *slog.Logger, svc *core.Service, opt Options) http.Handler {
	notFound := notFoundBySurface(log)
	mux := http.NewServeMux()
	addRoutes(mux, log, svc, notFound)
	h := routeAsSent(mux, notFound)
	h = recoverPanics(log, h)
	h = accessLog(log, h)
	h = requestInfo(opt.TrustedProxies, h)
	return h
}
