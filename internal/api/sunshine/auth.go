package sunshine

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	cred "github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/reqinfo"
)

// maxAuthorization bounds the Authorization header.
const maxAuthorization = cred.MaxAuthorizationLen

// credential is what an Authorization header carries.
type credential struct {
	basic      bool
	id, secret string // Basic
	token      string // Bearer
}

// parseAuthorization reads the one Authorization header: "Basic
// base64(id:secret)" or "Bearer <jwt>", schemes case-insensitive (the
// value's syntax is cred.ParseAuthorization's). Missing, repeated,
// oversized or malformed headers (Basic that is not canonical base64 among
// them) give ok=false.
func parseAuthorization(h http.Header) (credential, bool) {
	vs := h.Values("Authorization")
	if len(vs) != 1 {
		return credential{}, false
	}
	a, ok := cred.ParseAuthorization(vs[0])
	if !ok {
		return credential{}, false
	}
	return credential{basic: a.Basic, id: a.ID, secret: a.Secret, token: a.Token}, true
}

// Authenticate is the dialect's one authentication middleware: Basic or
// Bearer into a gatehouse.Principal, or one generic 401 (429 once the
// client's IP is over its failure budget: core decides, a header that does
// not parse included).
func Authenticate(svc *core.Service, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ci := core.ClientInfo{IP: reqinfo.From(r.Context()).IP, UserAgent: r.UserAgent()}
			c, ok := parseAuthorization(r.Header)
			if !ok {
				writeError(w, r, log, svc.Unauthenticated(ci))
				return
			}
			var p gatehouse.Principal
			var err error
			if c.basic {
				p, err = svc.AuthenticateKeySecret(r.Context(), c.id, c.secret, ci)
			} else {
				p, err = svc.AuthenticateJWT(r.Context(), c.token, ci)
			}
			if err != nil {
				writeError(w, r, log, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(gatehouse.NewContextWithPrincipal(r.Context(), p)))
		})
	}
}
