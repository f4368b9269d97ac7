// Scenario helpers of the Sunshine surface (/v2): app and account keys with
// their Basic and JWT credentials, apps, app keys, and the
// {"errors": [{"code", "title"}]} checks.

package httpserver_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// checkSunshine asserts the Sunshine v2 wire rules (docs/spec/sunshine.md §1):
// every answer is a JSON object served as application/json, and every error
// is exactly {"errors":[{"code","title"}]}, one item unless it is a 400.
func checkSunshine(t *testing.T, where string, r result) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, ctJSON) {
		t.Errorf("%s: Content-Type %q, want %s", where, ct, ctJSON)
	}
	// "The Sunshine Conversations API will not return CORS headers for app
	// and account scoped credentials" (spec §5.4 notes).
	if v := r.header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("%s: Access-Control-Allow-Origin %q on /v2", where, v)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil || m == nil {
		t.Errorf("%s: not a JSON object (%v): %s", where, err, r)
		return
	}
	if r.status < 400 {
		return
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(m["errors"], &items); err != nil || len(m) != 1 || len(items) == 0 {
		t.Errorf("%s: want exactly {\"errors\":[{\"code\",\"title\"}]}, got %s", where, r)
		return
	}
	if len(items) > 1 && r.status != http.StatusBadRequest {
		t.Errorf("%s: %d errors in a %d; only a 400 may carry several: %s", where, len(items), r.status, r)
	}
	for _, it := range items {
		var code, title string
		if len(it) != 2 || json.Unmarshal(it["code"], &code) != nil || json.Unmarshal(it["title"], &title) != nil || code == "" || title == "" {
			t.Errorf("%s: error item must be exactly {\"code\": string, \"title\": string}, got %s", where, r)
		}
	}
}

// unauthorizedBody is the one Sunshine answer to every bad credential.
const unauthorizedBody = `{"errors":[{"code":"unauthorized","title":"Authorization is required"}]}`

// objectIDRE is an app id; appKeyIDRE and accountKeyIDRE key ids.
var (
	objectIDRE     = regexp.MustCompile(`^[0-9a-f]{24}$`)
	appKeyIDRE     = regexp.MustCompile(`^app_[0-9a-f]{24}$`)
	accountKeyIDRE = regexp.MustCompile(`^act_[0-9a-f]{24}$`)
	keySecretRE    = regexp.MustCompile(`^[A-Za-z0-9_-]{43,}$`) // ≥ 256 bits, header-safe
)

// sunKey is an app (app_) or account (act_) key.
type sunKey struct {
	id, secret string
}

// remember registers k's secret and its Basic credential with the scans.
func (k sunKey) remember() sunKey {
	rememberKeySecret(k.secret, basicValue(k.id, k.secret))
	return k
}

// basicValue is base64(id ":" secret), as Basic auth sends it.
func basicValue(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))
}

// scope is the JWT scope k's kind must claim.
func (k sunKey) scope() string {
	if strings.HasPrefix(k.id, "act_") {
		return "account"
	}
	return "app"
}

// basic is the header set of a Basic request with k.
func (k sunKey) basic() []string {
	return hdr("Authorization", "Basic "+basicValue(k.id, k.secret), "Content-Type", ctJSON)
}

// jwt is the header set of a Bearer request with a JWT signed by k, as the
// official samples sign it: {"scope": ...}, kid in the header, no exp.
func (k sunKey) jwt(t *testing.T) []string {
	t.Helper()
	return bearer(signJWT(t, k.id, k.secret, jwt.MapClaims{"scope": k.scope()}))
}

// creds are both ways of presenting k, named.
func (k sunKey) creds(t *testing.T) map[string][]string {
	return map[string][]string{"Basic": k.basic(), "JWT": k.jwt(t)}
}

// bearer is the header set of a Bearer request.
func bearer(token string) []string {
	return hdr("Authorization", "Bearer "+token, "Content-Type", ctJSON)
}

// signJWT signs claims with HS256 over secret's UTF-8 bytes, kid in the
// header.
func signJWT(t *testing.T, kid, secret string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString([]byte(secret))
	if err != nil {
		t.Fatalf("sign JWT: %v", err)
	}
	return s
}

