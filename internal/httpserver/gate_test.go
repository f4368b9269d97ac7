package httpserver_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/golang-jwt/jwt/v5"
)

// TestGate200: every kind of credential, in every header the contract
// names, is admitted with exactly its identity headers: never a secret,
// never an empty header, X-Gatehouse-Cac for user credentials only.
func TestGate200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.newGateWorld(t)
	apiKey := w.userIdentity("api_key", w.key.ID, false)
	token := w.userIdentity("access_token", w.key.ID, false)
	app := w.appIdentity(w.appKey, w.app.ID)
	acct := w.accountIdentity(w.acct)
	tests := []struct {
		name    string
		headers []string
		want    map[string]string
	}{
		{"x-access-tokens API key", hdr("x-access-tokens", w.key.APIKey), apiKey},
		{"x-access-tokens access token", hdr("x-access-tokens", w.token), token},
		{"X-API-Key API key", hdr("X-API-Key", w.key.APIKey), apiKey},
		{"Bearer API key", hdr("Authorization", "Bearer "+w.key.APIKey), apiKey},
		{"Bearer access token", hdr("Authorization", "Bearer "+w.token), token},
		{"Basic app key", w.appKey.basic(), app},
		{"Basic account key", w.acct.basic(), acct},
		{"Bearer app key JWT", w.appKey.jwt(t), app},
		{"Bearer account key JWT", w.acct.jwt(t), acct},
		{"basic in lower case", hdr("Authorization", "basic "+basicValue(w.appKey.id, w.appKey.secret)), app},
		{"sign-up's own key", hdr("x-access-tokens", w.u.key), w.userIdentity("api_key", 1, false)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // from the database, then from the cache
				r := e.verify(t, tt.headers)
				wantIdentity(t, tt.name, r, tt.want)
				for k, vs := range r.header {
					for _, s := range []string{w.key.APIKey, w.token, w.u.key, w.appKey.secret, w.acct.secret} {
						if strings.Contains(strings.Join(vs, " "), s) {
							t.Errorf("header %s carries a credential", k)
						}
					}
				}
			}
		})
	}

	// The account's CAC flag, set by the operator, is in the next answer.
	if _, err := e.svc.SetCAC(t.Context(), w.u.email, true); err != nil {
		t.Fatal(err)
	}
	wantIdentity(t, "after set-cac", e.verify(t, hdr("x-access-tokens", w.token)), w.userIdentity("access_token", w.key.ID, true))
	wantIdentity(t, "after set-cac, an app key", e.verify(t, w.appKey.basic()), app)
}

// TestGateMethodsAndPaths: the gate serves every method, at /auth/verify
// and under it (Envoy appends the original path), without reading the
// body; the rest of /auth is the gate's 404, and a path that hides
// structure is refused with it too.
func TestGateMethodsAndPaths(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.newGateWorld(t)
	want := w.userIdentity("api_key", w.key.ID, false)
	paths := []string{"/auth/verify", "/auth/verify/", "/auth/verify/api/v1/items", "/auth/verify/api/v1/items?id=3&x=%20y", "//auth//verify", "/auth/verify/v2/apps/x%20y"}
	methods := []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions, "PROPFIND"}
	for _, p := range paths {
		for _, m := range methods {
			t.Run(m+" "+p, func(t *testing.T) {
				t.Parallel()
				// A body that is no JSON at all: never read.
				wantIdentity(t, "with a key", e.call(t, m, p, hdr("X-API-Key", w.key.APIKey, "Content-Type", ctJSON), `{"not json`), want)
				r := e.call(t, m, p, nil, "")
				if r.status != http.StatusUnauthorized {
					t.Errorf("without a credential: %s, want 401", r)
				}
				if m != http.MethodHead {
					wantGateUnauthorized(t, "without a credential", r)
				}
			})
		}
	}
	for _, p := range []string{"/auth", "/auth/", "/auth/verifyx", "/auth/Verify", "/auth/login", "/auth/verif", "/auth/verify/..%2fuser/get-user-api-keys", "/auth/verify/a%2Fb", "/auth/verify/../verify", "/%61uth/verify"} {
		t.Run("404 "+p, func(t *testing.T) {
			t.Parallel()
			for _, m := range []string{http.MethodGet, http.MethodPost} {
				r := e.call(t, m, p, hdr("X-API-Key", w.key.APIKey), "")
				if r.status != http.StatusNotFound || (!strings.HasPrefix(p, "/%") && string(r.body) != `{"error":"not_found"}`) {
					t.Errorf("%s %s: %s, want the gate's 404", m, p, r)
				}
			}
		})
	}
}

