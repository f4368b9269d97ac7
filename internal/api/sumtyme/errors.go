package sumtyme

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpio"
	"github.com/gatehouse/gatehouse/internal/reqinfo"
)

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
}

// writeError renders err as {"detail": ...}; the only error writer of this
// surface.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := gatehouse.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		log.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("requestId", reqinfo.From(r.Context()).ID), slog.String("code", code), slog.Any("err", err))
	}
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", httpio.RetryAfter(err))
	}
	httpio.JSON(w, status, errorResponse{Detail: gatehouse.ErrorMessage(err)})
}

// HandleMethodNotAllowed answers /signup called with another method.
func HandleMethodNotAllowed() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", http.MethodPost)
		httpio.JSON(w, http.StatusMethodNotAllowed, errorResponse{Detail: "Method not allowed; use POST."})
	})
}

// HandleNotFound answers a /signup/... path no route serves with 404
// {"detail": "Not Found"}, as sumtyme's FastAPI does.
func HandleNotFound(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, log, gatehouse.Errorf(gatehouse.ENOTFOUND, "Not Found"))
	})
}
