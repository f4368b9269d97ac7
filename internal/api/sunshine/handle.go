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
	return serve(log, status, func(_ http.ResponseWriter, r *http.Request) (any, error) { return fn(r) })
}

// handleBody is handle for a request with a JSON body, decoded into a Req
// for fn.
func handleBody[Req any](log *slog.Logger, status int, fn func(r *http.Request, req Req) (any, error)) http.Handler {
	return serve(log, status, func(w http.ResponseWriter, r *http.Request) (any, error) {
		var req Req
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			return nil, err
		}
		return fn(r, req)
	})
}

func serve(log *slog.Logger, status int, fn func(http.ResponseWriter, *http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := fn(w, r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, status, resp)
	})
}
