// Scenario helpers of the gate (/auth/verify): the answer every gate
// request must give, its identity headers, and a world holding a
// credential of every kind.

package httpserver_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

const verifyPath = "/auth/verify"

// The gate's refusals, byte for byte.
const (
	gateUnauthorized = `{"error":"unauthorized"}`
	gateInactive     = `{"error":"inactive"}`
	gateChallenge    = `Bearer realm="gatehouse"`
)

// gateCodes is the code each status of the gate must carry.
var gateCodes = map[int]string{
	http.StatusUnauthorized:        "unauthorized",
	http.StatusForbidden:           "inactive",
	http.StatusNotFound:            "not_found",
	http.StatusTooManyRequests:     "rate_limited",
	http.StatusServiceUnavailable:  "unavailable",
	http.StatusInternalServerError: "internal",
}

// identity is the X-Gatehouse-* headers of r, each with its one value.
func identity(r result) map[string]string {
	out := map[string]string{}
	for k, vs := range r.header {
		if strings.HasPrefix(k, "X-Gatehouse-") {
			out[k] = strings.Join(vs, "\n")
		}
	}
	return out
}

// checkGate asserts what every answer of the gate must be: 200 without a
// body or a Content-Type, with identity headers, each once and none empty; or {"error": <the
// status's code>} without any; never stored by a cache; the challenge on a
// 401 and Retry-After on a 429 or 503.
func checkGate(t *testing.T, method, where string, r result) {
	t.Helper()
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", where, got)
	}
	id := identity(r)
	if r.status == http.StatusOK {
		if len(r.body) != 0 || r.header.Get("Content-Type") != "" {
			t.Errorf("%s: 200 with body %q and Content-Type %q, want neither", where, r.body, r.header.Get("Content-Type"))
		}
		// The handler's fields (net/http adds Date and Content-Length on
		// its own): at most eight, what a Go map holds without growing
		// (see gate.Handler).
		fields := 0
		for k := range r.header {
			if k != "Date" && k != "Content-Length" {
				fields++
			}
		}
		if fields > 8 {
			t.Errorf("%s: 200 with %d header fields %v, want at most 8", where, fields, r.header)
		}
		for k, vs := range r.header {
			if strings.HasPrefix(k, "X-Gatehouse-") && (len(vs) != 1 || vs[0] == "") {
				t.Errorf("%s: identity header %s = %q: want one value, not empty", where, k, vs)
			}
		}
		if id["X-Gatehouse-User"] == "" || id["X-Gatehouse-Credential"] == "" {
			t.Errorf("%s: 200 without X-Gatehouse-User and X-Gatehouse-Credential: %v", where, id)
		}
		return
	}
	if len(id) > 0 {
		t.Errorf("%s: %d answer with identity headers %v", where, r.status, id)
	}
	code, ok := gateCodes[r.status]
	if !ok {
		t.Errorf("%s: status %d is not one the gate answers", where, r.status)
	}
	if method != http.MethodHead {
		var v map[string]json.RawMessage
		if err := json.Unmarshal(r.body, &v); err != nil || len(v) != 1 || string(v["error"]) != strconv.Quote(code) {
			t.Errorf("%s: body %s, want exactly {\"error\":%q}", where, r.body, code)
		}
	}
	switch r.status {
	case http.StatusUnauthorized:
		if got := r.header.Get("WWW-Authenticate"); got != gateChallenge {
			t.Errorf("%s: WWW-Authenticate %q, want %q", where, got, gateChallenge)
		}
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		if n, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || n < 1 {
			t.Errorf("%s: Retry-After %q, want a positive number of seconds", where, r.header.Get("Retry-After"))
		}
	}
}

// verify asks the gate about headers (GET /auth/verify).
func (e *env) verify(t *testing.T, headers []string) result {
	t.Helper()
	return e.call(t, http.MethodGet, verifyPath, headers, "")
}

// wantGateUnauthorized asserts r is the gate's one 401.
func wantGateUnauthorized(t *testing.T, what string, r result) {
	t.Helper()
	if r.status != http.StatusUnauthorized || !bytes.Equal(r.body, []byte(gateUnauthorized)) {
		t.Errorf("%s: %s, want 401 %s", what, r, gateUnauthorized)
	}
}

// gateWorld is an active account holding a credential of every kind: an
// API key with an access token made from it, an account key, an app and
// a key of that app.
type gateWorld struct {
	u      user
	userID string // decimal
	key    createdKey
	token  string // made from key
	acct   sunKey
	app    wireApp
	appKey sunKey
}

// newGateWorld makes a gateWorld through the API (the operator issues the
// account key, as "gatehouse account-keys create" does).
func (e *env) newGateWorld(t *testing.T) gateWorld {
	t.Helper()
	w := gateWorld{u: e.newUser(t)}
	acc, err := e.svc.FindUserByEmail(t.Context(), w.u.email)
	if err != nil {
		t.Fatal(err)
	}
	w.userID = strconv.FormatInt(acc.ID, 10)
	w.key = e.createKey(t, w.u.token, "gate")
	w.token = e.exchange(t, w.u.email, w.key.APIKey)
	w.acct = e.issueAccountKey(t, w.u.email)
	w.app = e.createApp(t, w.acct.basic(), "gated")
	w.appKey = e.createAppKey(t, w.acct.basic(), w.app.ID, "gated")
	return w
}

// userIdentity is the identity of an API key or access token of w's
// account, made from key id keyID.
func (w gateWorld) userIdentity(kind string, keyID int64, cac bool) map[string]string {
	return map[string]string{
		"X-Gatehouse-User": w.userID, "X-Gatehouse-Email": w.u.email, "X-Gatehouse-Credential": kind,
		"X-Gatehouse-Key": strconv.FormatInt(keyID, 10), "X-Gatehouse-Scope": "user", "X-Gatehouse-Cac": strconv.FormatBool(cac),
	}
}

// appIdentity is the identity of an app key k of app.
func (w gateWorld) appIdentity(k sunKey, app string) map[string]string {
	return map[string]string{
		"X-Gatehouse-User": w.userID, "X-Gatehouse-Email": w.u.email, "X-Gatehouse-Credential": "app_key",
		"X-Gatehouse-Key": k.id, "X-Gatehouse-App": app, "X-Gatehouse-Scope": "app",
	}
}

// accountIdentity is the identity of an account key k of w's account.
func (w gateWorld) accountIdentity(k sunKey) map[string]string {
	return map[string]string{
		"X-Gatehouse-User": w.userID, "X-Gatehouse-Email": w.u.email, "X-Gatehouse-Credential": "account_key",
		"X-Gatehouse-Key": k.id, "X-Gatehouse-Scope": "account",
	}
}

// wantIdentity asserts r is a 200 with exactly the identity headers want.
func wantIdentity(t *testing.T, what string, r result, want map[string]string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Errorf("%s: %s, want 200", what, r)
		return
	}
	got := identity(r)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected %s: %q", what, k, v)
		}
	}
}
