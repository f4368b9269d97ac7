package sunshine

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// lowBits sets an unused low bit of the last character before the padding
// of a padded base64 text: lenient decoders read the same bytes.
func lowBits(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	t := strings.TrimRight(s, "=")
	if len(t) == len(s) {
		panic("lowBits: no padding, so no unused bits")
	}
	i := strings.IndexByte(alphabet, t[len(t)-1])
	return t[:len(t)-1] + string(alphabet[i|1]) + s[len(t):]
}

// header builds an http.Header with the given Authorization values (none
// when vs is empty).
func header(vs ...string) http.Header {
	h := http.Header{}
	for _, v := range vs {
		h.Add("Authorization", v)
	}
	return h
}

const (
	keyID  = "app_5d8cff3cd55b040010928b5b"
	secret = "5XJ85yjUtRcaQu_pDINblPZb"
	token  = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImFwcF8xIn0.eyJzY29wZSI6ImFwcCJ9.c2lnbmF0dXJl"
)

func TestParseAuthorization(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    http.Header
		ok   bool
		want credential
	}{
		{"Basic", header("Basic " + b64(keyID+":"+secret)), true, credential{basic: true, id: keyID, secret: secret}},
		{"basic in lower case", header("basic " + b64(keyID+":"+secret)), true, credential{basic: true, id: keyID, secret: secret}},
		{"BASIC in capitals", header("BASIC " + b64(keyID+":"+secret)), true, credential{basic: true, id: keyID, secret: secret}},
		{"Basic, several spaces", header("Basic    " + b64(keyID+":"+secret)), true, credential{basic: true, id: keyID, secret: secret}},
		{"Basic, surrounding spaces", header("  Basic " + b64(keyID+":"+secret) + "  "), true, credential{basic: true, id: keyID, secret: secret}},
		{"Basic, secret with colons", header("Basic " + b64(keyID+":a:b")), true, credential{basic: true, id: keyID, secret: "a:b"}},
		{"Bearer", header("Bearer " + token), true, credential{token: token}},
		{"bearer in lower case", header("bearer " + token), true, credential{token: token}},
		{"Bearer, trailing space", header("Bearer " + token + " "), true, credential{token: token}},

		{"no header", header(), false, credential{}},
		{"empty", header(""), false, credential{}},
		{"spaces", header("   "), false, credential{}},
		{"two headers", header("Basic "+b64(keyID+":"+secret), "Basic "+b64(keyID+":"+secret)), false, credential{}},
		{"two headers, one empty", header("Bearer "+token, ""), false, credential{}},
		{"oversized", header("Bearer " + strings.Repeat("a", maxAuthorization)), false, credential{}},
		{"scheme only", header("Basic"), false, credential{}},
		{"Basic and a space", header("Basic "), false, credential{}},
		{"Bearer and a space", header("Bearer "), false, credential{}},
		{"unknown scheme", header("Token " + token), false, credential{}},
		{"Digest", header(`Digest username="x"`), false, credential{}},
		{"no scheme", header(b64(keyID + ":" + secret)), false, credential{}},
		{"tab after scheme", header("Basic\t" + b64(keyID+":"+secret)), false, credential{}},
		{"bad base64", header("Basic !!!"), false, credential{}},
		{"unpadded base64", header("Basic " + strings.TrimRight(b64("a:bc"), "=")), false, credential{}},
		{"URL-safe base64", header("Basic " + base64.URLEncoding.EncodeToString([]byte("a:b\xfb\xff"))), false, credential{}},
		{"base64 with unused low bits set (==)", header("Basic " + lowBits(b64(keyID+":"+secret+"xy"))), false, credential{}},
		{"base64 with unused low bits set (=)", header("Basic " + lowBits(b64(keyID+":"+secret))), false, credential{}},
		{"base64 with a newline inside", header("Basic " + b64(keyID + ":" + secret)[:8] + "\n" + b64(keyID + ":" + secret)[8:]), false, credential{}},
		{"base64 with a carriage return inside", header("Basic " + b64(keyID + ":" + secret)[:8] + "\r" + b64(keyID + ":" + secret)[8:]), false, credential{}},
		{"base64 with extra padding", header("Basic " + b64("a:bc") + "="), false, credential{}},
		{"base64 with padding inside", header("Basic " + b64("a:bc") + b64("d")), false, credential{}},
		{"no colon", header("Basic " + b64(keyID+secret)), false, credential{}},
		{"empty id", header("Basic " + b64(":"+secret)), false, credential{}},
		{"empty secret", header("Basic " + b64(keyID+":")), false, credential{}},
		{"only a colon", header("Basic " + b64(":")), false, credential{}},
		{"Bearer with a space inside", header("Bearer a b"), false, credential{}},
		{"Bearer with a tab inside", header("Bearer a\tb"), false, credential{}},
		{"Bearer with a vertical tab inside", header("Bearer a\vb"), false, credential{}},
		{"Bearer with a form feed inside", header("Bearer a\fb"), false, credential{}},
		{"Bearer with a newline inside", header("Bearer a\nb"), false, credential{}},
		{"Bearer with a no-break space inside", header("Bearer a\u00a0b"), false, credential{}},
		{"Bearer with two tokens", header("Bearer " + token + ", Bearer " + token), false, credential{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseAuthorization(tc.h)
			if ok != tc.ok || got != tc.want {
				t.Errorf("parseAuthorization(%q) = %+v, %v; want %+v, %v", tc.h.Values("Authorization"), got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestParseAuthorizationLimit: a header of exactly maxAuthorization bytes
// is read, one byte more is not.
func TestParseAuthorizationLimit(t *testing.T) {
	pad := func(n int) string { return "Bearer " + strings.Repeat("a", n-len("Bearer ")) }
	if _, ok := parseAuthorization(header(pad(maxAuthorization))); !ok {
		t.Errorf("a %d-byte header is refused", maxAuthorization)
	}
	if _, ok := parseAuthorization(header(pad(maxAuthorization + 1))); ok {
		t.Errorf("a %d-byte header is accepted", maxAuthorization+1)
	}
}

// FuzzParseAuthorization: no input panics; an accepted Basic credential has
// a non-empty id without a colon and a non-empty secret, and re-encoding it
// parses back to the same; an accepted Bearer token is non-empty and has no
// whitespace; two headers are never accepted.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"Basic " + b64(keyID+":"+secret), "Bearer " + token, "basic " + b64("a:b"), "Basic " + b64(":"),
		"Basic " + b64("a:"), "Basic !!", "Basic YTpiYx==", "Basic YTpi\nYw==", "Bearer", "Bearer  x ", "Token x", "", " ", "Basic YTpi\n", "Bearer a\u00a0b",
	} {
		f.Add(s, "", false)
	}
	f.Add("Bearer "+token, "Bearer "+token, true)
	f.Fuzz(func(t *testing.T, v1, v2 string, two bool) {
		h := header(v1)
		if two {
			h.Add("Authorization", v2)
		}
		c, ok := parseAuthorization(h)
		if !ok {
			if c != (credential{}) {
				t.Errorf("refused, yet returned %+v", c)
			}
			return
		}
		if two {
			t.Fatalf("two Authorization headers accepted: %q, %q", v1, v2)
		}
		if len(v1) > maxAuthorization {
			t.Fatalf("a %d-byte header accepted", len(v1))
		}
		if c.basic {
			if c.id == "" || c.secret == "" || c.token != "" || strings.Contains(c.id, ":") {
				t.Fatalf("Basic %q accepted as %+v", v1, c)
			}
			again, ok := parseAuthorization(header("Basic " + b64(c.id+":"+c.secret)))
			if !ok || again != c {
				t.Fatalf("Basic %q: re-encoded %+v parses as %+v, %v", v1, c, again, ok)
			}
			return
		}
		if c.token == "" || c.id != "" || c.secret != "" {
			t.Fatalf("Bearer %q accepted as %+v", v1, c)
		}
		if i := strings.IndexFunc(c.token, unicode.IsSpace); i >= 0 {
			r, _ := utf8.DecodeRuneInString(c.token[i:])
			t.Fatalf("Bearer %q accepted with whitespace %q in the token", v1, r)
		}
	})
}
