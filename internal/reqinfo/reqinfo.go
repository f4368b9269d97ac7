// Package reqinfo carries what the server learns about a request before any
// surface sees it: its id (also sent as X-Request-Id) and the client's IP.
// httpserver's first middleware puts it in the request context; the
// surfaces read it for their error logs and for the client information core
// throttles and records logins by. It is read-only past that middleware. Who
// the caller is travels separately, as the gatehouse.Principal in the
// context. It is a leaf package: it imports nothing of gatehouse.
package reqinfo

import "context"

// Info is what is known of a request before it is routed.
type Info struct {
	ID string // the request id
	IP string // the client IP: the peer, or behind a trusted proxy the right-most X-Forwarded-For address that is not one
}

type infoKey struct{}

// NewContext returns a copy of ctx carrying info.
func NewContext(ctx context.Context, info Info) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

// From returns the request's Info, or the zero Info outside a request.
func From(ctx context.Context) Info {
	i, _ := ctx.Value(infoKey{}).(Info)
	return i
}
