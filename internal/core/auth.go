package core

import (
	"context"
	"strings"
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
// negative cache → the failure throttle of ci's IP (see throttle.go) → the
// database. It returns EUNAUTHORIZED for anything that is not a live
// credential, EINACTIVE for a live credential of an account that is not
// active, ERATELIMIT for a failure past the IP's budget or a credential the
// cache does not hold while the IP has no budget left, and EUNAVAILABLE
// when the database cannot answer.
//
// EINACTIVE counts in ci's failure budget like any refusal: an inactive
// account's credential is never cached, so without that count a pending
// account's key (which sign-up hands out) could make the database answer
// every request; once the budget is spent it gets ERATELIMIT before any
// read, as any credential the cache does not hold.
func (s *Service) Authenticate(ctx context.Context, cred string, ci ClientInfo) (gatehouse.Principal, error) {
	var hit bool
	p, err := s.authenticate(ctx, cred, ci, &hit)
	kind := statAPIKey
	if strings.HasPrefix(cred, credential.AccessTokenPrefix) {
		kind = statToken
	}
	s.stats.verified(kind, err, hit)
	return p, err
}

// authenticate is Authenticate; *hit is set when the cache answered.
func (s *Service) authenticate(ctx context.Context, cred string, ci ClientInfo, hit *bool) (gatehouse.Principal, error) {
	kind := credential.Classify(cred)
	if kind == credential.Garbage {
		return gatehouse.Principal{}, s.failed(ci)
	}
	h := credential.Hash(cred)
	now := s.now()
	e, pend, err := s.cached(h, now, ci)
	if e != nil {
		s.recordUse(e, now)
		*hit = true
		return e.p, nil
	}
	if err != nil {
		return gatehouse.Principal{}, err
	}
	var p gatehouse.Principal
	expires := now.Add(s.opt.CacheMaxAge)
	// One statement: the credential and its account together (one round
	// trip on PostgreSQL).
	err = s.store.Read(ctx, func(tx gatehouse.Tx) error {
		var u *gatehouse.User
		switch kind {
		case credential.APIKey:
			k, owner, err := tx.Keys().FindKeyAndOwner(ctx, h)
			if err != nil {
				return err
			}
			u, p.KeyID, p.Kind = owner, k.ID, gatehouse.CredAPIKey
		case credential.AccessToken:
			t, owner, err := tx.Tokens().FindTokenAndOwner(ctx, h)
			if err != nil {
				return err
			}
			if !now.Before(t.ExpiresAt) {
				return errUnauthorized
			}
			u, p.KeyID, p.Kind = owner, t.KeyID, gatehouse.CredAccessToken
			expires = minTime(expires, t.ExpiresAt)
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
		return gatehouse.Principal{}, s.refused(h, now, pend, ci)
	case gatehouse.EINACTIVE:
		return gatehouse.Principal{}, s.inactive(ci)
	default:
		return gatehouse.Principal{}, err
	}
	if e := s.cache.put(h, p, expires, pend.gen); e != nil {
		e.usedAt.Store(now.UnixNano())
	}
	s.usage.record(p.KeyID, now)
	return p, nil
}

// usageResolution is how often a cached credential's use is handed to the
// usage recorder: a key verified a million times a second takes the
// recorder's lock ten times a second, not a million, and its last-used time
// is at most this much behind the last use (then flushed each
// usageInterval).
const usageResolution = 100 * time.Millisecond

// recordUse records a use of a cached API key or access token.
func (s *Service) recordUse(e *cacheEntry, now time.Time) {
	if e.p.KeyID == 0 {
		return
	}
	t := now.UnixNano()
	if t-e.usedAt.Load() < int64(usageResolution) {
		return
	}
	e.usedAt.Store(t)
	s.usage.record(e.p.KeyID, now)
}

// lookup is what a verification that missed both caches carries to the
// database and back: the generations its answer is cached under.
type lookup struct{ gen, negGen uint64 }

// cached is how every verification (Authenticate, AuthenticateKeySecret,
// AuthenticateJWT) goes on once the credential has passed its shape check,
// h being its cache key: a cached principal answers (a non-nil entry)
// while the cache is trusted; a hash refused less than a second ago
// (negCache) is refused again, as a failure of ci; otherwise the failure
// throttle of ci's IP is asked (ERATELIMIT), and the cache generations are
// taken before the database is read, to be handed to put: a revocation or
// creation racing that read bumps them, so the answer read is not cached.
func (s *Service) cached(h gatehouse.Hash, now time.Time, ci ClientInfo) (*cacheEntry, lookup, error) {
	if s.cacheTrusted(now) {
		if e := s.cache.get(h, now); e != nil {
			return e, lookup{}, nil // counted by the caller's verified
		}
	}
	s.stats.cacheMisses.add()
	if s.neg.has(h, now) {
		s.stats.negHits.add()
		return nil, lookup{}, s.failed(ci)
	}
	if err := s.throttledIP(ci); err != nil {
		return nil, lookup{}, err
	}
	return nil, lookup{gen: s.cache.generation(), negGen: s.neg.generation()}, nil
}

// inactive answers a credential that verified but whose account is not
// active: EINACTIVE, counted as a failure of ci (ERATELIMIT past its
// budget). It is never cached, either way, so that activation and
// deactivation apply at once.
func (s *Service) inactive(ci ClientInfo) error {
	if err := s.failed(ci); gatehouse.ErrorCode(err) == gatehouse.ERATELIMIT {
		return err
	}
	return errInactive
}

// refused answers a well-formed credential that the database does not know
// (or knows as expired or wrong): it remembers h in the negative cache and
// counts a failure of ci.
func (s *Service) refused(h gatehouse.Hash, now time.Time, l lookup, ci ClientInfo) error {
	s.neg.put(h, now, l.negGen)
	return s.failed(ci)
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