// issueAccountKey makes an account key for email as the operator would
// (svc.IssueAccountKey, what "gatehouse account-keys create" calls).
func (e *env) issueAccountKey(t *testing.T, email string) sunKey {
	t.Helper()
	v, err := e.svc.IssueAccountKey(t.Context(), email, "test")
	if err != nil {
		t.Fatalf("IssueAccountKey %s: %v", email, err)
	}
	k := sunKey{id: v.Key.ID, secret: v.Secret}.remember()
	if !accountKeyIDRE.MatchString(k.id) || !keySecretRE.MatchString(k.secret) {
		t.Fatalf("IssueAccountKey: bad key %q / secret of %d characters", k.id, len(k.secret))
	}
	return k
}

// sunAccount is an active account with an account key.
type sunAccount struct {
	user
	key sunKey
}

// newSunAccount signs up and activates an account and issues it an
// account key.
func (e *env) newSunAccount(t *testing.T) sunAccount {
	t.Helper()
	u := e.newUser(t)
	return sunAccount{user: u, key: e.issueAccountKey(t, u.email)}
}

// wireApp is the Sunshine app object.
type wireApp struct {
	ID          string         `json:"id"`
	DisplayName string         `json:"displayName"`
	Settings    map[string]any `json:"settings"`
	Metadata    map[string]any `json:"metadata"`
}

// wireKey is the Sunshine app key object.
type wireKey struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Secret      string `json:"secret"`
}

func (k wireKey) key() sunKey { return sunKey{id: k.ID, secret: k.Secret} }

// appOf decodes {"app": {...}}.
func appOf(t *testing.T, r result) wireApp {
	t.Helper()
	var out struct {
		App *wireApp `json:"app"`
	}
	decodeInto(t, r, &out)
	if out.App == nil {
		t.Fatalf("no app in %s", r)
	}
	return *out.App
}

// keyOf decodes {"key": {...}} and registers its secret with the scans.
func keyOf(t *testing.T, r result) wireKey {
	t.Helper()
	var out struct {
		Key *wireKey `json:"key"`
	}
	decodeInto(t, r, &out)
	if out.Key == nil {
		t.Fatalf("no key in %s", r)
	}
	out.Key.key().remember()
	return *out.Key
}

// createApp makes an app with cred (an account key's headers).
func (e *env) createApp(t *testing.T, cred []string, name string) wireApp {
	t.Helper()
	r := e.call(t, http.MethodPost, "/v2/apps", cred, mustJSON(t, map[string]string{"displayName": name}))
	if r.status != http.StatusCreated {
		t.Fatalf("create app %q: %s", name, r)
	}
	a := appOf(t, r)
	if !objectIDRE.MatchString(a.ID) || a.DisplayName != name {
		t.Fatalf("create app %q: bad answer %s", name, r)
	}
	return a
}

// createAppKey makes a key of app appID with cred.
func (e *env) createAppKey(t *testing.T, cred []string, appID, name string) sunKey {
	t.Helper()
	r := e.call(t, http.MethodPost, "/v2/apps/"+appID+"/keys", cred, mustJSON(t, map[string]string{"displayName": name}))
	if r.status != http.StatusCreated {
		t.Fatalf("create key %q of %s: %s", name, appID, r)
	}
	k := keyOf(t, r)
	if !appKeyIDRE.MatchString(k.ID) || k.DisplayName != name || !keySecretRE.MatchString(k.Secret) {
		t.Fatalf("create key %q: bad answer %s", name, r)
	}
	return k.key()
}

// errorOf decodes a Sunshine error answer into its one code and title.
func errorOf(t *testing.T, r result) (code, title string) {
	t.Helper()
	var out struct {
		Errors []struct {
			Code  string `json:"code"`
			Title string `json:"title"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || len(out.Errors) == 0 {
		t.Errorf("not a Sunshine error (%v): %s", err, r)
		return "", ""
	}
	return out.Errors[0].Code, out.Errors[0].Title
}

// wantError asserts r is status with error code (and title, when given).
func wantError(t *testing.T, what string, r result, status int, code string, title ...string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: %s, want %d %s", what, r, status, code)
		return
	}
	c, ti := errorOf(t, r)
	if c != code {
		t.Errorf("%s: code %q, want %q: %s", what, c, code, r)
	}
	if len(title) > 0 && ti != title[0] {
		t.Errorf("%s: title %q, want %q", what, ti, title[0])
	}
}

// wantUnauthorized asserts r is the one generic Sunshine 401, byte for byte.
func wantUnauthorized(t *testing.T, what string, r result) {
	t.Helper()
	if r.status != http.StatusUnauthorized || string(bytes.TrimSpace(r.body)) != unauthorizedBody {
		t.Errorf("%s: %s, want 401 %s", what, r, unauthorizedBody)
	}
}
