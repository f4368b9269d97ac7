package httpserver_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestPendingAccount403 covers an account between sign-up and activation:
// its key can neither be exchanged nor used (403, "not active"), and it
// works once the operator activates the account.
func TestPendingAccount403(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signup(t)
	ct := hdr("Content-Type", ctJSON)
	inactive := func(name, method, path string, headers []string, body string) scenario {
		return scenario{name: name, method: method, path: path, headers: headers, body: body, wantStatus: http.StatusForbidden,
			want: []string{"not active", `"status":403`}, notWant: []string{"access_token", "hint", "date_time"}}
	}

	e.run(t, []scenario{
		inactive("token exchange", http.MethodPost, tokenPath, ct, mustJSON(t, map[string]string{"email": u.email, "api_key": u.key})),
		inactive("key in x-access-tokens: logins", http.MethodPost, loginsPath, withToken(u.key), `{"limit": 5}`),
		inactive("key in x-access-tokens: list keys", http.MethodPost, keysPath, withToken(u.key), `{}`),
		inactive("key in x-access-tokens: create key", http.MethodPost, keyPath, withToken(u.key), `{"name": "string"}`),
		inactive("key in x-access-tokens: delete key", http.MethodDelete, keyPath, withToken(u.key), `{"id": 1}`),
		inactive("key in X-API-Key", http.MethodPost, keysPath, hdr("X-API-Key", u.key, "Content-Type", ctJSON), `{}`),
		// A wrong key for a pending account is still just a wrong key.
		{name: "wrong key for a pending account", path: tokenPath, headers: ct, body: mustJSON(t, map[string]string{"email": u.email, "api_key": "stai-nope"}), wantStatus: 401},
	})

	t.Run("activation lets the key in", func(t *testing.T) {
		e.activate(t, u.email)
		if r := e.probe(t, u.key); r.status != http.StatusOK {
			t.Fatalf("key after activation: %s", r)
		}
		tok := e.exchange(t, u.email, u.key)
		if r := e.probe(t, tok); r.status != http.StatusOK {
			t.Fatalf("token after activation: %s", r)
		}
		rows, _ := e.listKeys(t, tok)
		if len(rows) != 1 {
			t.Errorf("keys after activation: %+v, want the sign-up key only (the refused create made none)", rows)
		}
		// The refused exchanges of the pending account are in its history.
		logins, _ := e.listLogins(t, tok, `{"limit": 100}`)
		var statuses []string
		for _, l := range logins {
			statuses = append(statuses, l.Status)
		}
		if fmt.Sprint(statuses) != "[Success Failure Failure]" {
			t.Errorf("login statuses newest first = %v, want [Success Failure Failure]", statuses)
		}
	})
}

// TestDisabledAccount covers DeactivateUser: every key and token of the
// account stops at once (never 200), even when freshly verified and cached,
// and no key can be created.
func TestDisabledAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	bystander := e.newUser(t)
	k := e.createKey(t, u.token, "second")
	kTok := e.exchange(t, u.email, k.APIKey)
	creds := []string{u.key, u.token, k.APIKey, kTok}
	// Warm the verification cache with every credential.
	for range 3 {
		for _, c := range creds {
			if r := e.probe(t, c); r.status != http.StatusOK {
				t.Fatalf("before deactivation: %s", r)
			}
		}
	}

	if _, err := e.svc.DeactivateUser(t.Context(), u.email); err != nil {
		t.Fatalf("DeactivateUser: %v", err)
	}

	refused := []int{http.StatusUnauthorized, http.StatusForbidden}
	var scs []scenario
	for i, c := range creds {
		for _, rt := range []struct{ method, path, body string }{
			{http.MethodPost, loginsPath, `{}`},
			{http.MethodPost, keysPath, `{}`},
			{http.MethodPost, keyPath, `{"name": "after"}`},
			{http.MethodDelete, keyPath, fmt.Sprintf(`{"id": %d}`, k.ID)},
		} {
			scs = append(scs, scenario{
				name: fmt.Sprintf("credential %d %s %s", i, rt.method, rt.path), method: rt.method, path: rt.path,
				headers: withToken(c), body: rt.body, anyStatus: refused, notWant: []string{"stai-", "date_time"},
			})
		}
	}
	for i, key := range []string{u.key, k.APIKey} {
		scs = append(scs, scenario{name: fmt.Sprintf("exchange key %d", i), path: tokenPath, headers: hdr("Content-Type", ctJSON),
			body: mustJSON(t, map[string]string{"email": u.email, "api_key": key}), anyStatus: refused, notWant: []string{"access_token"}})
	}
	e.run(t, scs)

	t.Run("reactivation does not revive old credentials", func(t *testing.T) {
		e.activate(t, u.email)
		for _, c := range creds {
			if r := e.probe(t, c); r.status == http.StatusOK {
				t.Errorf("old credential works after reactivation: %s", r)
			}
		}
		// The operator issues a fresh key; it is the account's only one, so
		// no refused request above created a key.
		_, fresh, err := e.svc.IssueKey(t.Context(), u.email, "fresh")
		if err != nil {
			t.Fatalf("IssueKey: %v", err)
		}
		rows, _ := e.listKeys(t, fresh)
		if len(rows) != 1 || rows[0].Name != "fresh" {
			t.Errorf("keys after reactivation: %+v, want only the fresh one", rows)
		}
	})

	t.Run("other accounts unaffected", func(t *testing.T) {
		for _, c := range []string{bystander.key, bystander.token} {
			if r := e.probe(t, c); r.status != http.StatusOK {
				t.Errorf("bystander refused: %s", r)
			}
		}
	})
}