// TestGate401: every credential that does not verify gets the one 401,
// byte for byte and header for header (docs/security.md 12): missing,
// garbage, unknown but well-formed, wrong secret, expired, deleted through
// the API (refused at once, cached or not), and two credentials at once.
func TestGate401(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	e := newEnv(t, clk.option())
	w := e.newGateWorld(t)

	// Credentials deleted through the API, each verified (and so cached)
	// first: the deleting node refuses them from the next request on.
	doomedKey := e.createKey(t, w.u.token, "doomed")
	doomedToken := e.exchange(t, w.u.email, doomedKey.APIKey)
	doomedAppKey := e.createAppKey(t, w.acct.basic(), w.app.ID, "doomed")
	doomedAcct := e.issueAccountKey(t, w.u.email)
	doomedApp := e.createApp(t, w.acct.basic(), "doomed")
	doomedAppsKey := e.createAppKey(t, w.acct.basic(), doomedApp.ID, "doomed")
	deleted := map[string][]string{
		"deleted API key":                    hdr("x-access-tokens", doomedKey.APIKey),
		"deleted API key as Bearer":          hdr("Authorization", "Bearer "+doomedKey.APIKey),
		"token of a deleted API key":         hdr("Authorization", "Bearer "+doomedToken),
		"deleted app key":                    doomedAppKey.basic(),
		"deleted app key's JWT":              doomedAppKey.jwt(t),
		"deleted account key":                doomedAcct.basic(),
		"deleted account key's JWT":          doomedAcct.jwt(t),
		"key of a deleted app":               doomedAppsKey.basic(),
		"JWT of a key of a deleted app":      doomedAppsKey.jwt(t),
		"x-access-tokens of a deleted token": hdr("x-access-tokens", doomedToken),
	}
	for name, h := range deleted {
		if r := e.verify(t, h); r.status != http.StatusOK {
			t.Fatalf("%s, before the delete: %s", name, r)
		}
	}
	wantStatus(t, "delete the API key", e.deleteKey(t, w.u.token, doomedKey.ID), http.StatusOK)
	wantStatus(t, "delete the app key", e.call(t, http.MethodDelete, "/v2/apps/"+w.app.ID+"/keys/"+doomedAppKey.id, w.acct.basic(), ""), http.StatusOK)
	wantStatus(t, "delete the account key", e.call(t, http.MethodDelete, "/user/account-keys", withToken(w.u.token), mustJSON(t, map[string]string{"id": doomedAcct.id})), http.StatusOK)
	wantStatus(t, "delete the app", e.call(t, http.MethodDelete, "/v2/apps/"+doomedApp.ID, w.acct.basic(), ""), http.StatusOK)

	flip := func(s string) string {
		b := []byte(s)
		b[len(b)-1] ^= 1
		return string(b)
	}
	expiredJWT := signJWT(t, w.appKey.id, w.appKey.secret, jwt.MapClaims{"scope": "app", "exp": clk.Now().Add(-2 * time.Minute).Unix()})
	cases := map[string][]string{
		"no credential":                          nil,
		"other headers only":                     hdr("Cookie", "session=x", "X-Gatehouse-User", w.userID),
		"empty x-access-tokens":                  hdr("x-access-tokens", ""),
		"garbage x-access-tokens":                hdr("x-access-tokens", "garbage"),
		"bad checksum":                           hdr("x-access-tokens", flip(w.key.APIKey)),
		"unknown well-formed API key":            hdr("x-access-tokens", credential.NewAPIKey()),
		"unknown well-formed access token":       hdr("x-access-tokens", credential.NewAccessToken()),
		"unknown well-formed X-API-Key":          hdr("X-API-Key", credential.NewAPIKey()),
		"unknown well-formed Bearer":             hdr("Authorization", "Bearer "+credential.NewAPIKey()),
		"access token as X-API-Key":              hdr("X-API-Key", w.token),
		"garbage X-API-Key":                      hdr("X-API-Key", "garbage"),
		"Basic wrong secret":                     hdr("Authorization", "Basic "+basicValue(w.appKey.id, "not-the-secret")),
		"Basic another key's secret":             hdr("Authorization", "Basic "+basicValue(w.appKey.id, w.acct.secret)),
		"Basic unknown key id":                   hdr("Authorization", "Basic "+basicValue("app_"+randHex(12), w.appKey.secret)),
		"Basic with an API key as the secret":    hdr("Authorization", "Basic "+basicValue(w.u.email, w.key.APIKey)),
		"Basic with an API key as the user":      hdr("Authorization", "Basic "+basicValue(w.key.APIKey, "x")),
		"Basic not base64":                       hdr("Authorization", "Basic !!!"),
		"Bearer garbage":                         hdr("Authorization", "Bearer a.b.c"),
		"Bearer nothing":                         hdr("Authorization", "Bearer"),
		"unknown scheme":                         hdr("Authorization", "Digest username=x"),
		"JWT wrong secret":                       bearer(signJWT(t, w.appKey.id, "not-the-secret", jwt.MapClaims{"scope": "app"})),
		"JWT wrong scope":                        bearer(signJWT(t, w.appKey.id, w.appKey.secret, jwt.MapClaims{"scope": "account"})),
		"JWT expired":                            bearer(expiredJWT),
		"JWT unknown kid":                        bearer(signJWT(t, "app_"+randHex(12), w.appKey.secret, jwt.MapClaims{"scope": "app"})),
		"two credentials, same key":              hdr("x-access-tokens", w.key.APIKey, "X-API-Key", w.key.APIKey),
		"two credentials, both live":             hdr("x-access-tokens", w.token, "Authorization", "Bearer "+w.key.APIKey),
		"two credentials, X-API-Key and Basic":   append(hdr("X-API-Key", w.key.APIKey), w.appKey.basic()...),
		"two credentials, one of them empty":     hdr("X-API-Key", "", "Authorization", "Bearer "+w.key.APIKey),
		"x-access-tokens twice":                  hdr("x-access-tokens", w.key.APIKey, "x-access-tokens", w.key.APIKey),
		"Authorization twice":                    hdr("Authorization", "Bearer "+w.token, "Authorization", "Bearer "+w.token),
		"oversized Authorization":                hdr("Authorization", "Bearer "+strings.Repeat("a", credential.MaxAuthorizationLen)),
		"account key as x-access-tokens":         hdr("x-access-tokens", w.acct.id),
		"account key JWT as x-access-tokens":     hdr("x-access-tokens", signJWT(t, w.acct.id, w.acct.secret, jwt.MapClaims{"scope": "account"})),
		"x-access-tokens with an Authorization":  append(hdr("x-access-tokens", w.key.APIKey), w.acct.basic()...),
		"the gatehouse key id, not its secret":   hdr("x-access-tokens", "1"),
		"a key hint":                             hdr("x-access-tokens", credential.Hint(w.key.APIKey)),
		"an API key with a space inside":         hdr("Authorization", "Bearer "+w.key.APIKey[:10]+" "+w.key.APIKey[10:]),
		"JWT signed with an API key as a secret": bearer(signJWT(t, w.appKey.id, w.key.APIKey, jwt.MapClaims{"scope": "app"})),
	}
	for name, h := range deleted {
		cases[name] = h
	}
	var first string
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			r := e.verify(t, h)
			wantGateUnauthorized(t, name, r)
			if first == "" {
				first = comparable(r)
			} else if c := comparable(r); c != first {
				t.Errorf("a 401 unlike the others:\n%s\nwant\n%s", c, first)
			}
		})
	}

	// An access token dies at its 24th hour, cached or not.
	fresh := e.exchange(t, w.u.email, w.key.APIKey)
	wantIdentity(t, "a fresh token", e.verify(t, bearer(fresh)), w.userIdentity("access_token", w.key.ID, false))
	clk.Advance(gatehouse.AccessTokenTTL)
	wantGateUnauthorized(t, "the token at its 24th hour", e.verify(t, bearer(fresh)))
	wantIdentity(t, "its key still works", e.verify(t, hdr("X-API-Key", w.key.APIKey)), w.userIdentity("api_key", w.key.ID, false))
}

