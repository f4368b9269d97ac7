package httpserver_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/credential"
)

const tokenPath = "/user/get-token-with-api-key"

// TestToken200 covers POST /user/get-token-with-api-key answering 200.
func TestToken200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signup(t)
	e.activate(t, u.email)

	var tokens []string
	tokenOf := func(t *testing.T, r result) {
		var m map[string]json.RawMessage
		envelopeOf(t, r, &m)
		if len(m) != 1 {
			t.Errorf("response keys %v, want only access_token", keys(m))
		}
		var out struct {
			AccessToken string `json:"access_token"`
		}
		envelopeOf(t, r, &out)
		if out.AccessToken == "" || out.AccessToken == u.key {
			t.Fatalf("bad access_token in %s", r)
		}
		tokens = append(tokens, out.AccessToken)
	}

	e.run(t, []scenario{
		{
			name:       "seed example",
			path:       tokenPath,
			headers:    hdr("Content-Type", ctJSON),
			body:       `{"email": "` + u.email + `", "api_key": "` + u.key + `"}`,
			wantStatus: 200,
			want:       []string{`"access_token":"`, `"status":200`},
			notWant:    []string{u.key},
			check:      tokenOf,
		},
		{
			name:       "email in another case",
			path:       tokenPath,
			headers:    hdr("Content-Type", ctJSON),
			body:       `{"email": "` + strings.ToUpper(u.email) + `", "api_key": "` + u.key + `"}`,
			wantStatus: 200,
			check:      tokenOf,
		},
		{
			name:       "no Content-Type",
			path:       tokenPath,
			body:       `{"email": "` + u.email + `", "api_key": "` + u.key + `"}`,
			wantStatus: 200,
			check:      tokenOf,
		},
		{
			name:       "unknown fields ignored",
			path:       tokenPath,
			headers:    hdr("Content-Type", ctJSON),
			body:       `{"email": "` + u.email + `", "api_key": "` + u.key + `", "mfa": null, "extra": {"a": [1, 2]}}`,
			wantStatus: 200,
			check:      tokenOf,
		},
		{
			name:       "doubled slash",
			path:       "/" + tokenPath,
			headers:    hdr("Content-Type", ctJSON),
			body:       `{"email": "` + u.email + `", "api_key": "` + u.key + `"}`,
			wantStatus: 200,
			check:      tokenOf,
		},
	})

	t.Run("tokens are distinct and each authenticates", func(t *testing.T) {
		if len(tokens) != 5 {
			t.Fatalf("got %d tokens, want 5", len(tokens))
		}
		seen := map[string]bool{}
		for _, tok := range tokens {
			if seen[tok] {
				t.Errorf("token issued twice")
			}
			seen[tok] = true
			if r := e.probe(t, tok); r.status != 200 {
				t.Errorf("token refused: %s", r)
			}
		}
	})
}

// TestToken4xx covers the refusals of the token exchange.
func TestToken4xx(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newUser(t)
	b := e.newUser(t)
	pending := e.signup(t)
	ct := hdr("Content-Type", ctJSON)
	body := func(email, key string) string {
		return mustJSON(t, map[string]string{"email": email, "api_key": key})
	}
	wellFormedUnknown := credential.NewAPIKey()

	rs := e.run(t, []scenario{
		{name: "wrong key (another user's)", path: tokenPath, headers: ct, body: body(a.email, b.key), wantStatus: 401, notWant: []string{"access_token"}},
		{name: "unknown email", path: tokenPath, headers: ct, body: body("nobody@example.com", a.key), wantStatus: 401},
		{name: "well-formed unknown key", path: tokenPath, headers: ct, body: body(a.email, wellFormedUnknown), wantStatus: 401},
		{name: "garbage key", path: tokenPath, headers: ct, body: body(a.email, "not-a-key"), wantStatus: 401},
		{name: "key with a bad checksum", path: tokenPath, headers: ct, body: body(a.email, a.key[:len(a.key)-1]+flip(a.key[len(a.key)-1])), wantStatus: 401},
		{name: "a token is not an api_key", path: tokenPath, headers: ct, body: body(a.email, a.token), wantStatus: 401},
		{name: "pending account", path: tokenPath, headers: ct, body: body(pending.email, pending.key), wantStatus: 403, want: []string{"not active"}, notWant: []string{"access_token"}},
		{name: "missing api_key", path: tokenPath, headers: ct, body: `{"email": "` + a.email + `"}`, wantStatus: 400},
		{name: "missing email", path: tokenPath, headers: ct, body: `{"api_key": "` + a.key + `"}`, wantStatus: 400},
		{name: "empty body", path: tokenPath, headers: ct, wantStatus: 400},
		{name: "empty body, no Content-Type", path: tokenPath, wantStatus: 400},
		{name: "api_key is a number", path: tokenPath, headers: ct, body: `{"email": "` + a.email + `", "api_key": 5}`, wantStatus: 400},
		{name: "email is a list", path: tokenPath, headers: ct, body: `{"email": ["` + a.email + `"], "api_key": "` + a.key + `"}`, wantStatus: 400},
	})

	// docs/security.md 12: an unknown account and a wrong secret get the same
	// answer.
	if len(rs) >= 5 {
		for i := 1; i < 5; i++ {
			if !bytes.Equal(rs[i].body, rs[0].body) {
				t.Errorf("refusal bodies differ:\n%s\n%s", rs[0].body, rs[i].body)
			}
		}
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}
