package appjwt

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// JWT rules for app and account keys (docs/security.md 14–16 and 15a): HS256
// only, whatever the header says; kid required, short, [A-Za-z0-9_-]; the
// HMAC key is the secret's UTF-8 bytes, as Sunshine's official samples
// sign; exp, nbf and iat honoured with 60 s leeway; an exp that is present
// must be a real time (golang-jwt would read "exp": 0 as no exp at all).
//
// Decoding is strict, so that a token has exactly one spelling: exactly
// three segments; each canonical unpadded base64url (no "=", no set unused
// bits in the last character, no CR or LF, which Go's decoder would skip);
// header and payload each one JSON object of valid UTF-8 with no member
// name repeated in any object at any depth and at most maxDepth levels
// of nesting; no "crit" header at all (gatehouse understands no extension,
// so RFC 7515 §4.1.11 leaves nothing a crit could name that would be
// accepted — an empty or ill-typed crit is refused too). All of this is
// checked before the secret is looked up, so a malformed token costs no
// database read.
const Leeway = 60 * time.Second

// maxDepth bounds the nesting of a JWT header or payload.
const maxDepth = 32

var kidRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

var strictB64 = base64.RawURLEncoding.Strict()

// ErrInvalid is the one answer for a token that does not verify.
var ErrInvalid = errors.New("appjwt: JWT does not verify")

// Claims is what a verified token says.
type Claims struct {
	KeyID   string
	Scope   string    // the "scope" claim, "" when absent or not a string
	Expires time.Time // zero when the token has no exp
}

// Verify verifies token at time now. secretFor returns the secret of
// key kid; it is only called for a token that decodes strictly, and an
// error from it is returned as it is (so a caller can tell a database
// failure from a bad token). Every other failure is ErrInvalid. With
// requireExp a token without exp is refused.
func Verify(token string, now time.Time, requireExp bool, secretFor func(kid string) ([]byte, error)) (Claims, error) {
	h64, rest, ok1 := strings.Cut(token, ".")
	p64, s64, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.IndexByte(s64, '.') >= 0 {
		return Claims{}, ErrInvalid
	}
	hb, ok1 := decodeSegment(h64)
	pb, ok2 := decodeSegment(p64)
	sig, ok3 := decodeSegment(s64)
	if !ok1 || !ok2 || !ok3 || len(sig) != sha256.Size || !strictObject(hb) || !strictObject(pb) {
		return Claims{}, ErrInvalid
	}
	var header map[string]any
	if json.Unmarshal(hb, &header) != nil {
		return Claims{}, ErrInvalid
	}
	kid, ok := header["kid"].(string)
	if _, crit := header["crit"]; crit || header["alg"] != "HS256" || !ok || !kidRE.MatchString(kid) {
		return Claims{}, ErrInvalid
	}
	claims := jwt.MapClaims{}
	if json.Unmarshal(pb, &claims) != nil {
		return Claims{}, ErrInvalid
	}

	key, err := secretFor(kid)
	if err != nil {
		return Claims{}, err
	}
	if jwt.SigningMethodHS256.Verify(token[:len(h64)+1+len(p64)], sig, key) != nil {
		return Claims{}, ErrInvalid
	}
	opts := []jwt.ParserOption{
		jwt.WithLeeway(Leeway),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	}
	if requireExp {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	if jwt.NewValidator(opts...).Validate(claims) != nil {
		return Claims{}, ErrInvalid
	}
	out := Claims{KeyID: kid}
	if v, ok := claims["exp"]; ok {
		f, ok := v.(float64)
		if !ok || f <= 0 {
			return Claims{}, ErrInvalid
		}
	}
	out.Scope, _ = claims["scope"].(string)
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		out.Expires = exp.Time
	}
	return out, nil
}

// decodeSegment decodes one canonical base64url segment: no padding, no set
// unused bits (Strict), and no CR or LF, which even a strict decoder skips.
func decodeSegment(s string) ([]byte, bool) {
	if s == "" || strings.ContainsAny(s, "\r\n") {
		return nil, false
	}
	b, err := strictB64.DecodeString(s)
	return b, err == nil
}

// strictObject reports whether b is exactly one JSON object of valid UTF-8,
// nested at most maxDepth deep, in which no object at any depth repeats
// a member name (compared after unescaping, as a decoder would see them).
// json.Valid checks the syntax; the scan after it may then rely on it.
func strictObject(b []byte) bool {
	if !utf8.Valid(b) || !json.Valid(b) {
		return false
	}
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return false
	}
	var buf [maxDepth]memberNames
	stack := buf[:0]
	inObject := func() bool { return len(stack) > 0 && stack[len(stack)-1].object }
	wantName := false // the next string is a member name
	for i < len(b) {
		switch c := b[i]; c {
		case '{', '[':
			if len(stack) == maxDepth {
				return false
			}
			stack = append(stack, memberNames{object: c == '{'})
			wantName = c == '{'
			i++
		case '}', ']':
			stack[len(stack)-1] = memberNames{}
			stack = stack[:len(stack)-1]
			wantName = false
			i++
		case ',':
			wantName = inObject()
			i++
		case '"':
			j := i + 1
			for b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			j++ // past the closing quote
			if wantName {
				if !stack[len(stack)-1].add(b[i:j]) {
					return false
				}
				wantName = false
			}
			i = j
		default: // space, ':', or a number or literal: nothing to track
			i++
		}
	}
	return true
}

// memberNames holds the member names seen in one object (or nothing, for
// an array): a slice while small, a set past that, so neither a typical
// header nor an object of many members costs much.
type memberNames struct {
	object bool
	list   [][]byte
	set    map[string]struct{}
}

// add records quoted, a member name as written (quotes included), and
// reports false if the object already has a member of that name.
func (m *memberNames) add(quoted []byte) bool {
	name := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(name, '\\') >= 0 {
		var s string
		if json.Unmarshal(quoted, &s) != nil {
			return false
		}
		name = []byte(s)
	}
	if m.set != nil {
		if _, dup := m.set[string(name)]; dup {
			return false
		}
		m.set[string(name)] = struct{}{}
		return true
	}
	for _, n := range m.list {
		if bytes.Equal(n, name) {
			return false
		}
	}
	m.list = append(m.list, name)
	if len(m.list) > 16 {
		m.set = make(map[string]struct{}, 2*len(m.list))
		for _, n := range m.list {
			m.set[string(n)] = struct{}{}
		}
		m.list = nil
	}
	return true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