// TestGate403: a live credential of an account that is not active is 403
// {"error":"inactive"} once it has verified, of every kind (an API key, an
// account key by Basic and by JWT), and a wrong secret is still the 401; a
// deactivated account holds no credential any more (401).
func TestGate403(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pending := e.signup(t)
	for name, h := range map[string][]string{
		"x-access-tokens": hdr("x-access-tokens", pending.key),
		"X-API-Key":       hdr("X-API-Key", pending.key),
		"Bearer":          hdr("Authorization", "Bearer "+pending.key),
	} {
		for range 2 {
			r := e.verify(t, h)
			if r.status != http.StatusForbidden || string(r.body) != gateInactive {
				t.Errorf("%s of a pending account: %s, want 403 %s", name, r, gateInactive)
			}
		}
	}
	acct := e.issueAccountKey(t, pending.email)
	for name, h := range map[string][]string{"Basic": acct.basic(), "JWT": acct.jwt(t)} {
		if r := e.verify(t, h); r.status != http.StatusForbidden || string(r.body) != gateInactive {
			t.Errorf("a pending account's account key, %s: %s, want 403 %s", name, r, gateInactive)
		}
	}
	wrong := acct
	wrong.secret = "wrong" + wrong.secret[5:]
	wantGateUnauthorized(t, "a pending account's account key, wrong secret", e.verify(t, wrong.basic()))

	// Activated, the same key passes; deactivated, it is gone.
	e.activate(t, pending.email)
	if r := e.verify(t, hdr("X-API-Key", pending.key)); r.status != http.StatusOK {
		t.Errorf("after activation: %s", r)
	}
	if _, err := e.svc.DeactivateUser(t.Context(), pending.email); err != nil {
		t.Fatal(err)
	}
	wantGateUnauthorized(t, "a deactivated account's key", e.verify(t, hdr("X-API-Key", pending.key)))
	wantGateUnauthorized(t, "a deactivated account's account key", e.verify(t, acct.basic()))
}

