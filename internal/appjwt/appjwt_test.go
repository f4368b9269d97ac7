package appjwt

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
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
	return nil, ErrInvalid
}

func TestVerify(t *testing.T) {
	hdr := `{"alg":"HS256","typ":"JWT","kid":"` + jwtKID + `"}`
	ok := []struct{ name, token string }{
		{"no exp", sign(hdr, `{"scope":"app"}`, jwtSecret)},
		{"exp ahead", sign(hdr, `{"scope":"app","exp":`+itoa(jwtNow.Unix()+60)+`}`, jwtSecret)},
		{"exp 30 s ago (leeway)", sign(hdr, `{"scope":"app","exp":`+itoa(jwtNow.Unix()-30)+`}`, jwtSecret)},
		{"no typ", sign(`{"alg":"HS256","kid":"`+jwtKID+`"}`, `{"scope":"app"}`, jwtSecret)},
	}
	for _, c := range ok {
		got, err := Verify(c.token, jwtNow, false, lookup)
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
		if got, err := Verify(c.token, jwtNow, false, lookup); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: accepted or wrong error: %+v, %v", c.name, got, err)
		}
	}
	if _, err := Verify(ok[0].token, jwtNow, true, lookup); !errors.Is(err, ErrInvalid) {
		t.Errorf("requireExp: a token without exp: %v", err)
	}
	dbDown := errors.New("database down")
	if _, err := Verify(ok[0].token, jwtNow, false, func(string) ([]byte, error) { return nil, dbDown }); err != dbDown {
		t.Errorf("a lookup failure must come back as it is: %v", err)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// FuzzVerify: no input panics, every refusal is ErrInvalid, and an
// accepted token is canonical and really the key's: three segments, each
// the canonical unpadded base64url of its bytes; header and payload JSON
// objects without a repeated member name at any depth; an HS256 header
// with a well-formed kid and no crit; a signature made with the secret.
// The seed corpus holds the strict-decoding cases of jwt_strict_test.go
// (and testdata/fuzz/FuzzVerify).
func FuzzVerify(f *testing.F) {
	hdr := `{"alg":"HS256","typ":"JWT","kid":"` + jwtKID + `"}`
	f.Add(sign(hdr, `{"scope":"app"}`, jwtSecret))
	f.Add(sign(hdr, `{"scope":"account","exp":1900000000}`, jwtSecret))
	f.Add(sign(`{"alg":"none","kid":"`+jwtKID+`"}`, `{"scope":"app"}`, jwtSecret))
	f.Add("..")
	f.Add("")
	for _, c := range strictRefusals() {
		f.Add(c.token)
	}
	for _, c := range strictAcceptances() {
		f.Add(c.token)
	}
	f.Fuzz(func(t *testing.T, token string) {
		got, err := Verify(token, jwtNow, false, lookup)
		if err != nil {
			if err != ErrInvalid {
				t.Fatalf("an error other than ErrInvalid: %v", err)
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
		var dec [3][]byte
		for i, p := range parts {
			b, err := base64.RawURLEncoding.DecodeString(p)
			if err != nil || base64.RawURLEncoding.EncodeToString(b) != p {
				t.Fatalf("accepted a token whose segment %d (%q) is not canonical base64url", i, p)
			}
			dec[i] = b
		}
		for i := range 2 {
			if err := refObject(dec[i]); err != nil {
				t.Fatalf("accepted a token whose segment %d (%q) is not a strict JSON object: %v", i, dec[i], err)
			}
		}
		var h map[string]any
		if json.Unmarshal(dec[0], &h) != nil || h["alg"] != "HS256" {
			t.Fatalf("accepted a token whose header is %q", dec[0])
		}
		if _, crit := h["crit"]; crit {
			t.Fatalf("accepted a token with crit: %q", dec[0])
		}
		mac := hmac.New(sha256.New, jwtSecret)
		mac.Write([]byte(parts[0] + "." + parts[1]))
		if !hmac.Equal(dec[2], mac.Sum(nil)) {
			t.Fatalf("accepted a token whose signature is not the key's")
		}
	})
}

// refObject is a recursive reference for strictObject: nil when b is one
// JSON object of valid UTF-8, at most maxDepth deep, with no object
// repeating a member name.
func refObject(b []byte) error {
	if !utf8.Valid(b) {
		return errors.New("invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return errors.New("not an object")
	}
	if err := refValue(dec, tok, 1); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("something after the object")
	}
	return nil
}

func refValue(dec *json.Decoder, tok json.Token, depth int) error {
	switch tok {
	case json.Delim('{'):
		if depth > maxDepth {
			return errors.New("too deep")
		}
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			if seen[k.(string)] {
				return fmt.Errorf("duplicate %q", k)
			}
			seen[k.(string)] = true
			v, err := dec.Token()
			if err != nil {
				return err
			}
			if err := refValue(dec, v, depth+1); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return err
	case json.Delim('['):
		if depth > maxDepth {
			return errors.New("too deep")
		}
		for dec.More() {
			v, err := dec.Token()
			if err != nil {
				return err
			}
			if err := refValue(dec, v, depth+1); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return err
	}
	return nil
}

// FuzzStrictObject: strictObject agrees with the recursive reference on
// any input, and never accepts what encoding/json would refuse.
func FuzzStrictObject(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":{"a":{"b":1,"b":2}}}`, `{"a":[{"x":1},{"x":1}]}`, `[]`, `{"a":1}{}`,
		`{"a":1} `, ` {"a" : [1, "x", null, true, {"\u0061":1, "a":2}]}`, `{"k\u0069d":1,"kid":2}`,
		`{"a":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `}`,
		`{"a":` + strings.Repeat("[", 32) + strings.Repeat("]", 32) + `}`, "{\"a\":\"\xff\"}", `{"a":}`, `{"a" 1}`, `{,}`,
		`{` + manyMembers(20) + `,"m3":1}`, `{` + manyMembers(20) + `,"m\u00319":1}`, `{` + manyMembers(30) + `}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, want := strictObject(b), refObject(b) == nil
		if got != want {
			t.Fatalf("strictObject(%q) = %v, reference says %v (%v)", b, got, want, refObject(b))
		}
		if got && !json.Valid(b) {
			t.Fatalf("strictObject(%q) accepts invalid JSON", b)
		}
	})
}

// BenchmarkVerify: the cold-cache cost of verifying a token, the
// lookup aside.
func BenchmarkVerify(b *testing.B) {
	tok := sign(`{"alg":"HS256","typ":"JWT","kid":"`+jwtKID+`"}`, `{"scope":"app","exp":`+itoa(jwtNow.Unix()+60)+`}`, jwtSecret)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(tok, jwtNow, false, lookup); err != nil {
			b.Fatal(err)
		}
	}
}
