package gate

import (
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse"
)

// setIdentity sets the identity headers of p on h (see wire.go): each one
// that applies to p's kind of credential and has a value.
func setIdentity(h http.Header, p gatehouse.Principal) {
	// One backing array for every value, each header a one-element,
	// full-capacity slice of it (an Add elsewhere would copy, not
	// overwrite its neighbour): one allocation instead of seven.
	vals := make([]string, 0, 7)
	set := func(name, v string) {
		if v != "" {
			vals = append(vals, v)
			n := len(vals)
			h[name] = vals[n-1 : n : n]
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
