// Scenario helpers of the Ask Sage surface (/user and /server): the
// x-access-tokens headers, the {"response", "status"} envelope checks,
// token exchange, API keys and logins. Dataset, chat and Server API helpers
// are beside their tests (datasets_test.go, chats_test.go, server_test.go).

package httpserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// withToken is the header set of every seed example: x-access-tokens and a
// JSON content type.
func withToken(cred string) []string {
	return []string{"x-access-tokens", cred, "Content-Type", ctJSON}
}

// checkEnvelope asserts the Ask Sage envelope: exactly {"response": ...,
// "status": <int>} with the HTTP status equal to "status".
func checkEnvelope(t *testing.T, where string, r result) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Errorf("%s: not a JSON object (%v): %s", where, err, r)
		return
	}
	if _, ok := m["response"]; !ok || len(m) != 2 {
		t.Errorf("%s: envelope keys %v, want exactly response and status: %s", where, keys(m), r)
	}
	var status int
	if err := json.Unmarshal(m["status"], &status); err != nil {
		t.Errorf("%s: envelope status %s is not an integer: %s", where, m["status"], r)
		return
	}
	if status != r.status {
		t.Errorf("%s: envelope status %d != HTTP status %d", where, status, r.status)
	}
}

// checkServerAnswer asserts a successful Server API answer: a JSON object
// with "response" and an integer "status" equal to the HTTP status. Unlike
// the User API's envelope it may carry more keys (query's message, uuid,
// usage; get-models' object and data).
func checkServerAnswer(t *testing.T, where string, r result) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Errorf("%s: not a JSON object (%v): %s", where, err, r)
		return
	}
	if _, ok := m["response"]; !ok {
		t.Errorf("%s: no \"response\" key: %s", where, r)
	}
	var status int
	if err := json.Unmarshal(m["status"], &status); err != nil || status != r.status {
		t.Errorf("%s: status %s, want the integer %d: %s", where, m["status"], r.status, r)
	}
}

// envelopeOf decodes the envelope's response into v (or fails the test).
func envelopeOf(t *testing.T, r result, v any) {
	t.Helper()
	var env struct {
		Response json.RawMessage `json:"response"`
		Status   int             `json:"status"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("decode envelope: %v: %s", err, r)
	}
	if err := json.Unmarshal(env.Response, v); err != nil {
		t.Fatalf("decode response %s into %T: %v", env.Response, v, err)
	}
}

// upstreamFault reports whether status is an expected model-server fault
// answer of a /server route.
func (e *env) upstreamFault(path string, status int) bool {
	if !e.upstreamFaults.Load() || !strings.HasPrefix(collapse(path), "/server/") {
		return false
	}
	switch status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// exchangeResult calls get-token-with-api-key.
func (e *env) exchangeResult(t *testing.T, email, key string) result {
	t.Helper()
	return e.call(t, http.MethodPost, "/user/get-token-with-api-key", hdr("Content-Type", ctJSON),
		mustJSON(t, map[string]string{"email": email, "api_key": key}))
}

// exchange trades a key for a token, which must succeed.
func (e *env) exchange(t *testing.T, email, key string) string {
	t.Helper()
	r := e.exchangeResult(t, email, key)
	if r.status != http.StatusOK {
		t.Fatalf("exchange for %s: %s", email, r)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	envelopeOf(t, r, &out)
	if out.AccessToken == "" {
		t.Fatalf("exchange for %s: empty access_token: %s", email, r)
	}
	return out.AccessToken
}

// newUser is a signed-up, activated account holding one token.
func (e *env) newUser(t *testing.T) user {
	t.Helper()
	return e.newUserAs(t, newEmail())
}

// newUserAs is newUser with a chosen e-mail address.
func (e *env) newUserAs(t *testing.T, email string) user {
	t.Helper()
	u := e.signupAs(t, email)
	e.activate(t, u.email)
	u.token = e.exchange(t, u.email, u.key)
	return u
}

// createdKey is the answer of POST /user/user-api-key.
type createdKey struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	APIKey string `json:"api_key"`
}

// createKey creates a key with cred, which must succeed.
func (e *env) createKey(t *testing.T, cred, name string) createdKey {
	t.Helper()
	r := e.call(t, http.MethodPost, "/user/user-api-key", withToken(cred), mustJSON(t, map[string]string{"name": name}))
	if r.status != http.StatusOK {
		t.Fatalf("create key %q: %s", name, r)
	}
	var k createdKey
	envelopeOf(t, r, &k)
	if k.ID <= 0 || !apiKeyRE.MatchString(k.APIKey) || k.Name != name {
		t.Fatalf("create key %q: bad answer %s", name, r)
	}
	return k
}

// keyRow is one entry of get-user-api-keys.
type keyRow struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Hint       string  `json:"hint"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
}

// listKeys lists cred's keys, which must succeed.
func (e *env) listKeys(t *testing.T, cred string) ([]keyRow, result) {
	t.Helper()
	r := e.call(t, http.MethodPost, "/user/get-user-api-keys", withToken(cred), "{}")
	if r.status != http.StatusOK {
		t.Fatalf("list keys: %s", r)
	}
	var rows []keyRow
	envelopeOf(t, r, &rows)
	return rows, r
}

// deleteKey deletes key id with cred and returns the answer.
func (e *env) deleteKey(t *testing.T, cred string, id int64) result {
	t.Helper()
	return e.call(t, http.MethodDelete, "/user/user-api-key", withToken(cred), fmt.Sprintf(`{"id": %d}`, id))
}

// probe calls an authenticated read with cred and returns the status.
func (e *env) probe(t *testing.T, cred string) result {
	t.Helper()
	return e.call(t, http.MethodPost, "/user/get-user-api-keys", withToken(cred), "{}")
}

// loginRow is one entry of get-user-logins.
type loginRow struct {
	ID       int64  `json:"id"`
	DateTime string `json:"date_time"`
	IP       string `json:"IP"`
	Status   string `json:"status"`
	Type     string `json:"type"`
}

func (e *env) listLogins(t *testing.T, cred, body string) ([]loginRow, result) {
	t.Helper()
	r := e.call(t, http.MethodPost, "/user/get-user-logins", withToken(cred), body)
	if r.status != http.StatusOK {
		t.Fatalf("list logins: %s", r)
	}
	var rows []loginRow
	envelopeOf(t, r, &rows)
	return rows, r
}

// ids returns the ids of rows.
func ids(rows []keyRow) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}
