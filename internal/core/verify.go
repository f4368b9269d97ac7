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
// live credential (the zero Credential among them), EINACTIVE for a live
// API key or access token of an account that is not active, ERATELIMIT
// past ci's failure budget (docs/security.md 13), and EUNAVAILABLE when
// the database cannot answer. An app or account key of an account that is
// not active is EUNAUTHORIZED, as on the Sunshine surface (docs/security.md
// 8): loadKey refuses it before its secret is compared.
//
// Every refusal is counted in ci's failure budget, EINACTIVE too: an
// inactive account's credential is never cached, so without that count a
// pending account's key (which sign-up hands out) could make the database
// answer every request; once the budget is spent it gets ERATELIMIT
// before any read, as any credential the cache does not hold.
func (s *Service) Verify(ctx context.Context, c Credential, ci ClientInfo) (gatehouse.Principal, error) {
	var p gatehouse.Principal
	var err error
	switch c.form {
	case formUser:
		p, err = s.Authenticate(ctx, c.token, ci)
	case formJWT:
		p, err = s.AuthenticateJWT(ctx, c.token, ci)
	case formKeySecret:
		p, err = s.AuthenticateKeySecret(ctx, c.id, c.secret, ci)
	default:
		return gatehouse.Principal{}, s.failed(ci)
	}
	if gatehouse.ErrorCode(err) == gatehouse.EINACTIVE {
		if e := s.failed(ci); gatehouse.ErrorCode(e) == gatehouse.ERATELIMIT {
			return gatehouse.Principal{}, e
		}
	}
	return p, err
}
