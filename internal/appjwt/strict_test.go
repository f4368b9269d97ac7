package appjwt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// The strictness rules of docs/security.md 15a, as a table shared by
// TestVerifyStrict and the seed corpus of FuzzVerify.

const jwtAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// seg is the canonical base64url of s.
func seg(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func hmacSHA256(key []byte, text string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(text))
	return m.Sum(nil)
}

// signSegs signs already-encoded segments as they are, so a test can sign
// text that is not canonical, as a holder of the secret could.
func signSegs(h64, p64 string, key []byte) string {
	return h64 + "." + p64 + "." + seg(string(hmacSHA256(key, h64+"."+p64)))
}

// slack pads a JSON object with spaces before its closing brace until its
// base64url form ends in a partial group, whose last character then has
// unused low bits.
func slack(js string) string {
	for len(js)%3 == 0 {
		js = js[:len(js)-1] + " }"
	}
	return js
}

// noncanonical sets an unused low bit of s's last character: the bytes it
// decodes to (leniently) are the same, the text is not.
func noncanonical(s string) string {
	if len(s)%4 != 2 && len(s)%4 != 3 {
		panic("noncanonical: segment has no unused bits")
	}
	i := strings.IndexByte(jwtAlphabet, s[len(s)-1])
	return s[:len(s)-1] + string(jwtAlphabet[i|1])
}

// manyMembers is n distinct JSON members, "m0":0 to "m<n-1>":0.
func manyMembers(n int) string {
	ms := make([]string, n)
	for i := range ms {
		ms[i] = `"m` + strconv.Itoa(i) + `":0`
	}
	return strings.Join(ms, ",")
}

// insert puts what at position i of s.
func insert(s string, i int, what string) string { return s[:i] + what + s[i:] }

type jwtCase struct{ name, token string }

