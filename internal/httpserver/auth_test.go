package httpserver_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/credential"
)

// TestAuthHeaders200 covers the credential headers that are accepted.
func TestAuthHeaders200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	ok := func(name string, headers ...string) scenario {
		return scenario{name: name, path: keysPath, headers: append(headers, "Content-Type", ctJSON), body: `{}`, wantStatus: 200}
	}
	e.run(t, []scenario{
		ok("x-access-tokens with the key", "x-access-tokens", u.key),
		ok("x-access-tokens with a token", "x-access-tokens", u.token),
		ok("header name in capitals", "X-ACCESS-TOKENS", u.token),
		ok("X-API-Key alias with the key", "X-API-Key", u.key),
		ok("x-api-key in lower case", "x-api-key", u.key),
		ok("both headers agreeing", "x-access-tokens", u.key, "X-API-Key", u.key),
	})
}

// TestAuthHeaders401 covers every malformed, missing, repeated or unknown
// credential: one generic 401 in the envelope, byte for byte the same body
// (docs/security.md 12).
func TestAuthHeaders401(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	other := e.newUser(t)
	bad := func(name string, headers ...string) scenario {
		return scenario{
			name: name, path: keysPath, headers: append(headers, "Content-Type", ctJSON), body: `{}`,
			wantStatus: http.StatusUnauthorized,
			notWant:    []string{"hint", "stai-", "gat_"},
		}
	}
	long := u.key + strings.Repeat("A", 300-len(u.key))
	scs := []scenario{
		bad("no header"),
		bad("empty x-access-tokens", "x-access-tokens", ""),
		bad("blank x-access-tokens", "x-access-tokens", "   "),
		bad("garbage", "x-access-tokens", "garbage"),
		bad("300-character header", "x-access-tokens", long),
		bad("300-character X-API-Key", "X-API-Key", long),
		bad("key with a bad checksum", "x-access-tokens", u.key[:len(u.key)-1]+flip(u.key[len(u.key)-1])),
		bad("token with a bad checksum", "x-access-tokens", u.token[:len(u.token)-1]+flip(u.token[len(u.token)-1])),
		bad("truncated key", "x-access-tokens", u.key[:len(u.key)-1]),
		bad("well-formed unknown key", "x-access-tokens", credential.NewAPIKey()),
		bad("well-formed unknown token", "x-access-tokens", credential.NewAccessToken()),
		bad("key and token headers disagree (same user)", "x-access-tokens", u.token, "X-API-Key", u.key),
		bad("key and token headers disagree (two users)", "x-access-tokens", u.key, "X-API-Key", other.key),
		bad("two x-access-tokens headers, same value", "x-access-tokens", u.key, "x-access-tokens", u.key),
		bad("two x-access-tokens headers, different values", "x-access-tokens", u.key, "X-Access-Tokens", u.token),
		bad("two X-API-Key headers", "X-API-Key", u.key, "X-API-Key", u.key),
		bad("two credentials in one header", "x-access-tokens", u.key+", "+u.token),
		bad("Bearer prefix", "x-access-tokens", "Bearer "+u.key),
		bad("Authorization: Bearer only", "Authorization", "Bearer "+u.key),
		bad("key in a cookie only", "Cookie", "x-access-tokens="+u.key),
	}
	rs := e.run(t, scs)

	for i := range rs {
		if rs[i].status == 0 {
			continue
		}
		if string(rs[i].body) != string(rs[0].body) {
			t.Errorf("%q answers %s; %q answers %s: 401 bodies must be identical", scs[i].name, rs[i].body, scs[0].name, rs[0].body)
		}
	}

	// Every authenticated route refuses alike.
	t.Run("every route", func(t *testing.T) {
		for _, rt := range []struct{ method, path, body string }{
			{http.MethodPost, loginsPath, `{"limit": 5}`},
			{http.MethodPost, keysPath, `{}`},
			{http.MethodPost, keyPath, `{"name": "x"}`},
			{http.MethodDelete, keyPath, `{"id": 1}`},
		} {
			for _, cred := range []string{"", "garbage", credential.NewAPIKey()} {
				h := hdr("Content-Type", ctJSON)
				if cred != "" {
					h = append(h, "x-access-tokens", cred)
				}
				r := e.call(t, rt.method, rt.path, h, rt.body)
				if r.status != http.StatusUnauthorized || string(r.body) != string(rs[0].body) {
					t.Errorf("%s %s with %q: %s, want the generic 401 %s", rt.method, rt.path, cred, r, rs[0].body)
				}
			}
		}
	})

	t.Run("nothing was created or deleted", func(t *testing.T) {
		rows, _ := e.listKeys(t, u.token)
		if len(rows) != 1 {
			t.Errorf("keys %+v, want only the default", rows)
		}
	})
}
