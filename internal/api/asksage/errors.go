package asksage

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/apierror"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// Errors is this dialect's error table: what it says otherwise than
// gatehouse's defaults (internal/apierror), and its envelope
// {"response": <words>, "status": <status>}.
var Errors = &apierror.Surface{
	Codes: map[string]apierror.Words{
		gatehouse.EUNAUTHORIZED: {Text: "Token is invalid."},
	},
	Reasons: map[gatehouse.Reason]apierror.Words{
		gatehouse.ReasonNameTooLong:   {Status: http.StatusNotAcceptable},             // 406, per the seed
		gatehouse.ReasonCACRequired:   {Status: 407},                                  // per the seed: "a CAC is required"
		gatehouse.ReasonNoSuchAccount: {Status: http.StatusGone, Text: "No account."}, // 410, as the real service answers
	},
	Render: func(w http.ResponseWriter, status int, _, text string) {
		httpio.JSON(w, status, envelope{Response: text, Status: status})
	},
	Challenge: `APIKey header="x-access-tokens"`,
}

// writeError renders err in the envelope.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	Errors.Write(w, r, log, err)
}
