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

// parseBasicRef and isToken68Ref are parseBasic and isToken68 as first
// written (the allocating base64 calls, the comparisons): the reference
// FuzzParseAuthorization holds the stack-buffer and table versions to.
func parseBasicRef(text string) (id, sec string, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil || base64.StdEncoding.EncodeToString(raw) != text {
		return "", "", false
	}
	id, sec, ok = strings.Cut(string(raw), ":")
	if !ok || id == "" || sec == "" {
		return "", "", false
	}
	return id, sec, true
}

func isToken68Ref(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/=", c) >= 0) {
			return false
		}
	}
	return s != ""
}

// FuzzParseAuthorization: no input panics; parseBasic and isToken68 agree
// with their references on any text; a refusal is the zero value; an accepted Basic
// credential has a non-empty id without a colon and a non-empty secret
// and re-encodes to itself; an accepted Bearer token is a non-empty
// token68.
func FuzzParseAuthorization(f *testing.F) {
	long := base64.StdEncoding.EncodeToString([]byte("app_1:" + strings.Repeat("s", 300)))
	for _, s := range []string{"Basic YTpi", "Bearer a.b.c", "basic  YTpiYw==", "Bearer", "Basic YTpi\n", "Token x", "",
		"Basic YTpiYw", "Basic YTpiYx==", "Basic YT\npi", "Basic " + long, "Basic " + long[:len(long)-4], "BASIC YTpi", "Bearer a=b", "Basİc YTpi"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, text := range []string{v, strings.TrimPrefix(v, "Basic ")} {
			id, sec, ok := parseBasic(text)
			if rid, rsec, rok := parseBasicRef(text); id != rid || sec != rsec || ok != rok {
				t.Fatalf("parseBasic(%q) = %q, %q, %v; the reference gives %q, %q, %v", text, id, sec, ok, rid, rsec, rok)
			}
		}
		if isToken68(v) != isToken68Ref(v) {
			t.Fatalf("isToken68(%q) = %v, the reference %v", v, isToken68(v), isToken68Ref(v))
		}
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

// TestParseAuthorizationScheme: the scheme is matched case-insensitively
// in ASCII only (RFC 9110 11.1: a token), so no other letter folds into
// "basic" or "bearer" (the Kelvin sign into k, dotless or dotted i into i).
func TestParseAuthorizationScheme(t *testing.T) {
	t.Parallel()
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		if _, ok := ParseAuthorization(scheme + " a.b.c"); !ok {
			t.Errorf("%q refused", scheme)
		}
	}
	for _, scheme := range []string{"Basİc", "basıc", "Bearer\u00a0", "Bearerx", "Beare", "Bearer\x00", "\u212aey"} {
		if a, ok := ParseAuthorization(scheme + " YTpi"); ok {
			t.Errorf("%q accepted as %+v", scheme, a)
		}
	}
}

// BenchmarkParseAuthorization: the header of every Bearer and Basic check
// at /auth/verify (a JWT is the longest).
func BenchmarkParseAuthorization(b *testing.B) {
	jwt := "Bearer eyJhbGciOiJIUzI1NiIsImtpZCI6ImFwcF82NWYxYzJkM2U0ZjUwNjE3MjgzOTRhNWIiLCJ0eXAiOiJKV1QifQ.eyJzY29wZSI6ImFwcCJ9.8dJ0lXkq3nUq6v0k2m0a2m3Y0e8h4Z9r1P5x7c6b5a4"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("app_65f1c2d3e4f5061728394a5b:"+strings.Repeat("s", 43)))
	for _, c := range []struct{ name, v string }{{"JWT", jwt}, {"Basic", basic}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := ParseAuthorization(c.v); !ok {
					b.Fatal("refused")
				}
			}
		})
	}
}
