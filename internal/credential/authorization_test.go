package credential

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode"
)

// TestParseAuthorization: the forms read (the full table of spellings is
// the Sunshine surface's TestParseAuthorization, through its header rule).
func TestParseAuthorization(t *testing.T) {
	t.Parallel()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	key := NewAPIKey()
	tests := []struct {
		in   string
		want Authorization
		ok   bool
	}{
		{"Basic " + b64("app_1:s:e"), Authorization{Basic: true, ID: "app_1", Secret: "s:e"}, true},
		{" bAsIc  " + b64("a:b") + " ", Authorization{Basic: true, ID: "a", Secret: "b"}, true},
		{"Bearer " + key, Authorization{Token: key}, true},
		{"BEARER a.b.c", Authorization{Token: "a.b.c"}, true},
		{"Bearer " + strings.Repeat("a", MaxAuthorizationLen-len("Bearer ")), Authorization{Token: strings.Repeat("a", MaxAuthorizationLen-len("Bearer "))}, true},

		{"Bearer " + strings.Repeat("a", MaxAuthorizationLen-len("Bearer ")+1), Authorization{}, false},
		{"", Authorization{}, false},
		{"Bearer", Authorization{}, false},
		{"Bearer a b", Authorization{}, false},
		{"Basic " + b64("a:"), Authorization{}, false},
		{"Basic " + b64(":b"), Authorization{}, false},
		{"Basic " + strings.TrimRight(b64("a:bc"), "="), Authorization{}, false},
		{"Token x", Authorization{}, false},
		{key, Authorization{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseAuthorization(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseAuthorization(%.40q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzParseAuthorization: no input panics; a refusal is the zero value;
// an accepted Basic credential has a non-empty id without a colon and a
// non-empty secret and re-encodes to itself; an accepted Bearer token is a
// non-empty token68.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{"Basic YTpi", "Bearer a.b.c", "basic  YTpiYw==", "Bearer", "Basic YTpi\n", "Token x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		a, ok := ParseAuthorization(v)
		if !ok {
			if a != (Authorization{}) {
				t.Fatalf("refused, yet %+v", a)
			}
			return
		}
		if len(v) > MaxAuthorizationLen {
			t.Fatalf("%d bytes accepted", len(v))
		}
		if a.Basic {
			if a.ID == "" || a.Secret == "" || a.Token != "" || strings.Contains(a.ID, ":") {
				t.Fatalf("%q accepted as %+v", v, a)
			}
			again, ok := ParseAuthorization("Basic " + base64.StdEncoding.EncodeToString([]byte(a.ID+":"+a.Secret)))
			if !ok || again != a {
				t.Fatalf("%q: re-encoded %+v parses as %+v, %v", v, a, again, ok)
			}
			return
		}
		if !isToken68(a.Token) || a.ID != "" || a.Secret != "" || strings.ContainsFunc(a.Token, unicode.IsSpace) {
			t.Fatalf("%q accepted as %+v", v, a)
		}
	})
}
