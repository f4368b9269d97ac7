package core

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/appjwt"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/objectid"
	"github.com/gatehouse/gatehouse/internal/seal"
)

// JWT verification itself (HS256 only, kid rules, leeway, exp) is
// appjwt.Verify; core adds the key lookup, the scope rule and the
// cache. exp is optional unless Options.JWTRequireExp: Sunshine's own
// samples sign {"scope": "app"} with no exp, and refusing those would break
// every client written from them.

// maxSecretLen bounds a presented secret before any work is done.
const maxSecretLen = 128

// AuthenticateKeySecret verifies an app or account key id and its secret
// (Basic auth) presented by client ci. Every failure is EUNAUTHORIZED with
// the same message, or ERATELIMIT under the failure throttle of ci's IP
// (see throttle.go); a database that cannot answer is EUNAVAILABLE. A key
// of an account that is not active is EUNAUTHORIZED too, as on Sunshine
// (docs/security.md 8); Verify tells it apart.
func (s *Service) AuthenticateKeySecret(ctx context.Context, id, sec string, ci ClientInfo) (gatehouse.Principal, error) {
	return asUnauthorized(s.verifyKeySecret(ctx, id, sec, ci))
}

// AuthenticateJWT verifies a JWT signed with an app or account key's secret,
// presented by client ci. Every failure is EUNAUTHORIZED with the same
// message, or ERATELIMIT under the failure throttle of ci's IP (see
// throttle.go); a database that cannot answer is EUNAVAILABLE. A JWT of a
// key of an account that is not active is EUNAUTHORIZED too, as on
// Sunshine (docs/security.md 8); Verify tells it apart.
func (s *Service) AuthenticateJWT(ctx context.Context, token string, ci ClientInfo) (gatehouse.Principal, error) {
	return asUnauthorized(s.verifyJWT(ctx, token, ci))
}

// asUnauthorized answers EINACTIVE as EUNAUTHORIZED (the failure is
// already counted).
func asUnauthorized(p gatehouse.Principal, err error) (gatehouse.Principal, error) {
	if gatehouse.ErrorCode(err) == gatehouse.EINACTIVE {
		return p, errUnauthorized
	}
	return p, err
}

// verifyKeySecret is AuthenticateKeySecret, but a right secret of an
// inactive account's key is EINACTIVE (counted as a failure of ci, and not
// remembered in the negative cache, so that activation applies at once).
func (s *Service) verifyKeySecret(ctx context.Context, id, sec string, ci ClientInfo) (gatehouse.Principal, error) {
	var hit bool
	p, err := s.checkKeySecret(ctx, id, sec, ci, &hit)
	s.stats.verified(statBasic, err, hit)
	return p, err
}

func (s *Service) checkKeySecret(ctx context.Context, id, sec string, ci ClientInfo, hit *bool) (gatehouse.Principal, error) {
	if len(sec) == 0 || len(sec) > maxSecretLen || !objectid.ValidWithPrefix(id, credential.AppKeyPrefix) && !objectid.ValidWithPrefix(id, credential.AccountKeyPrefix) {
		return gatehouse.Principal{}, s.failed(ci)
	}
	h := basicHash(id, sec)
	now := s.now()
	e, pend, err := s.cached(h, now, ci)
	if e != nil {
		*hit = true
		return e.p, nil
	}
	if err != nil {
		return gatehouse.Principal{}, err
	}
	p, stored, active, err := s.loadKey(ctx, id)
	if gatehouse.ErrorCode(err) == gatehouse.EUNAUTHORIZED {
		return gatehouse.Principal{}, s.refused(h, now, pend, ci)
	}
	if err != nil {
		return gatehouse.Principal{}, err
	}
	if !constantTimeEqual(stored, sec) {
		return gatehouse.Principal{}, s.refused(h, now, pend, ci)
	}
	if !active {
		return gatehouse.Principal{}, s.inactive(ci)
	}
	s.cache.put(h, p, now.Add(s.opt.CacheMaxAge), pend.gen)
	return p, nil
}

// verifyJWT is AuthenticateJWT, but a valid JWT of an inactive account's
// key is EINACTIVE, as in verifyKeySecret.
func (s *Service) verifyJWT(ctx context.Context, token string, ci ClientInfo) (gatehouse.Principal, error) {
	var hit bool
	p, err := s.checkJWT(ctx, token, ci, &hit)
	s.stats.verified(statJWT, err, hit)
	return p, err
}

func (s *Service) checkJWT(ctx context.Context, token string, ci ClientInfo, hit *bool) (gatehouse.Principal, error) {
	if len(token) == 0 || len(token) > 8192 {
		return gatehouse.Principal{}, s.failed(ci)
	}
	h := credential.HashParts("jwt\x00", token)
	now := s.now()
	e, pend, err := s.cached(h, now, ci)
	if e != nil {
		*hit = true
		return e.p, nil
	}
	if err != nil {
		return gatehouse.Principal{}, err
	}
	var p gatehouse.Principal
	var active bool
	tok, err := appjwt.Verify(token, now, s.opt.JWTRequireExp, func(kid string) ([]byte, error) {
		var stored string
		var err error
		p, stored, active, err = s.loadKey(ctx, kid)
		return []byte(stored), err
	})
	if err != nil {
		if errors.Is(err, appjwt.ErrInvalid) || gatehouse.ErrorCode(err) == gatehouse.EUNAUTHORIZED {
			return gatehouse.Principal{}, s.refused(h, now, pend, ci)
		}
		return gatehouse.Principal{}, err // the database, not the token
	}
	want := "app"
	if p.Kind == gatehouse.CredAccountKey {
		want = "account"
	}
	if tok.Scope != want {
		return gatehouse.Principal{}, s.refused(h, now, pend, ci)
	}
	if !active {
		return gatehouse.Principal{}, s.inactive(ci)
	}
	expires := now.Add(s.opt.CacheMaxAge)
	if !tok.Expires.IsZero() {
		expires = minTime(expires, tok.Expires.Add(appjwt.Leeway))
	}
	s.cache.put(h, p, expires, pend.gen)
	return p, nil
}

// basicHash is the cache key of an app or account key id with its secret.
func basicHash(id, sec string) gatehouse.Hash {
	return credential.HashParts("basic\x00", id, "\x00", sec)
}

// loadKey finds an app or account key and its account, reports whether
// that account is active, and opens the key's secret. Unknown keys are
// EUNAUTHORIZED.
func (s *Service) loadKey(ctx context.Context, id string) (p gatehouse.Principal, secret string, active bool, err error) {
	var sealed []byte
	err = s.store.Read(ctx, func(tx gatehouse.Tx) error {
		var userID int64
		switch {
		case objectid.ValidWithPrefix(id, credential.AppKeyPrefix):
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
		case objectid.ValidWithPrefix(id, credential.AccountKeyPrefix):
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
		active = u.Status == gatehouse.UserActive
		p.UserID, p.Email, p.Admin = u.ID, u.Email, u.Admin
		return nil
	})
	switch gatehouse.ErrorCode(err) {
	case "":
	case gatehouse.ENOTFOUND, gatehouse.EUNAUTHORIZED:
		return p, "", false, errUnauthorized
	default:
		return p, "", false, err
	}
	sec, err := s.box.Open(id, sealed)
	if err != nil {
		if errors.Is(err, seal.ErrSealed) {
			s.log.Error("a key secret does not open: is the master key the one it was sealed with?", "keyId", id)
		}
		return p, "", false, errUnauthorized
	}
	return p, string(sec), active, nil
}
