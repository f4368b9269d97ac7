package core

import (
	"context"
	"log/slog"

	"github.com/gatehouse/gatehouse"
)

// Credential is one credential as a surface read it off a request, known
// only by its form: a user credential (an API key or an access token), a
// JWT signed with an app or account key, or an app or account key id with
// its secret. The zero Credential is a missing, repeated, ambiguous or
// unparsable one, which Verify refuses as a failed check. It never prints
// or logs what it holds, only its form.
type Credential struct {
	form       credForm
	token      string // formUser, formJWT
	id, secret string // formKeySecret
}

type credForm uint8

const (
	formNone credForm = iota
	formUser
	formJWT
	formKeySecret
)

// UserCredential is an API key ("stai-") or an access token ("gat_") as
// presented; its shape is checked by Verify.
func UserCredential(s string) Credential { return Credential{form: formUser, token: s} }

// JWTCredential is a JWT signed with an app or account key's secret.
func JWTCredential(s string) Credential { return Credential{form: formJWT, token: s} }

// KeySecretCredential is an app or account key id and its secret (Basic).
func KeySecretCredential(id, secret string) Credential {
	return Credential{form: formKeySecret, id: id, secret: secret}
}

// String names the credential's form, never what it holds.
func (c Credential) String() string {
	switch c.form {
	case formUser:
		return "user credential"
	case formJWT:
		return "app JWT"
	case formKeySecret:
		return "key and secret"
	}
	return "no credential"
}

// GoString is String, for %#v.
func (c Credential) GoString() string { return c.String() }

// LogValue is String, so that a Credential logged by mistake shows no
// secret.
func (c Credential) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Verify is the gate's one credential check (forward auth): it verifies a
// credential of any kind presented by client ci and returns the principal
// it stands for, through the same paths as the dialects (Authenticate,
// AuthenticateJWT, AuthenticateKeySecret), so the cache, the revocation
// feed and the failure throttle behave exactly as they do there.
//
// It acts for no one: it takes no caller from ctx, and a principal there
// changes nothing. It returns EUNAUTHORIZED for anything that is not a
// live credential (the zero Credential among them), EINACTIVE for a
// credential of any kind that verified but whose account is not active
// (where the Sunshine surface says EUNAUTHORIZED for an app or account
// key, docs/security.md 8), ERATELIMIT past ci's failure budget
// (docs/security.md 13), and EUNAVAILABLE when the database cannot answer.
//
// Every refusal is counted in ci's failure budget, EINACTIVE too (see
// Authenticate).
func (s *Service) Verify(ctx context.Context, c Credential, ci ClientInfo) (gatehouse.Principal, error) {
	switch c.form {
	case formUser:
		return s.Authenticate(ctx, c.token, ci)
	case formJWT:
		return s.verifyJWT(ctx, c.token, ci)
	case formKeySecret:
		return s.verifyKeySecret(ctx, c.id, c.secret, ci)
	}
	return gatehouse.Principal{}, s.Unauthenticated(ci)
}
