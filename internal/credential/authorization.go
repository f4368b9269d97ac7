package credential

import (
	"encoding/base64"
	"strings"
)

// MaxAuthorizationLen bounds an Authorization header value: longer ones
// are refused before any work is done (docs/security.md 12).
const MaxAuthorizationLen = 8192

// Authorization is what one Authorization header value carries: Basic
// credentials (an id and a secret) or a Bearer token.
type Authorization struct {
	Basic      bool
	ID, Secret string // Basic
	Token      string // Bearer
}

// ParseAuthorization reads one Authorization header value: "Basic
// base64(id:secret)" or "Bearer <token68>", schemes case-insensitive,
// spaces around the value and after the scheme allowed. An empty,
// oversized or malformed value, another scheme, and Basic that is not
// canonical base64 of "id:secret" with both parts non-empty give ok=false
// and the zero Authorization. It reads nothing but v; which header values
// a surface accepts (one, at most) is the surface's rule.
func ParseAuthorization(v string) (Authorization, bool) {
	if len(v) > MaxAuthorizationLen {
		return Authorization{}, false
	}
	scheme, rest, found := strings.Cut(strings.TrimSpace(v), " ")
	if !found {
		return Authorization{}, false
	}
	rest = strings.TrimSpace(rest)
	switch {
	case asciiFold(scheme, "basic"):
		id, sec, ok := parseBasic(rest)
		if !ok {
			return Authorization{}, false
		}
		return Authorization{Basic: true, ID: id, Secret: sec}, true
	case asciiFold(scheme, "bearer"):
		if !isToken68(rest) {
			return Authorization{}, false
		}
		return Authorization{Token: rest}, true
	}
	return Authorization{}, false
}

// asciiFold reports whether s is lower (lowercase ASCII letters) in any
// case of ASCII letters. Only ASCII: an auth-scheme is a token (RFC 9110
// 11.1), and Unicode folding would take the Kelvin sign for a k and a
// dotted capital I for an i (strings.ToLower and EqualFold both do).
func asciiFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// parseBasic reads Basic credentials: canonical base64 only (the official
// clients send nothing else), so re-encoding must give back the text,
// which refuses set unused bits, missing or extra padding and the CR/LF a
// decoder skips; then "id:secret", both non-empty. The common length
// decodes and re-encodes on the stack: one allocation, the id and secret's
// string.
func parseBasic(text string) (id, sec string, ok bool) {
	var dec [192]byte
	var enc [256]byte
	raw := dec[:0]
	if n := base64.StdEncoding.DecodedLen(len(text)); n > len(dec) || len(text) > len(enc) {
		raw = make([]byte, 0, n)
	}
	raw, err := base64.StdEncoding.AppendDecode(raw, []byte(text))
	if err != nil || string(base64.StdEncoding.AppendEncode(enc[:0], raw)) != text {
		return "", "", false
	}
	id, sec, ok = strings.Cut(string(raw), ":")
	if !ok || id == "" || sec == "" {
		return "", "", false
	}
	return id, sec, true
}

// isToken68 reports whether s is an RFC 7235 token68: the characters a
// Bearer credential (a JWT, an API key, an access token) may hold.
func isToken68(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !token68Byte[s[i]] {
			return false
		}
	}
	return true
}

// token68Byte is isToken68's test of one byte, looked up: one load a byte
// of a JWT instead of up to thirteen comparisons.
var token68Byte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '='
	}
	return t
}()
