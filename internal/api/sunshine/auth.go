package sunshine

import (
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/reqinfo"
)

// maxAuthorization bounds the Authorization header.
const maxAuthorization = 8192

// credential is what an Authorization header carries.
type credential struct {
	basic      bool
	id, secret string // Basic
	token      string // Bearer
}

// parseAuthorization reads the one Authorization header: "Basic
// base64(id:secret)" or "Bearer <jwt>", schemes case-insensitive. Missing,
// repeated, oversized or malformed headers (Basic that is not canonical
// base64 among them) give ok=false.
func parseAuthorization(h http.Header) (credential, bool) {
	vs := h.Values("Authorization")
	if len(vs) != 1 || len(vs[0]) > maxAuthorization {
		return credential{}, false
	}
	scheme, rest, found := strings.Cut(strings.TrimSpace(vs[0]), " ")
	if !found {
		return credential{}, false
	}
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(scheme) {
	case "basic":
		// Canonical base64 only (the official clients send nothing else):
		// re-encoding must give back the text, which refuses set unused
		// bits, missing or extra padding and the CR/LF a decoder skips.
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil || base64.StdEncoding.EncodeToString(raw) != rest {
			return credential{}, false
		}
		id, sec, ok := strings.Cut(string(raw), ":")
		if !ok || id == "" || sec == "" {
			return credential{}, false
		}
		return credential{basic: true, id: id, secret: sec}, true
	case "bearer":
		if !isToken68(rest) {
			return credential{}, false
		}
		return credential{token: rest}, true
	}
	return credential{}, false
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

// isToken68 reports whether s is an RFC 7235 token68: the characters a
// Bearer credential (a JWT among them) may hold.
func isToken68(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}
