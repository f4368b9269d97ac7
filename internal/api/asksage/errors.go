package asksage

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpio"
	"github.com/gatehouse/gatehouse/internal/reqinfo"
)

// statusOf maps gatehouse error codes to this dialect's status codes: the one
// table for the whole surface.
var statusOf = map[string]int{
	gatehouse.EINVALID:      http.StatusBadRequest,
	gatehouse.EUNAUTHORIZED: http.StatusUnauthorized,
	gatehouse.EFORBIDDEN:    http.StatusForbidden,
	gatehouse.EINACTIVE:     http.StatusForbidden,
	gatehouse.ENOTFOUND:     http.StatusNotFound,
	gatehouse.ECONFLICT:     http.StatusConflict,
	gatehouse.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	gatehouse.ERATELIMIT:    http.StatusTooManyRequests,
	gatehouse.EUNAVAILABLE:  http.StatusServiceUnavailable,
	gatehouse.EINTERNAL:     http.StatusInternalServerError,
	gatehouse.ETOOLONG:      http.StatusNotAcceptable,  // 406, per the seed
	gatehouse.ECACREQUIRED:  407,                       // per the seed: "a CAC is required"
	gatehouse.ENOACCOUNT:    http.StatusGone,           // 410 "No account.", as the real service answers
	gatehouse.EUPSTREAM:     http.StatusBadGateway,     // 502
	gatehouse.ETIMEOUT:      http.StatusGatewayTimeout, // 504
}

// writeError renders err in the envelope. It is the only place this surface
// writes an error status, and the only place its 5xx errors are logged.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := gatehouse.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	msg := gatehouse.ErrorMessage(err)
	if status >= 500 {
		log.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("requestId", reqinfo.From(r.Context()).ID), slog.String("code", code), slog.Any("err", err))
	}
	switch status {
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		w.Header().Set("Retry-After", httpio.RetryAfter(err))
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `APIKey header="x-access-tokens"`)
	}
	httpio.JSON(w, status, envelope{Response: msg, Status: status})
}

// HandleNotFound answers an unknown /user/ path.
func HandleNotFound(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, log, gatehouse.Errorf(gatehouse.ENOTFOUND, "Not found."))
	})
}

// HandleMethodNotAllowed answers a known path called with a method it does
// not serve.
func HandleMethodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		httpio.JSON(w, http.StatusMethodNotAllowed, envelope{Response: "Method not allowed; use " + allow + ".", Status: http.StatusMethodNotAllowed})
	})
}
