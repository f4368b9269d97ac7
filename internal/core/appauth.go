package core

import (
	"context"
	"errors"
	"regexp"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/secret"
	"github.com/golang-jwt/jwt/v5"
)

// JWT rules (SECURITY.md 14–17): HS256 only, whatever the header says; kid
// required, short, [A-Za-z0-9_-], an app_ or act_ key id; the HMAC key is
// the secret's UTF-8 bytes, as the official samples sign; scope must match
// the key type; exp, nbf and iat honoured with 60 s leeway. exp is
// optional unless Options.JWTRequireExp: Sunshine's own samples sign
// {"scope": "app"} with no exp, and refusing those would break every client
// written from them.
const jwtLeeway = 60 * time.Second

var kidRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// maxSecretLen bounds a presented secret before any work is done.
const maxSecretLen = 128

// AuthenticateKeySecret verifies an app or account key id and its secret
// (Basic auth). Every failure is EUNAUTHORIZED with the same message.
func (s *Service) AuthenticateKeySecret(ctx context.Context, id, sec string) (gatehouse.Principal, error) {
	if len(sec) == 0 || len(sec) > maxSecretLen || !secret.IsKeyID(id, secret.AppKeyPrefix) && !secret.IsKeyID(id, secret.AccountKeyPrefix) {
		return gatehouse.Principal{}, errUnauthorized
	}
	h := secret.Hash("basic\x00" + id + "\x00" + sec)
	now := s.now()
	if s.cacheTrusted(now) {
		if p, ok := s.cache.get(h, now); ok {
			return p, nil
		}
	}
	gen := s.cache.generation()
	p, stored, err := s.loadKey(ctx, id)
	if err != nil {
		return gatehouse.Principal{}, err
	}
	if !constantTimeEqual(stored, sec) {
		return gatehouse.Principal{}, errUnauthorized
	}
	s.cache.put(h, p, now.Add(s.opt.CacheMaxAge), gen)
	return p, nil
}

// AuthenticateJWT verifies a JWT signed with an app or account key's secret.
// Every failure is EUNAUTHORIZED with the same message; a database that
// cannot answer is EUNAVAILABLE.
func (s *Service) AuthenticateJWT(ctx context.Context, token string) (gatehouse.Principal, error) {
	if len(token) == 0 || len(token) > 8192 {
		return gatehouse.Principal{}, errUnauthorized
	}
	h := secret.Hash("jwt\x00" + token)
	now := s.now()
	if s.cacheTrusted(now) {
		if p, ok := s.cache.get(h, now); ok {
			return p, nil
		}
	}
	gen := s.cache.generation()
	var p gatehouse.Principal
	var loadErr error
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{"HS256"}),
		jwt.WithLeeway(jwtLeeway),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.now),
	}
	if s.opt.JWTRequireExp {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, ok := t.Header["kid"].(string)
		if !ok || !kidRE.MatchString(kid) {
			return nil, errUnauthorized
		}
		var stored string
		p, stored, loadErr = s.loadKey(ctx, kid)
		if loadErr != nil {
			return nil, loadErr
		}
		return []byte(stored), nil
	}, opts...)
	if loadErr != nil && gatehouse.ErrorCode(loadErr) != gatehouse.EUNAUTHORIZED {
		return gatehouse.Principal{}, loadErr // the database, not the token
	}
	if err != nil {
		return gatehouse.Principal{}, errUnauthorized
	}
	// golang-jwt reads "exp": 0 as no exp at all; a token that names an
	// expiry must name a real one.
	if v, ok := claims["exp"]; ok {
		if f, ok := v.(float64); !ok || f <= 0 {
			return gatehouse.Principal{}, errUnauthorized
		}
	}
	want := "app"
	if p.Kind == gatehouse.CredAccountKey {
		want = "account"
	}
	if scope, _ := claims["scope"].(string); scope != want {
		return gatehouse.Principal{}, errUnauthorized
	}
	expires := now.Add(s.opt.CacheMaxAge)
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		expires = minTime(expires, exp.Add(jwtLeeway))
	}
	s.cache.put(h, p, expires, gen)
	return p, nil
}

// loadKey finds an app or account key, its account (which must be active)
// and opens its secret. Unknown keys are EUNAUTHORIZED.
func (s *Service) loadKey(ctx context.Context, id string) (gatehouse.Principal, string, error) {
	var p gatehouse.Principal
	var sealed []byte
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var userID int64
		switch {
		case secret.IsKeyID(id, secret.AppKeyPrefix):
			k, err := tx.AppKeys().FindAppKeyByID(ctx, id)
			if err != nil {
				return err
			}
			a, err := tx.Apps().FindAppByID(ctx, k.AppID)
			if err != nil {
				return err
			}
			userID, sealed = a.AccountID, k.SecretSealed
			p.Kind, p.CredID, p.AppID = gatehouse.CredAppKey, k.ID, a.ID
		case secret.IsKeyID(id, secret.AccountKeyPrefix):
			k, err := tx.AccountKeys().FindAccountKeyByID(ctx, id)
			if err != nil {
				return err
			}
			userID, sealed = k.UserID, k.SecretSealed
			p.Kind, p.CredID = gatehouse.CredAccountKey, k.ID
		default:
			return errUnauthorized
		}
		u, err := tx.Users().FindUserByID(ctx, userID)
		if err != nil {
			return err
		}
		if u.Status != gatehouse.UserActive {
			return errUnauthorized
		}
		p.UserID, p.Email, p.Admin = u.ID, u.Email, u.Admin
		return nil
	})
	switch gatehouse.ErrorCode(err) {
	case "":
	case gatehouse.ENOTFOUND, gatehouse.EUNAUTHORIZED:
		return p, "", errUnauthorized
	default:
		return p, "", err
	}
	sec, err := s.box.Open(id, sealed)
	if err != nil {
		if errors.Is(err, secret.ErrSealed) {
			s.log.Error("a key secret does not open: is the master key the one it was sealed with?", "keyId", id)
		}
		return p, "", errUnauthorized
	}
	return p, string(sec), nil
}
