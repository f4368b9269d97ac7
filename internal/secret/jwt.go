package secret

import (
	"errors"
	"regexp"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWT rules for app and account keys (SECURITY.md 14–17): HS256 only,
// whatever the header says; kid required, short, [A-Za-z0-9_-]; the HMAC
// key is the secret's UTF-8 bytes, as Sunshine's official samples sign;
// exp, nbf and iat honoured with 60 s leeway; an exp that is present must
// be a real time (golang-jwt would read "exp": 0 as no exp at all).
const JWTLeeway = 60 * time.Second

var kidRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ErrJWT is the one answer for a token that does not verify.
var ErrJWT = errors.New("secret: JWT does not verify")

// AppJWT is what a verified token says.
type AppJWT struct {
	KeyID   string
	Scope   string    // the "scope" claim, "" when absent or not a string
	Expires time.Time // zero when the token has no exp
}

// VerifyAppJWT verifies token at time now. secretFor returns the secret of
// key kid; an error from it is returned as it is (so a caller can tell a
// database failure from a bad token), and every other failure is ErrJWT.
// With requireExp a token without exp is refused.
func VerifyAppJWT(token string, now time.Time, requireExp bool, secretFor func(kid string) ([]byte, error)) (AppJWT, error) {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{"HS256"}),
		jwt.WithLeeway(JWTLeeway),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	}
	if requireExp {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	var out AppJWT
	var lookupErr error
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, ok := t.Header["kid"].(string)
		if !ok || !kidRE.MatchString(kid) {
			return nil, ErrJWT
		}
		key, err := secretFor(kid)
		if err != nil {
			lookupErr = err
			return nil, err
		}
		out.KeyID = kid
		return key, nil
	}, opts...)
	if lookupErr != nil {
		return AppJWT{}, lookupErr
	}
	if err != nil {
		return AppJWT{}, ErrJWT
	}
	if v, ok := claims["exp"]; ok {
		f, ok := v.(float64)
		if !ok || f <= 0 {
			return AppJWT{}, ErrJWT
		}
	}
	out.Scope, _ = claims["scope"].(string)
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		out.Expires = exp.Time
	}
	return out, nil
}
