package asksage

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpio"
)

// handle makes the handler of a JSON endpoint: the body (at most limit
// bytes) is decoded into a Req and given to fn, which calls core and
// returns the answer to encode (200) or an error, answered in the envelope.
// Handlers only decode, call and encode: every rule is core's.
func handle[Req any](log *slog.Logger, limit int64, fn func(r *http.Request, req Req) (any, error)) http.Handler {
	return serve(log, decodeJSON[Req](limit), fn)
}

// serve is handle with its own decoding (a body that may be a form).
func serve[Req any](log *slog.Logger, decode func(http.ResponseWriter, *http.Request) (Req, error), fn func(*http.Request, Req) (any, error)) http.Handler {
	return Errors.Handler(log, httpio.JSON, func(w http.ResponseWriter, r *http.Request) (int, any, error) {
		req, err := decode(w, r)
		if err != nil {
			return 0, nil, err
		}
		v, err := fn(r, req)
		return http.StatusOK, v, err
	})
}

// streamed is an answer written while it is read (see jsonStream).
type streamed interface {
	stream() *jsonStream
	finish() error
}

// handleStream is handle for an answer written while it is read: fn starts
// the stream on w and returns it with what reading it returned, and
// endStream ends it.
func handleStream[Req any](log *slog.Logger, limit int64, fn func(w http.ResponseWriter, r *http.Request, req Req) (streamed, error)) http.Handler {
	decode := decodeJSON[Req](limit)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode(w, r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		st, err := fn(w, r, req)
		endStream(w, r, log, st.stream(), err, st.finish)
	})
}

func decodeJSON[Req any](limit int64) func(http.ResponseWriter, *http.Request) (Req, error) {
	return func(w http.ResponseWriter, r *http.Request) (Req, error) {
		var req Req
		err := httpio.DecodeJSON(w, r, limit, &req)
		return req, err
	}
}

// reply is a successful answer in the envelope.
func reply(v any) envelope { return envelope{Response: v, Status: http.StatusOK} }
