package sunshine

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpio"
)

// handle makes a handler: fn calls core and returns the answer, encoded
// with status, or an error, answered in the error envelope. Handlers only
// decode, call and encode: every rule is core's.
func handle(log *slog.Logger, status int, fn func(r *http.Request) (any, error)) http.Handler {
	return Errors.Handler(log, httpio.JSON, func(_ http.ResponseWriter, r *http.Request) (int, any, error) {
		v, err := fn(r)
		return status, v, err
	})
}

// handleBody is handle for a request with a JSON body, decoded into a Req
// for fn.
func handleBody[Req any](log *slog.Logger, status int, fn func(r *http.Request, req Req) (any, error)) http.Handler {
	return Errors.Handler(log, httpio.JSON, func(w http.ResponseWriter, r *http.Request) (int, any, error) {
		var req Req
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			return 0, nil, err
		}
		v, err := fn(r, req)
		return status, v, err
	})
}
