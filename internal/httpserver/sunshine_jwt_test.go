package httpserver_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/golang-jwt/jwt/v5"
)

// The JWT attack table (docs/security.md 14–16 and 15a, docs/spec/sunshine.md §5.3): every
// forged, mis-scoped, expired or malformed token gets the one generic 401.

var b64url = base64.RawURLEncoding

// rawJWT builds a token by hand: header and payload as given (JSON text),
// signed with HMAC-h over key, or with an empty signature when key is nil.
func rawJWT(header, payload string, key []byte, h func() hash.Hash) string {
	in := b64url.EncodeToString([]byte(header)) + "." + b64url.EncodeToString([]byte(payload))
	if key == nil {
		return in + "."
	}
	m := hmac.New(h, key)
	m.Write([]byte(in))
	return in + "." + b64url.EncodeToString(m.Sum(nil))
}

// hs256 builds an HS256 token from header and claim maps, signed with key.
func hs256(t *testing.T, header, claims map[string]any, key []byte) string {
	t.Helper()
	hb, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return rawJWT(string(hb), string(cb), key, sha256.New)
}

// TestSunshineJWT is the attack table against one server with an injected
// clock.
func TestSunshineJWT(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	e := newEnv(t, clk.option())
	acct := e.newSunAccount(t)
	other := e.newSunAccount(t)
	a := e.createApp(t, acct.key.basic(), "jwt")
	k := e.createAppKey(t, acct.key.basic(), a.ID, "k")
	k2 := e.createAppKey(t, acct.key.basic(), a.ID, "k2")
	doomed := e.createAppKey(t, acct.key.basic(), a.ID, "doomed")
	ak := acct.key
	now := clk.Now().Unix()

	sec := []byte(k.secret)
	hdrOf := func(kid string) map[string]any { return map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid} }
	app := map[string]any{"scope": "app"}
	with := func(m map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(out, kv[i].(string))
			} else {
				out[kv[i].(string)] = kv[i+1]
			}
		}
		return out
	}
	appHdr := hdrOf(k.id)
	// A valid app token, built by hand; the baseline the attacks vary.
	valid := hs256(t, appHdr, app, sec)
	parts := strings.Split(valid, ".")
	decoded, decErr := base64.RawURLEncoding.DecodeString(k.secret)
	if decErr != nil {
		t.Fatalf("the secret is not base64url: %v", decErr)
	}
	doomedTok := hs256(t, hdrOf(doomed.id), app, []byte(doomed.secret))

	ok := []struct{ name, token string }{
		{"hand-built baseline", valid},
		{"golang-jwt, as the samples sign", signJWT(t, k.id, k.secret, jwt.MapClaims{"scope": "app"})},
		{"account scope with an act_ key", signJWT(t, ak.id, ak.secret, jwt.MapClaims{"scope": "account"})},
		{"typ absent", hs256(t, with(appHdr, "typ", nil), app, sec)},
		{"no exp (compatibility)", hs256(t, appHdr, app, sec)},
		{"exp in the future", hs256(t, appHdr, with(app, "exp", now+3600), sec)},
		{"exp 30 s ago (within leeway)", hs256(t, appHdr, with(app, "exp", now-30), sec)},
		{"exp 59 s ago (within leeway)", hs256(t, appHdr, with(app, "exp", now-59), sec)},
		{"exp as a float", hs256(t, appHdr, with(app, "exp", float64(now)+3600.5), sec)},
		{"nbf 30 s ahead (within leeway)", hs256(t, appHdr, with(app, "nbf", now+30), sec)},
		{"iat 30 s ahead (within leeway)", hs256(t, appHdr, with(app, "iat", now+30), sec)},
		{"iat and nbf in the past", hs256(t, appHdr, with(app, "iat", now-3600, "nbf", now-3600), sec)},
		{"aud and iss ignored", hs256(t, appHdr, with(app, "aud", "someone", "iss", "else"), sec)},
		{"jku, jwk and x5u ignored when properly signed", hs256(t, with(appHdr,
			"jku", "https://attacker.example/jwks.json",
			"jwk", map[string]any{"kty": "oct", "k": b64url.EncodeToString([]byte("attacker"))},
			"x5u", "https://attacker.example/cert.pem"), app, sec)},
		{"extra claims ignored", hs256(t, appHdr, with(app, "appId", "000000000000000000000000", "userId", "x"), sec)},
		{"doomed key before its deletion", doomedTok},
	}
	for _, c := range ok {
		t.Run("accepted: "+c.name, func(t *testing.T) {
			path := "/v2/apps/" + a.ID
			if strings.HasPrefix(c.name, "account") {
				path = "/v2/apps"
			}
			if r := e.call(t, http.MethodGet, path, bearer(c.token), ""); r.status != http.StatusOK {
				t.Errorf("%s: %s, want 200", c.name, r)
			}
		})
	}
	if r := e.call(t, http.MethodDelete, "/v2/apps/"+a.ID+"/keys/"+doomed.id, ak.basic(), ""); r.status != http.StatusOK {
		t.Fatalf("delete doomed key: %s", r)
	}

	none := func(alg string) string {
		return rawJWT(`{"alg":"`+alg+`","typ":"JWT","kid":"`+k.id+`"}`, `{"scope":"app"}`, nil, nil)
	}
	rejected := []struct{ name, token string }{
		{"alg none", none("none")},
		{"alg None", none("None")},
		{"alg NONE", none("NONE")},
		{"alg nOnE", none("nOnE")},
		{"alg none with a valid HS256 signature", rawJWT(`{"alg":"none","kid":"`+k.id+`"}`, `{"scope":"app"}`, sec, sha256.New)},
		{"alg none, signature dropped from a valid token", parts[0] + "." + parts[1] + "."},
		{"no signature segment", parts[0] + "." + parts[1]},
		{"alg HS384", rawJWT(`{"alg":"HS384","typ":"JWT","kid":"`+k.id+`"}`, `{"scope":"app"}`, sec, sha512.New384)},
		{"alg HS512", rawJWT(`{"alg":"HS512","typ":"JWT","kid":"`+k.id+`"}`, `{"scope":"app"}`, sec, sha512.New)},
		{"alg HS384 with an HS256 signature", rawJWT(`{"alg":"HS384","kid":"`+k.id+`"}`, `{"scope":"app"}`, sec, sha256.New)},
		{"alg hs256 in lower case", rawJWT(`{"alg":"hs256","kid":"`+k.id+`"}`, `{"scope":"app"}`, sec, sha256.New)},
		{"alg RS256 header, HMAC signature", rawJWT(`{"alg":"RS256","typ":"JWT","kid":"`+k.id+`"}`, `{"scope":"app"}`, sec, sha256.New)},
		{"alg ES256 header, HMAC signature", rawJWT(`{"alg":"ES256","kid":"`+k.id+`"}`, `{"scope":"app"}`, sec, sha256.New)},
		{"alg PS256 header, random signature", rawJWT(`{"alg":"PS256","kid":"`+k.id+`"}`, `{"scope":"app"}`, nil, nil) + b64url.EncodeToString(make([]byte, 256))},
		{"alg missing", rawJWT(`{"typ":"JWT","kid":"`+k.id+`"}`, `{"scope":"app"}`, sec, sha256.New)},
		{"alg an array", rawJWT(`{"alg":["HS256"],"kid":"`+k.id+`"}`, `{"scope":"app"}`, sec, sha256.New)},
		{"kid missing", hs256(t, with(appHdr, "kid", nil), app, sec)},
		{"kid empty", hs256(t, with(appHdr, "kid", ""), app, sec)},
		{"kid a number", hs256(t, with(appHdr, "kid", 12345), app, sec)},
		{"kid an array", hs256(t, with(appHdr, "kid", []string{k.id}), app, sec)},
		{"kid not a key id", hs256(t, hdrOf("my-key"), app, sec)},
		{"kid the app id", hs256(t, hdrOf(a.ID), app, sec)},
		{"kid in capitals", hs256(t, hdrOf(strings.ToUpper(k.id)), app, sec)},
		{"kid unknown app_", hs256(t, hdrOf("app_000000000000000000000000"), app, sec)},
		{"kid unknown act_", hs256(t, hdrOf("act_000000000000000000000000"), map[string]any{"scope": "account"}, sec)},
		{"kid with SQL", hs256(t, hdrOf("' OR 1=1 --"), app, sec)},
		{"kid with SQL after a real id", hs256(t, hdrOf(k.id+"' OR '1'='1"), app, sec)},
		{"kid with path text", hs256(t, hdrOf("../../etc/passwd"), app, sec)},
		{"kid with path text, /dev/null and an empty key", hs256(t, hdrOf("../../../../dev/null"), app, []byte{})},
		{"kid with a NUL byte", hs256(t, hdrOf(k.id+"\x00"), app, sec)},
		{"kid 1000 characters", hs256(t, hdrOf("app_"+strings.Repeat("0", 996)), app, sec)},
		{"kid of a deleted key", doomedTok},
		{"kid of a deleted key, re-signed", hs256(t, hdrOf(doomed.id), with(app, "iat", now), []byte(doomed.secret))},
		{"wrong secret", hs256(t, appHdr, app, []byte("not-the-secret-not-the-secret-not-the-secret"))},
		{"empty secret", hs256(t, appHdr, app, []byte{})},
		{"secret of another key of the same app", hs256(t, appHdr, app, []byte(k2.secret))},
		{"secret of another account's key", hs256(t, appHdr, app, []byte(other.key.secret))},
		{"signed with the base64-decoded secret", hs256(t, appHdr, app, decoded)},
		{"signed with the key id", hs256(t, appHdr, app, []byte(k.id))},
		{"signature of another token", parts[0] + "." + b64url.EncodeToString([]byte(`{"scope":"account"}`)) + "." + parts[2]},
		{"payload changed, signature kept", parts[0] + "." + b64url.EncodeToString([]byte(`{"scope":"app","x":1}`)) + "." + parts[2]},
		{"signature byte changed", parts[0] + "." + parts[1] + "." + flipMiddle(parts[2])},
		{"signature truncated", parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-4]},
		{"signature in standard base64 with padding", parts[0] + "." + parts[1] + "." + base64.StdEncoding.EncodeToString(mustB64(t, parts[2]))},
		{"scope account with an app_ key", hs256(t, appHdr, map[string]any{"scope": "account"}, sec)},
		{"scope app with an act_ key", hs256(t, hdrOf(ak.id), app, []byte(ak.secret))},
		{"scope missing", hs256(t, appHdr, map[string]any{}, sec)},
		{"scope missing, act_ key", hs256(t, hdrOf(ak.id), map[string]any{}, []byte(ak.secret))},
		{"scope empty", hs256(t, appHdr, map[string]any{"scope": ""}, sec)},
		{"scope APP", hs256(t, appHdr, map[string]any{"scope": "APP"}, sec)},
		{"scope with a space", hs256(t, appHdr, map[string]any{"scope": "app "}, sec)},
		{"scope an array", hs256(t, appHdr, map[string]any{"scope": []string{"app"}}, sec)},
		{"scope user", hs256(t, appHdr, map[string]any{"scope": "user"}, sec)},
		{"scope appUser", hs256(t, appHdr, map[string]any{"scope": "appUser"}, sec)},
		{"scope integration", hs256(t, appHdr, map[string]any{"scope": "integration"}, sec)},
		{"exp 61 s ago (beyond leeway)", hs256(t, appHdr, with(app, "exp", now-61), sec)},
		{"exp 60 s ago (now must be before exp + leeway)", hs256(t, appHdr, with(app, "exp", now-60), sec)},
		{"exp a day ago", hs256(t, appHdr, with(app, "exp", now-86400), sec)},
		// exp 0 is 1970-01-01: long past. (jwt.MapClaims reads a 0 as "no
		// exp", which must not make it a token that never expires.)
		{"exp 0", hs256(t, appHdr, with(app, "exp", 0), sec)},
		{"exp negative", hs256(t, appHdr, with(app, "exp", -1), sec)},
		{"exp as a string", hs256(t, appHdr, with(app, "exp", "9999999999"), sec)},
		{"exp as a date string", hs256(t, appHdr, with(app, "exp", time.Unix(now+3600, 0).Format(time.RFC3339)), sec)},
		{"exp a boolean", hs256(t, appHdr, with(app, "exp", true), sec)},
		{"nbf 61 s ahead (beyond leeway)", hs256(t, appHdr, with(app, "nbf", now+61), sec)},
		{"nbf as a string", hs256(t, appHdr, with(app, "nbf", "0"), sec)},
		{"iat 61 s ahead (beyond leeway)", hs256(t, appHdr, with(app, "iat", now+61), sec)},
		{"iat as a string", hs256(t, appHdr, with(app, "iat", "0"), sec)},
		{"signed with the key given in jwk", hs256(t, with(hdrOf(k.id), "jwk", map[string]any{"kty": "oct", "k": b64url.EncodeToString([]byte("attacker"))}), app, []byte("attacker"))},
		{"signed with the key given in jwk, no kid", hs256(t, with(hdrOf(k.id), "kid", nil, "jwk", map[string]any{"kty": "oct", "k": b64url.EncodeToString([]byte("attacker"))}), app, []byte("attacker"))},
		{"signed with a key behind jku", hs256(t, with(hdrOf(k.id), "jku", "https://attacker.example/jwks.json"), app, []byte("attacker"))},
		{"header not JSON", b64url.EncodeToString([]byte("not json")) + "." + parts[1] + "." + parts[2]},
		{"header a JSON array", rawJWT(`["HS256"]`, `{"scope":"app"}`, sec, sha256.New)},
		{"payload not JSON", rawJWT(`{"alg":"HS256","kid":"`+k.id+`"}`, `scope=app`, sec, sha256.New)},
		{"payload a JSON array", rawJWT(`{"alg":"HS256","kid":"`+k.id+`"}`, `[{"scope":"app"}]`, sec, sha256.New)},
		{"payload a string", rawJWT(`{"alg":"HS256","kid":"`+k.id+`"}`, `"app"`, sec, sha256.New)},
		{"four segments", valid + "." + parts[2]},
		{"one segment", parts[0]},
		{"dots only", ".."},
		{"trailing dot", valid + "."},
		{"JWE-shaped (five segments)", parts[0] + ".." + parts[1] + "." + parts[2] + ".tag"},
		// Strict decoding (docs/security.md 15a): one spelling per token.
		{"signature with its unused low bits set", parts[0] + "." + parts[1] + "." + setLowBit(parts[2])},
		{"crit naming an unknown header", rawJWT(`{"alg":"HS256","kid":"`+k.id+`","crit":["x-unknown"],"x-unknown":1}`, `{"scope":"app"}`, sec, sha256.New)},
		{"crit empty", rawJWT(`{"alg":"HS256","kid":"`+k.id+`","crit":[]}`, `{"scope":"app"}`, sec, sha256.New)},
		{"duplicate kid", rawJWT(`{"alg":"HS256","kid":"app_000000000000000000000000","kid":"`+k.id+`"}`, `{"scope":"app"}`, sec, sha256.New)},
		{"duplicate scope", rawJWT(`{"alg":"HS256","kid":"`+k.id+`"}`, `{"scope":"account","scope":"app"}`, sec, sha256.New)},
	}
	for _, c := range rejected {
		t.Run("rejected: "+c.name, func(t *testing.T) {
			for _, path := range []string{"/v2/apps/" + a.ID, "/v2/apps"} {
				wantUnauthorized(t, c.name, e.call(t, http.MethodGet, path, bearer(c.token), ""))
			}
		})
	}

	t.Run("nothing was created", func(t *testing.T) {
		var l appPage
		decodeInto(t, e.call(t, http.MethodGet, "/v2/apps", ak.basic(), ""), &l)
		if len(l.Apps) != 1 {
			t.Errorf("%d apps, want 1", len(l.Apps))
		}
	})

	t.Run("a token dies with its exp as the clock moves, cached or not", func(t *testing.T) {
		start := clk.Now().Unix()
		tok := hs256(t, appHdr, with(app, "exp", start+10), sec)
		for range 2 { // verified, then from the cache
			if r := e.call(t, http.MethodGet, "/v2/apps/"+a.ID, bearer(tok), ""); r.status != http.StatusOK {
				t.Fatalf("fresh token: %s", r)
			}
		}
		clk.Advance(10*time.Second + 59*time.Second)
		if r := e.call(t, http.MethodGet, "/v2/apps/"+a.ID, bearer(tok), ""); r.status != http.StatusOK {
			t.Errorf("at exp+59 s: %s, want 200 (60 s leeway)", r)
		}
		clk.Advance(2 * time.Second)
		wantUnauthorized(t, "at exp+61 s", e.call(t, http.MethodGet, "/v2/apps/"+a.ID, bearer(tok), ""))
		// A token whose nbf was too far ahead becomes valid when the clock
		// catches up.
		nbf := hs256(t, appHdr, with(app, "nbf", clk.Now().Unix()+120), sec)
		wantUnauthorized(t, "nbf 120 s ahead", e.call(t, http.MethodGet, "/v2/apps/"+a.ID, bearer(nbf), ""))
		clk.Advance(60 * time.Second)
		if r := e.call(t, http.MethodGet, "/v2/apps/"+a.ID, bearer(nbf), ""); r.status != http.StatusOK {
			t.Errorf("nbf 60 s ahead after the clock moved: %s, want 200", r)
		}
	})
}

