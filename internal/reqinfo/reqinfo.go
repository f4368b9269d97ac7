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
