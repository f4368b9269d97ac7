package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	jwtNow    = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	jwtSecret = []byte("4pjQVRw_eSiqOrjvWhZkwNrYDuVX12QInEJxfQNGMh8")
	jwtKID    = "app_6b02cefe0b2505306ef502ca"
)

func sign(header, payload string, key []byte) string {
	enc := base64.RawURLEncoding
	h, p := enc.EncodeToString([]byte(header)), enc.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h + "." + p))
	return h + "." + p + "." + enc.EncodeToString(mac.Sum(nil))
}

func lookup(kid string) ([]byte, error) {
	if kid == jwtKID {
		return jwtSecret, nil
	}
	return nil, ErrJWT
}

func TestVerifyAppJWT(t *testing.T) {
	hdr := `{"alg":"HS256","typ":"JWT","kid":"` + jwtKID + `"}`
	ok := []struct{ name, token string }{
		{"no exp", sign(hdr, `{"scope":"app"}`, jwtSecret)},
		{"exp ahead", sign(hdr, `{"scope":"app","exp":`+itoa(jwtNow.Unix()+60)+`}`, jwtSecret)},
		{"exp 30 s ago (leeway)", sign(hdr, `{"scope":"app","exp":`+itoa(jwtNow.Unix()-30)+`}`, jwtSecret)},
		{"no typ", sign(`{"alg":"HS256","kid":"`+jwtKID+`"}`, `{"scope":"app"}`, jwtSecret)},
	}
	for _, c := range ok {
		got, err := VerifyAppJWT(c.token, jwtNow, false, lookup)
		if err != nil || got.KeyID != jwtKID || got.Scope != "app" {
			t.Errorf("%s: %+v, %v", c.name, got, err)
		}
	}
	bad := []struct{ name, token string }{
		{"alg none", sign(`{"alg":"none","kid":"`+jwtKID+`"}`, `{"scope":"app"}`, jwtSecret)},
		{"HS512 header", sign(`{"alg":"HS512","kid":"`+jwtKID+`"}`, `{"scope":"app"}`, jwtSecret)},
		{"no kid", sign(`{"alg":"HS256"}`, `{"scope":"app"}`, jwtSecret)},
		{"kid with SQL", sign(`{"alg":"HS256","kid":"' OR 1=1 --"}`, `{"scope":"app"}`, jwtSecret)},
		{"unknown kid", sign(`{"alg":"HS256","kid":"app_000000000000000000000000"}`, `{"scope":"app"}`, jwtSecret)},
		{"wrong secret", sign(hdr, `{"scope":"app"}`, []byte("nope"))},
		{"exp 61 s ago", sign(hdr, `{"scope":"app","exp":`+itoa(jwtNow.Unix()-61)+`}`, jwtSecret)},
		{"exp 0", sign(hdr, `{"scope":"app","exp":0}`, jwtSecret)},
		{"exp as string", sign(hdr, `{"scope":"app","exp":"`+itoa(jwtNow.Unix()+60)+`"}`, jwtSecret)},
		{"nbf ahead", sign(hdr, `{"scope":"app","nbf":`+itoa(jwtNow.Unix()+120)+`}`, jwtSecret)},
		{"iat ahead", sign(hdr, `{"scope":"app","iat":`+itoa(jwtNow.Unix()+120)+`}`, jwtSecret)},
		{"garbage", "a.b.c"},
	}
	for _, c := range bad {
		if got, err := VerifyAppJWT(c.token, jwtNow, false, lookup); !errors.Is(err, ErrJWT) {
			t.Errorf("%s: accepted or wrong error: %+v, %v", c.name, got, err)
		}
	}
	if _, err := VerifyAppJWT(ok[0].token, jwtNow, true, lookup); !errors.Is(err, ErrJWT) {
		t.Errorf("requireExp: a token without exp: %v", err)
	}
	dbDown := errors.New("database down")
	if _, err := VerifyAppJWT(ok[0].token, jwtNow, false, func(string) ([]byte, error) { return nil, dbDown }); err != dbDown {
		t.Errorf("a lookup failure must come back as it is: %v", err)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// FuzzVerifyAppJWT: no input panics, and an accepted token really is an
// HS256 token with a well-formed kid, signed with the key's secret.
func FuzzVerifyAppJWT(f *testing.F) {
	hdr := `{"alg":"HS256","typ":"JWT","kid":"` + jwtKID + `"}`
	f.Add(sign(hdr, `{"scope":"app"}`, jwtSecret))
	f.Add(sign(hdr, `{"scope":"account","exp":1900000000}`, jwtSecret))
	f.Add(sign(`{"alg":"none","kid":"`+jwtKID+`"}`, `{"scope":"app"}`, jwtSecret))
	f.Add("..")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		got, err := VerifyAppJWT(token, jwtNow, false, lookup)
		if err != nil {
			if !errors.Is(err, ErrJWT) {
				t.Fatalf("an error other than ErrJWT: %v", err)
			}
			return
		}
		if got.KeyID != jwtKID {
			t.Fatalf("accepted with kid %q", got.KeyID)
		}
		parts := strings.Split(token, ".")
		if len(parts) != 3 {
			t.Fatalf("accepted a token of %d parts", len(parts))
		}
		hb, err := base64.RawURLEncoding.DecodeString(parts[0])
		if err != nil {
			hb, err = base64.URLEncoding.DecodeString(parts[0])
		}
		var h map[string]any
		if err != nil || json.Unmarshal(hb, &h) != nil || h["alg"] != "HS256" {
			t.Fatalf("accepted a token whose header is %q", hb)
		}
		mac := hmac.New(sha256.New, jwtSecret)
		mac.Write([]byte(parts[0] + "." + parts[1]))
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
			t.Fatalf("accepted a token whose signature is not the key's")
		}
	})
}
