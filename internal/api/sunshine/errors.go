package sunshine

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/apierror"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

type errorBody struct {
	Errors []errorItem `json:"errors"`
}

type errorItem struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// titleUnauthorized is the one answer to every bad credential.
const titleUnauthorized = "Authorization is required"

// Errors is this dialect's error table: a wire code for every gatehouse
// code, Sunshine's own words where they differ from gatehouse's (its API
// validator's among them), and its envelope {"errors":[{"code","title"}]}.
var Errors = &apierror.Surface{
	Codes: map[string]apierror.Words{
		gatehouse.EINVALID:      {Code: "bad_request"},
		gatehouse.EUNAUTHORIZED: {Code: "unauthorized", Text: titleUnauthorized},
		gatehouse.EFORBIDDEN:    {Code: "forbidden"},
		gatehouse.EINACTIVE:     {Code: "forbidden"},
		gatehouse.ENOTFOUND:     {Code: "not_found", Text: "Resource not found"},
		gatehouse.ECONFLICT:     {Code: "conflict"},
		gatehouse.ETOOLARGE:     {Code: "payload_too_large"},
		gatehouse.ERATELIMIT:    {Code: "too_many_requests"},
		gatehouse.EUNAVAILABLE:  {Code: "service_unavailable"},
		gatehouse.EINTERNAL:     {Code: "internal_server_error"},
		gatehouse.EUPSTREAM:     {Code: "bad_gateway"},
		gatehouse.ETIMEOUT:      {Code: "gateway_timeout"},
	},
	Reasons: map[gatehouse.Reason]apierror.Words{
		gatehouse.ReasonAppNotFound:         {Code: "app_not_found", Text: "App not found"},
		gatehouse.ReasonAppKeyNotFound:      {Text: "Resource not found"},
		gatehouse.ReasonDisplayNameRequired: {Text: "should have required property 'displayName'"},
		gatehouse.ReasonBadPage:             {Text: "Invalid page query parameters"},
		gatehouse.ReasonBadExchange:         {Text: titleUnauthorized}, // every 401 says the same
		gatehouse.ReasonBadLogin:            {Text: titleUnauthorized},
	},
	Render: func(w http.ResponseWriter, status int, code, text string) {
		httpio.JSON(w, status, errorBody{Errors: []errorItem{{Code: code, Title: text}}})
	},
	Challenge:  `Basic realm="gatehouse", Bearer`,
	MethodCode: "method_not_allowed",
}

// writeError renders err as {"errors":[{"code","title"}]}.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	Errors.Write(w, r, log, err)
}
