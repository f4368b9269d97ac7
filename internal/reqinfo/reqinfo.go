package reqinfo

import "context"

// Info is what is known of a request before it is routed.
type Info struct {
	ID string // the request id
	IP string // the client IP: the peer, or behind a trusted proxy the right-most X-Forwarded-For address that is not one
}

type infoKey struct{}

// Key is the context key Info is found under. A context type of its own
// (httpserver's, which carries a request's Info with other values in one
// allocation) may answer Value(Key) with an Info or an *Info.
var Key any = infoKey{}

// From returns the request's Info, or the zero Info outside a request.
func From(ctx context.Context) Info {
	switch i := ctx.Value(infoKey{}).(type) {
	case Info:
		return i
	case *Info:
		return *i
	}
	return Info{}
}
