package core

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/credential"
)

// The answers for a credential that does not verify. Unknown, malformed,
// expired and revoked credentials all get errUnauthorized, so a caller learns
// nothing about which it was (docs/security.md 12). errInactive is only returned
// once the credential itself has verified.
var (
	errUnauthorized = gatehouse.CodeErr(gatehouse.EUNAUTHORIZED)
	errInactive     = gatehouse.CodeErr(gatehouse.EINACTIVE)
)

// feedStaleAfter is how old the last read of the revocation log may be for
// the cache to be trusted. Past it, every verification goes to the database,
// so a revocation made elsewhere is never honoured later than this (plus one
// poll interval) even if the feed stalls.
const feedStaleAfter = 750 * time.Millisecond

// Authenticate verifies a user credential (an API key or an access token)
// presented by client ci and returns the principal it stands for. The path
// is: shape and checksum (no I/O for garbage) → the bounded cache → the
// failure throttle of ci's IP (see throttle.go) → the database. It returns
// EUNAUTHORIZED for anything that is not a live credential, EINACTIVE for a
// live credential of an account that is not active, ERATELIMIT for a failure
// past the IP's budget or a credential the cache does not hold while the IP
// has no budget left, and EUNAVAILABLE when the database cannot answer.
func (s *Service) Authenticate(ctx context.Context, cred string, ci ClientInfo) (gatehouse.Principal, error) {
	kind := credential.Classify(cred)
	if kind == credential.Garbage {
		return gatehouse.Principal{}, s.failed(ci)
	}
	h := credential.Hash(cred)
	now := s.now()
	cp, hit, gen, err := s.cached(h, now, ci)
	if hit {
		s.usage.record(cp.KeyID, now)
	}
	if hit || err != nil {
		return cp, err
	}
	var p gatehouse.Principal
	expires := now.Add(s.opt.CacheMaxAge)
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		var userID int64
		switch kind {
		case credential.APIKey:
			k, err := tx.Keys().FindKeyByHash(ctx, h)
			if err != nil {
				return err
			}
			userID, p.KeyID, p.Kind = k.UserID, k.ID, gatehouse.CredAPIKey
		case credential.AccessToken:
			t, err := tx.Tokens().FindTokenByHash(ctx, h)
			if err != nil {
				return err
			}
			if !now.Before(t.ExpiresAt) {
				return errUnauthorized
			}
			userID, p.KeyID, p.Kind = t.UserID, t.KeyID, gatehouse.CredAccessToken
			expires = minTime(expires, t.ExpiresAt)
		}
		u, err := tx.Users().FindUserByID(ctx, userID)
		if err != nil {
			return err
		}
		if u.Status != gatehouse.UserActive {
			return errInactive
		}
		p.UserID, p.Email, p.Admin, p.CAC = u.ID, u.Email, u.Admin, u.CAC
		return nil
	})
	switch gatehouse.ErrorCode(err) {
	case "":
	case gatehouse.ENOTFOUND, gatehouse.EUNAUTHORIZED:
		return gatehouse.Principal{}, s.failed(ci)
	default:
		return gatehouse.Principal{}, err
	}
	s.cache.put(h, p, expires, gen)
	s.usage.record(p.KeyID, now)
	return p, nil
}

// cached is how every verification (Authenticate, AuthenticateKeySecret,
// AuthenticateJWT) goes on once the credential has passed its shape check,
// h being its cache key: a cached principal answers (hit) while the cache
// is trusted; on a miss the failure throttle of ci's IP is asked
// (ERATELIMIT), and the cache generation is taken before the database is
// read, to be handed to put: a revocation racing that read bumps it, so the
// answer read is not cached.
func (s *Service) cached(h gatehouse.Hash, now time.Time, ci ClientInfo) (p gatehouse.Principal, hit bool, gen uint64, err error) {
	if s.cacheTrusted(now) {
		if p, ok := s.cache.get(h, now); ok {
			return p, true, 0, nil
		}
	}
	if err := s.throttledIP(ci); err != nil {
		return gatehouse.Principal{}, false, 0, err
	}
	return gatehouse.Principal{}, false, s.cache.generation(), nil
}

// cacheTrusted reports whether cached verifications may be used: only once
// the revocation feed has read the log (Run) and while that read is fresh.
// Before the first read nothing says what other processes revoked, so a
// Service whose Run has not started (or cannot reach the database) verifies
// every credential against the database.
func (s *Service) cacheTrusted(now time.Time) bool {
	at := s.feedAt.Load()
	return at != 0 && now.UnixNano()-at < int64(feedStaleAfter)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
