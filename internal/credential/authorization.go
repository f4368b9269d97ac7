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
	switch strings.ToLower(scheme) {
	case "basic":
		// Canonical base64 only (the official clients send nothing else):
		// re-encoding must give back the text, which refuses set unused
		// bits, missing or extra padding and the CR/LF a decoder skips.
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil || base64.StdEncoding.EncodeToString(raw) != rest {
			return Authorization{}, false
		}
		id, sec, ok := strings.Cut(string(raw), ":")
		if !ok || id == "" || sec == "" {
			return Authorization{}, false
		}
		return Authorization{Basic: true, ID: id, Secret: sec}, true
	case "bearer":
		if !isToken68(rest) {
			return Authorization{}, false
		}
		return Authorization{Token: rest}, true
	}
	return Authorization{}, false
}

// isToken68 reports whether s is an RFC 7235 token68: the characters a
// Bearer credential (a JWT, an API key, an access token) may hold.
func isToken68(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}
