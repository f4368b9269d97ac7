package gate

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// HandleVerify answers a request that Authenticate let through: 200
// {"ok":true} with the caller's identity headers. Without a caller in the
// context (a route that forgot Authenticate) it refuses, never admits.
func HandleVerify(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := gatehouse.PrincipalFromContext(r.Context())
		if !ok {
			writeError(w, r, log, gatehouse.CodeErr(gatehouse.EUNAUTHORIZED))
			return
		}
		setIdentity(w.Header(), p)
		httpio.JSON(w, http.StatusOK, okBody{OK: true})
	})
}

// setIdentity sets the identity headers of p on h (see wire.go): each one
// that applies to p's kind of credential and has a value.
func setIdentity(h http.Header, p gatehouse.Principal) {
	set := func(name, v string) {
		if v != "" {
			h[name] = []string{v}
		}
	}
	set(HeaderUser, strconv.FormatInt(p.UserID, 10))
	set(HeaderEmail, p.Email)
	set(HeaderCredential, p.Kind.String())
	switch p.Kind {
	case gatehouse.CredAPIKey, gatehouse.CredAccessToken:
		if p.KeyID != 0 {
			set(HeaderKey, strconv.FormatInt(p.KeyID, 10))
		}
		set(HeaderScope, "user")
		set(HeaderCac, strconv.FormatBool(p.CAC))
	case gatehouse.CredAppKey:
		set(HeaderKey, p.CredID)
		set(HeaderApp, p.AppID)
		set(HeaderScope, "app")
	case gatehouse.CredAccountKey:
		set(HeaderKey, p.CredID)
		set(HeaderScope, "account")
	}
}
