package sunshine

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpio"
	"github.com/gatehouse/gatehouse/internal/reqinfo"
)

// wireError maps a gatehouse code to a status and a Sunshine error code.
var wireError = map[string]struct {
	status int
	code   string
}{
	gatehouse.EINVALID:      {http.StatusBadRequest, "bad_request"},
	gatehouse.EUNAUTHORIZED: {http.StatusUnauthorized, "unauthorized"},
	gatehouse.EFORBIDDEN:    {http.StatusForbidden, "forbidden"},
	gatehouse.EINACTIVE:     {http.StatusForbidden, "forbidden"},
	gatehouse.ENOTFOUND:     {http.StatusNotFound, "not_found"},
	gatehouse.ECONFLICT:     {http.StatusConflict, "conflict"},
	gatehouse.ETOOLARGE:     {http.StatusRequestEntityTooLarge, "payload_too_large"},
	gatehouse.ERATELIMIT:    {http.StatusTooManyRequests, "too_many_requests"},
	gatehouse.EUNAVAILABLE:  {http.StatusServiceUnavailable, "service_unavailable"},
	gatehouse.EINTERNAL:     {http.StatusInternalServerError, "internal_server_error"},
}

type errorBody struct {
	Errors []errorItem `json:"errors"`
}

type errorItem struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// titleUnauthorized is the one answer to every bad credential.
const titleUnauthorized = "Authorization is required"

// writeError renders err as {"errors":[{"code","title"}]}; the only error
// writer of this surface and the only place its 5xx are logged.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	gc := gatehouse.ErrorCode(err)
	we, ok := wireError[gc]
	if !ok {
		we = wireError[gatehouse.EINTERNAL]
	}
	title := gatehouse.ErrorMessage(err)
	switch {
	case errors.Is(err, core.ErrAppNotFound):
		we.code = "app_not_found"
	case we.status == http.StatusUnauthorized:
		title = titleUnauthorized
		w.Header().Set("WWW-Authenticate", `Basic realm="gatehouse", Bearer`)
	case we.status >= 500:
		log.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("requestId", reqinfo.From(r.Context()).ID), slog.String("code", gc), slog.Any("err", err))
	}
	if we.status == http.StatusServiceUnavailable || we.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", httpio.RetryAfter(err))
	}
	httpio.JSON(w, we.status, errorBody{Errors: []errorItem{{Code: we.code, Title: title}}})
}

// HandleNotFound answers an unknown /v2 path.
func HandleNotFound(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, log, gatehouse.Errorf(gatehouse.ENOTFOUND, "Resource not found"))
	})
}

// HandleMethodNotAllowed answers a known path with a method it does not serve.
func HandleMethodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		httpio.JSON(w, http.StatusMethodNotAllowed, errorBody{Errors: []errorItem{{Code: "method_not_allowed", Title: "Method not allowed; use " + allow + "."}}})
	})
}