// TestSunshineJWTRequireExp: with core.Options{JWTRequireExp: true} a token
// without exp is refused; with exp it works.
func TestSunshineJWTRequireExp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *core.Options) { o.JWTRequireExp = true })
	acct := e.newSunAccount(t)
	a := e.createApp(t, acct.key.basic(), "strict")
	k := e.createAppKey(t, acct.key.basic(), a.ID, "k")
	exp := time.Now().Add(time.Hour).Unix()
	for _, c := range []struct {
		name, path, token string
		ok                bool
	}{
		{"app token without exp", "/v2/apps/" + a.ID, signJWT(t, k.id, k.secret, jwt.MapClaims{"scope": "app"}), false},
		{"account token without exp", "/v2/apps", signJWT(t, acct.key.id, acct.key.secret, jwt.MapClaims{"scope": "account"}), false},
		{"exp null", "/v2/apps/" + a.ID, signJWT(t, k.id, k.secret, jwt.MapClaims{"scope": "app", "exp": nil}), false},
		{"app token with exp", "/v2/apps/" + a.ID, signJWT(t, k.id, k.secret, jwt.MapClaims{"scope": "app", "exp": exp}), true},
		{"account token with exp", "/v2/apps", signJWT(t, acct.key.id, acct.key.secret, jwt.MapClaims{"scope": "account", "exp": exp}), true},
	} {
		r := e.call(t, http.MethodGet, c.path, bearer(c.token), "")
		if c.ok && r.status != http.StatusOK {
			t.Errorf("%s: %s, want 200", c.name, r)
		} else if !c.ok {
			wantUnauthorized(t, c.name, r)
		}
	}
	// Basic is unaffected.
	if r := e.call(t, http.MethodGet, "/v2/apps/"+a.ID, k.basic(), ""); r.status != http.StatusOK {
		t.Errorf("Basic: %s", r)
	}
}

// flipMiddle changes one character in the middle of a base64url string, so
// the decoded bytes differ (the last character may carry only padding bits).
func flipMiddle(s string) string {
	i := len(s) / 2
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// setLowBit sets an unused low bit of the last character of an unpadded
// base64url text whose length is not a multiple of 4: a lenient decoder
// reads the same bytes.
func setLowBit(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[i|1])
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := b64url.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