// strictRefusals are tokens signed with the right secret that must still be
// refused, each without the secret being looked up. The ones marked "old"
// verified before the strict decoding of docs/security.md 15a.
func strictRefusals() []jwtCase {
	hdr := `{"alg":"HS256","typ":"JWT","kid":"` + jwtKID + `"}`
	pay := `{"scope":"app"}`
	good := sign(hdr, pay, jwtSecret)
	parts := strings.Split(good, ".")
	h64, p64, s64 := parts[0], parts[1], parts[2]
	withHdr := func(h string) string { return sign(h, pay, jwtSecret) }
	withPay := func(p string) string { return sign(hdr, p, jwtSecret) }
	kidHdr := func(extra string) string {
		return `{"alg":"HS256","kid":"` + jwtKID + `"` + extra + `}`
	}
	return []jwtCase{
		// base64url: canonical, unpadded, nothing skipped.
		{"old: signature with unused low bits set", h64 + "." + p64 + "." + noncanonical(s64)},
		{"old: header with unused low bits set", signSegs(noncanonical(seg(slack(hdr))), p64, jwtSecret)},
		{"old: payload with unused low bits set", signSegs(h64, noncanonical(seg(slack(pay))), jwtSecret)},
		{"old: newline inside the signature", h64 + "." + p64 + "." + insert(s64, 10, "\n")},
		{"old: carriage return inside the signature", h64 + "." + p64 + "." + insert(s64, 10, "\r")},
		{"old: CRLF at the end of the signature", good + "\r\n"},
		{"old: newline inside the header", signSegs(insert(h64, 4, "\n"), p64, jwtSecret)},
		{"old: newline inside the payload", signSegs(h64, insert(p64, 4, "\n"), jwtSecret)},
		{"padded signature", good + "="},
		{"padded header", signSegs(base64.URLEncoding.EncodeToString([]byte(slack(hdr))), p64, jwtSecret)},
		{"padded payload", signSegs(h64, base64.URLEncoding.EncodeToString([]byte(slack(pay))), jwtSecret)},
		{"standard alphabet signature", h64 + "." + p64 + "." + strings.NewReplacer("-", "+", "_", "/").Replace(s64) + "+/"},
		{"signature one byte short", h64 + "." + p64 + "." + seg(string(hmacSHA256(jwtSecret, h64+"."+p64)[:31]))},
		{"signature one byte long", h64 + "." + p64 + "." + seg(string(append(hmacSHA256(jwtSecret, h64+"."+p64), 0)))},
		{"empty signature", h64 + "." + p64 + "."},
		{"empty header", signSegs("", p64, jwtSecret)},
		{"empty payload", signSegs(h64, "", jwtSecret)},
		// Exactly three segments.
		{"two segments", h64 + "." + p64},
		{"four segments", good + "." + s64},
		{"trailing dot", good + "."},
		{"leading dot", "." + good},
		// JSON objects, without duplicate members at any depth.
		{"old: duplicate kid", withHdr(`{"alg":"HS256","kid":"app_000000000000000000000000","kid":"` + jwtKID + `"}`)},
		{"old: duplicate alg", withHdr(`{"alg":"none","alg":"HS256","kid":"` + jwtKID + `"}`)},
		{"old: duplicate kid, one escaped", withHdr(`{"alg":"HS256","k\u0069d":"app_000000000000000000000000","kid":"` + jwtKID + `"}`)},
		{"old: duplicate unknown header member", withHdr(kidHdr(`,"typ":"JWT","typ":"JWT"`))},
		{"old: duplicate member in a header object", withHdr(kidHdr(`,"jwk":{"k":"a","k":"b"}`))},
		{"old: duplicate scope", withPay(`{"scope":"account","scope":"app"}`)},
		{"old: duplicate exp", withPay(`{"scope":"app","exp":1,"exp":4102444800}`)},
		{"old: duplicate member in a nested object", withPay(`{"scope":"app","x":{"a":1,"b":{"c":1,"c":2}}}`)},
		{"old: duplicate member in an object in an array", withPay(`{"scope":"app","x":[1,{"a":1,"a":1}]}`)},
		{"old: duplicate among many members", withPay(`{"scope":"app",` + manyMembers(40) + `,"m7":1}`)},
		{"old: duplicate among many members, escaped", withPay(`{"scope":"app",` + manyMembers(40) + `,"m\u0033\u0039":1}`)},
		{"old: invalid UTF-8 in the payload", withPay("{\"scope\":\"app\",\"x\":\"\xff\"}")},
		{"old: invalid UTF-8 in the header", withHdr(kidHdr(",\"typ\":\"\xc3\x28\""))},
		{"old: nesting deeper than 32", withPay(`{"scope":"app","x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`)},
		{"header is an array", withHdr(`["alg","HS256"]`)},
		{"payload is an array", withPay(`[{"scope":"app"}]`)},
		{"payload is a string", withPay(`"scope"`)},
		{"payload followed by another object", withPay(`{"scope":"app"}{"scope":"app"}`)},
		{"payload followed by garbage", withPay(`{"scope":"app"}x`)},
		{"header is not JSON", withHdr(`alg=HS256`)},
		// crit: gatehouse understands no extension, so any crit is refused.
		{"old: crit naming an unknown header", withHdr(kidHdr(`,"crit":["x-unknown"],"x-unknown":1`))},
		{"old: crit naming an absent header", withHdr(kidHdr(`,"crit":["x-unknown"]`))},
		{"old: crit naming b64 (RFC 7797)", withHdr(kidHdr(`,"b64":true,"crit":["b64"]`))},
		{"old: crit naming exp", withHdr(kidHdr(`,"crit":["exp"]`))},
		{"old: crit empty", withHdr(kidHdr(`,"crit":[]`))},
		{"old: crit a string", withHdr(kidHdr(`,"crit":"x-unknown"`))},
		{"old: crit null", withHdr(kidHdr(`,"crit":null`))},
		{"old: crit an object", withHdr(kidHdr(`,"crit":{}`))},
		// alg and kid, checked before any lookup.
		{"alg lower case", withHdr(`{"alg":"hs256","kid":"` + jwtKID + `"}`)},
		{"alg missing", withHdr(`{"kid":"` + jwtKID + `"}`)},
		{"alg not a string", withHdr(`{"alg":["HS256"],"kid":"` + jwtKID + `"}`)},
		{"kid not a string", withHdr(`{"alg":"HS256","kid":1}`)},
		{"kid too long", withHdr(`{"alg":"HS256","kid":"` + strings.Repeat("a", 65) + `"}`)},
	}
}