// TestGateForgedIdentity: X-Gatehouse-* headers a client sends change
// nothing in the gate's answer: with a credential the identity is the
// credential's, header for header; without one it is the one 401, with
// no identity at all. (Stripping them before the upstream is the proxy's
// job; its configuration is in the README and tested with real proxies.)
func TestGateForgedIdentity(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.newGateWorld(t)
	victim := e.newGateWorld(t)
	forged := hdr(
		"X-Gatehouse-User", victim.userID, "X-Gatehouse-Email", victim.u.email, "x-gatehouse-user", "1",
		"X-Gatehouse-Credential", "account_key", "X-Gatehouse-Key", victim.acct.id, "X-Gatehouse-App", victim.app.ID,
		"X-Gatehouse-Scope", "account", "X-Gatehouse-Cac", "true", "X-Gatehouse-Admin", "true",
	)
	for name, c := range map[string]struct {
		h    []string
		want map[string]string
	}{
		"API key":      {hdr("x-access-tokens", w.key.APIKey), w.userIdentity("api_key", w.key.ID, false)},
		"access token": {bearer(w.token), w.userIdentity("access_token", w.key.ID, false)},
		"app key":      {w.appKey.basic(), w.appIdentity(w.appKey, w.app.ID)},
		"account JWT":  {w.acct.jwt(t), w.accountIdentity(w.acct)},
	} {
		t.Run(name, func(t *testing.T) {
			plain := e.verify(t, c.h)
			wantIdentity(t, "without forged headers", plain, c.want)
			for _, h := range [][]string{append(slicesClone(forged), c.h...), append(slicesClone(c.h), forged...)} {
				r := e.verify(t, h)
				wantIdentity(t, "with forged headers", r, c.want)
				if comparable(r) != comparable(plain) {
					t.Errorf("forged headers change the answer:\n%s\nwant\n%s", comparable(r), comparable(plain))
				}
			}
		})
	}
	wantGateUnauthorized(t, "forged headers alone", e.verify(t, forged))
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// TestGateAccessLog: a gate request's access-log line names the route
// pattern and the caller, never the credential or the path's tail.
func TestGateAccessLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.newGateWorld(t)
	for _, c := range []struct {
		h               []string
		path, principal string
		route           string
	}{
		{hdr("x-access-tokens", w.key.APIKey), "/auth/verify", "user:" + w.userID, "/auth/verify"},
		{w.appKey.basic(), "/auth/verify/upstream/secret-path", w.appKey.id, "/auth/verify/"},
		{nil, "/auth/verify", "", "/auth/verify"},
	} {
		r := e.call(t, http.MethodGet, c.path, c.h, "")
		e.flushLog(t)
		line := accessLine(t, r.header.Get("X-Request-Id"))
		if line.Route != c.route || line.Principal != c.principal || line.Status != r.status {
			t.Errorf("%s: access log %+v, want route %q, principal %q, status %d", c.path, line, c.route, c.principal, r.status)
		}
	}
}

// accessLine is the access-log line of request id.
func accessLine(t *testing.T, id string) (l struct {
	Msg, RequestID, Route, Principal string
	Status                           int
}) {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(logSink.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !strings.Contains(sc.Text(), id) {
			continue
		}
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "request" && l.RequestID == id {
			return l
		}
	}
	t.Fatalf("no access-log line for request %s", id)
	return l
}
