package gate

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/credential"
)

// h builds a header from name, value pairs, names canonicalised as a
// server reads them.
func h(kv ...string) http.Header {
	out := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Add(kv[i], kv[i+1])
	}
	return out
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// TestCredentialOf: which header carries what, and every ambiguity is the
// zero Credential (refused).
func TestCredentialOf(t *testing.T) {
	t.Parallel()
	key, tok := credential.NewAPIKey(), credential.NewAccessToken()
	const jwt = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImFwcF8xIn0.eyJzY29wZSI6ImFwcCJ9.c2lnbmF0dXJl"
	const id, sec = "app_5d8cff3cd55b040010928b5b", "5XJ85yjUtRcaQu_pDINblPZb"
	none := core.Credential{}
	tests := []struct {
		name string
		h    http.Header
		want core.Credential
	}{
		{"x-access-tokens API key", h("x-access-tokens", key), core.UserCredential(key)},
		{"x-access-tokens access token", h("x-access-tokens", tok), core.UserCredential(tok)},
		{"x-access-tokens with spaces", h("x-access-tokens", " "+tok+" "), core.UserCredential(tok)},
		{"x-access-tokens garbage: core's to refuse", h("x-access-tokens", "garbage"), core.UserCredential("garbage")},
		{"X-API-Key API key", h("X-API-Key", key), core.UserCredential(key)},
		{"X-API-Key in lower case", h("x-api-key", key), core.UserCredential(key)},
		{"X-API-Key access token", h("X-API-Key", tok), none},
		{"X-API-Key garbage", h("X-API-Key", "garbage"), none},
		{"Bearer API key", h("Authorization", "Bearer "+key), core.UserCredential(key)},
		{"Bearer access token", h("Authorization", "bearer "+tok), core.UserCredential(tok)},
		{"Bearer JWT", h("Authorization", "Bearer "+jwt), core.JWTCredential(jwt)},
		{"Bearer anything else: a JWT to core", h("Authorization", "Bearer abc"), core.JWTCredential("abc")},
		{"Basic", h("Authorization", basic(id, sec)), core.KeySecretCredential(id, sec)},
		{"Basic with an API key: core's to refuse", h("Authorization", basic("me", key)), core.KeySecretCredential("me", key)},

		{"nothing", h(), none},
		{"other headers only", h("Cookie", "a=b", "X-Gatehouse-User", "1"), none},
		{"empty x-access-tokens", h("x-access-tokens", ""), core.UserCredential("")},
		{"x-access-tokens twice", h("x-access-tokens", key, "x-access-tokens", key), none},
		{"X-API-Key twice", h("X-API-Key", key, "X-API-Key", key), none},
		{"Authorization twice", h("Authorization", "Bearer "+key, "Authorization", "Bearer "+key), none},
		{"x-access-tokens and X-API-Key, same key", h("x-access-tokens", key, "X-API-Key", key), none},
		{"x-access-tokens and Authorization", h("x-access-tokens", key, "Authorization", "Bearer "+key), none},
		{"X-API-Key and Authorization", h("X-API-Key", key, "Authorization", basic(id, sec)), none},
		{"all three", h("x-access-tokens", tok, "X-API-Key", key, "Authorization", "Bearer "+jwt), none},
		{"empty X-API-Key beside Authorization", h("X-API-Key", "", "Authorization", "Bearer "+key), none},
		{"unknown scheme", h("Authorization", "Digest x"), none},
		{"scheme only", h("Authorization", "Bearer"), none},
		{"Basic not base64", h("Authorization", "Basic !!!"), none},
		{"Bearer with a space inside", h("Authorization", "Bearer a b"), none},
		{"oversized Authorization", h("Authorization", "Bearer "+strings.Repeat("a", credential.MaxAuthorizationLen)), none},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := credentialOf(tt.h); got != tt.want {
				t.Errorf("credentialOf(%v) = %s %#v, want %s", tt.h, got, got, tt.want)
			}
		})
	}
}

// FuzzCredentialOf: no input panics; two credential headers, or one sent
// twice, are never read; X-API-Key gives an API key's form or nothing.
func FuzzCredentialOf(f *testing.F) {
	f.Add("x-access-tokens", credential.NewAPIKey(), "", "")
	f.Add("X-API-Key", credential.NewAPIKey(), "Authorization", "Bearer x")
	f.Add("Authorization", basic("app_1", "s"), "", "")
	f.Add("Authorization", "Bearer "+credential.NewAccessToken(), "Authorization", "Basic x")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string) {
		hd := http.Header{}
		hd[http.CanonicalHeaderKey(n1)] = []string{v1}
		if n2 != "" {
			hd[http.CanonicalHeaderKey(n2)] = append(hd[http.CanonicalHeaderKey(n2)], v2)
		}
		c := credentialOf(hd)
		count := 0
		for _, n := range []string{hAccessTokens, hAPIKey, hAuthorization} {
			count += len(hd[n])
		}
		if count != 1 && c != (core.Credential{}) {
			t.Fatalf("%d credential header values read as %s", count, c)
		}
		if len(hd[hAPIKey]) == 1 && count == 1 && c != (core.Credential{}) && c != core.UserCredential(strings.TrimSpace(hd[hAPIKey][0])) {
			t.Fatalf("X-API-Key %q read as %s", hd[hAPIKey][0], c)
		}
	})
}
