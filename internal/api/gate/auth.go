package gate

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/httpio"
	"github.com/gatehouse/gatehouse/internal/reqinfo"
)

// The credential headers, as a server canonicalises their names, in the
// contract's order.
const (
	hAccessTokens  = "X-Access-Tokens"
	hAPIKey        = "X-Api-Key"
	hAuthorization = "Authorization"
)

// credentialOf reads the one credential of a request, by its form (see the
// package doc):
//   - x-access-tokens: an API key or an access token;
//   - X-API-Key: an API key ("stai-"); anything else is refused;
//   - Authorization: Bearer: an API key or an access token when it has
//     their prefix, else a JWT; Basic: a key id and its secret.
//
// No credential header, more than one (whatever their values: the gate
// never guesses which one the caller meant), a header sent twice, and an
// Authorization value that does not parse all give the zero Credential,
// which core refuses and counts. Shapes, lengths and checksums are core's
// to check: the first thing it does, before any lookup.
func credentialOf(h http.Header) core.Credential {
	var name string
	var vs []string
	for _, n := range [...]string{hAccessTokens, hAPIKey, hAuthorization} {
		if v, ok := h[n]; ok {
			if name != "" {
				return core.Credential{}
			}
			name, vs = n, v
		}
	}
	if len(vs) != 1 {
		return core.Credential{}
	}
	v := vs[0]
	switch name {
	case hAccessTokens:
		return core.UserCredential(strings.TrimSpace(v))
	case hAPIKey:
		v = strings.TrimSpace(v)
		if !strings.HasPrefix(v, credential.APIKeyPrefix) {
			return core.Credential{}
		}
		return core.UserCredential(v)
	}
	a, ok := credential.ParseAuthorization(v)
	switch {
	case !ok:
		return core.Credential{}
	case a.Basic:
		return core.KeySecretCredential(a.ID, a.Secret)
	case strings.HasPrefix(a.Token, credential.APIKeyPrefix), strings.HasPrefix(a.Token, credential.AccessTokenPrefix):
		return core.UserCredential(a.Token)
	}
	return core.JWTCredential(a.Token)
}

// Handler is the gate (/auth/verify, any method): the request's one
// credential, verified by core, answered 200 with the caller's identity
// headers and no body, or the gate's refusal (core decides which: 401, 403,
// 429 or 503). The client is the request's client IP as the server
// resolved it (X-Forwarded-For from a trusted proxy), so the failure
// throttle counts the proxy's clients, not the proxy. A TLS client
// certificate is not looked at: the gate's peer is the proxy, and its
// certificate says nothing of the caller. note, when set, is told the
// caller (the access log names it).
//
// It is one handler rather than an authentication middleware in front of
// a handler, as on the other surfaces: nothing runs after the check but
// the answer, so the principal goes straight to it and the request is not
// copied to carry it in its context (a sixth of the gate's cost on the
// request path, by BenchmarkGateVerify).
//
// The 200 has no body, as the answers of other forward-auth services
// (oauth2-proxy, Authelia, Pomerium) have none: every proxy drops it, the
// status and the headers are the answer, and without a Content-Type the
// 200 of an API key, a token or a key pair has at most eight header fields
// (Cache-Control, X-Request-Id, six of identity). Eight is what a Go map
// holds in one group: a ninth made net/http's header map grow, and then
// its copy at WriteHeader, on every check (a tenth of the gate's CPU under
// wrk, pprof).
func Handler(svc *core.Service, log *slog.Logger, note func(*http.Request, gatehouse.Principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ci := core.ClientInfo{IP: reqinfo.From(r.Context()).IP, UserAgent: r.UserAgent()}
		p, err := svc.Verify(r.Context(), credentialOf(r.Header), ci)
		if err == nil && p.UserID == 0 {
			err = gatehouse.CodeErr(gatehouse.EUNAUTHORIZED) // never admit no one
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if note != nil {
			note(r, p)
		}
		setIdentity(w.Header(), p)
		httpio.Empty(w, http.StatusOK)
	})
}
