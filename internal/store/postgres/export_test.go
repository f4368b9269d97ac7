package postgres

import "github.com/jackc/pgx/v5"

// MapErr is mapErr, for tests that need a server to make the driver error.
var MapErr = mapErr

// WithTracer sets a pgx tracer on the store's connections: a test counts
// round trips with it.
func WithTracer(o Options, t pgx.QueryTracer) Options {
	o.tracer = t
	return o
}
