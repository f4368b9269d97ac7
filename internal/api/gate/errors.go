package gate

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/apierror"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// Errors is the gate's error table: gatehouse's default statuses, and an
// envelope {"error": <code>} that carries the gatehouse code itself
// ("unauthorized", "inactive", "rate_limited", "unavailable", ...) and no
// words: a proxy reads the status, a program the code. Every reason of a
// code answers as the code does, so every credential that does not verify
// gets the same bytes (docs/security.md 12).
var Errors = &apierror.Surface{
	Codes: codes(),
	Render: func(w http.ResponseWriter, status int, code, _ string) {
		if b, ok := errorBodies[code]; ok {
			httpio.JSONBytes(w, status, b)
			return
		}
		httpio.JSON(w, status, errorBody{Error: code})
	},
	Challenge: `Bearer realm="gatehouse"`,
	// Never used: every method is served.
	MethodCode: "method_not_allowed",
}

// errorBodies holds every code's body, encoded once: a flood of garbage
// credentials is answered by copying bytes, not by encoding JSON for each
// (it was a tenth of the gate's CPU on that load). The bytes are
// httpio.JSON's for errorBody.
var errorBodies = func() map[string][]byte {
	m := map[string][]byte{}
	for _, c := range gatehouse.Codes() {
		b, err := httpio.Marshal(errorBody{Error: c})
		if err != nil {
			panic(err) // a string field always encodes
		}
		m[c] = b
	}
	return m
}()

// codes is every gatehouse code as its own wire code.
func codes() map[string]apierror.Words {
	m := map[string]apierror.Words{}
	for _, c := range gatehouse.Codes() {
		m[c] = apierror.Words{Code: c}
	}
	return m
}

// writeError renders err as {"error": <code>}.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	Errors.Write(w, r, log, err)
}