// strictAcceptances are unusual but canonical tokens that must still verify.
func strictAcceptances() []jwtCase {
	return []jwtCase{
		{"whitespace inside the JSON", sign(" {\n\t\"alg\" : \"HS256\" ,\r\n \"kid\":\""+jwtKID+"\" } ", "\n{ \"scope\" :\"app\"}\n", jwtSecret)},
		{"unknown header members ignored", sign(`{"alg":"HS256","kid":"`+jwtKID+`","typ":"JWT","cty":"x","jku":"http://x","x5u":"http://x","b64":false}`, `{"scope":"app"}`, jwtSecret)},
		{"Crit is not crit (names are case-sensitive)", sign(`{"alg":"HS256","kid":"`+jwtKID+`","Crit":["x"]}`, `{"scope":"app"}`, jwtSecret)},
		{"same names in different objects", sign(`{"alg":"HS256","kid":"`+jwtKID+`"}`, `{"scope":"app","a":{"scope":1,"a":{"a":[{"a":1},{"a":2}]}}}`, jwtSecret)},
		{"many members", sign(`{"alg":"HS256","kid":"`+jwtKID+`"}`, `{"scope":"app",`+manyMembers(200)+`}`, jwtSecret)},
		{"nesting of 30", sign(`{"alg":"HS256","kid":"`+jwtKID+`"}`, `{"scope":"app","x":`+strings.Repeat("[", 30)+strings.Repeat("]", 30)+`}`, jwtSecret)},
		{"escaped UTF-8 in the payload", sign(`{"alg":"HS256","kid":"`+jwtKID+`"}`, `{"scope":"app","x":"\u00e9 é"}`, jwtSecret)},
	}
}

// TestVerifyStrict: header, payload and signature are decoded strictly
// (docs/security.md 15a) before the secret is looked up, so a malformed token
// costs no database read; every refusal is ErrInvalid.
func TestVerifyStrict(t *testing.T) {
	t.Parallel()
	for _, c := range strictRefusals() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			lookups := 0
			got, err := Verify(c.token, jwtNow, false, func(kid string) ([]byte, error) {
				lookups++
				return lookup(kid)
			})
			if !errors.Is(err, ErrInvalid) || err != ErrInvalid {
				t.Errorf("%q: got %+v, %v; want ErrInvalid", c.token, got, err)
			}
			if lookups != 0 {
				t.Errorf("%q: the secret was looked up %d times for a malformed token", c.token, lookups)
			}
		})
	}
	for _, c := range strictAcceptances() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := Verify(c.token, jwtNow, false, lookup)
			if err != nil || got.KeyID != jwtKID || got.Scope != "app" {
				t.Errorf("%q: got %+v, %v; want it to verify", c.token, got, err)
			}
		})
	}
}

// TestStrictCasesAreWellBuilt: each refusal case differs from a verifying
// token only in what it tests, so it is refused for that reason: the
// lenient decodings of its segments carry a valid MAC where one is claimed.
func TestStrictCasesAreWellBuilt(t *testing.T) {
	t.Parallel()
	// A non-canonical segment must decode, leniently, to the same bytes as
	// its canonical form: otherwise the case tests nothing.
	for _, s := range []string{seg(slack(`{"alg":"HS256"}`)), seg(slack(`{"scope":"app"}`)), seg(string(hmacSHA256(jwtSecret, "x")))} {
		a, err1 := base64.RawURLEncoding.DecodeString(s)
		b, err2 := base64.RawURLEncoding.DecodeString(noncanonical(s))
		if err1 != nil || err2 != nil || string(a) != string(b) || noncanonical(s) == s {
			t.Errorf("noncanonical(%q) = %q does not decode leniently to the same bytes", s, noncanonical(s))
		}
	}
}
