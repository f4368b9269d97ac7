// Scenario helpers of the sumtyme surface (POST /signup): signing up, and
// the {"detail": ...} error shape every refusal must have.

package httpserver_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
)

// apiKeyRE is the sumtyme key shape the seed shows.
var apiKeyRE = regexp.MustCompile(`^stai-[A-Za-z0-9_-]{38}$`)

// signup signs up through POST /signup, as the seed's example does, and
// returns the pending account.
func (e *env) signup(t *testing.T) user {
	t.Helper()
	return e.signupAs(t, newEmail())
}

// signupAs is signup with a chosen e-mail address.
func (e *env) signupAs(t *testing.T, email string) user {
	t.Helper()
	u := user{email: email, password: newPassword()}
	body := mustJSON(t, map[string]string{"email": u.email, "password": u.password, "confirm_password": u.password})
	r := e.call(t, http.MethodPost, "/signup", hdr("Content-Type", ctJSON), body)
	if r.status != http.StatusOK {
		t.Fatalf("signup %s: %s", u.email, r)
	}
	var out struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || !apiKeyRE.MatchString(out.APIKey) {
		t.Fatalf("signup %s: bad answer (%v): %s", u.email, err, r)
	}
	u.key = out.APIKey
	return u
}

// checkDetail asserts the sumtyme error shape {"detail": "<message>"}.
func checkDetail(t *testing.T, where string, r result) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Errorf("%s: not a JSON object (%v): %s", where, err, r)
		return
	}
	var detail string
	if err := json.Unmarshal(m["detail"], &detail); err != nil || detail == "" || len(m) != 1 {
		t.Errorf("%s: want exactly {\"detail\": \"...\"}, got %s", where, r)
	}
}
