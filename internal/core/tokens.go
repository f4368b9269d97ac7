package core

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/secret"
)

// Token design (hard to undo, so written down here): access tokens are
// opaque random strings ("gat_..."), stored as SHA-256 with the id of the
// API key they came from and an expiry. Not signed JWTs, because a token
// must die the moment its key is deleted or its account disabled, on every
// node: with a row per token that is a cascade delete plus a cache purge,
// with no signing key to guard or rotate, and a stolen database yields no
// usable token. The cost, one insert per exchange, is paid anyway: each
// exchange writes a login row in the same transaction.

// ExchangeToken trades an e-mail and API key for a 24-hour access token.
// Every attempt for an existing account writes a login row (success or
// failure, with IP and user agent) in the same transaction as the token.
// Returns EINVALID for missing fields, EUNAUTHORIZED when the pair does not
// match a live key (the same answer for an unknown e-mail and a wrong key),
// EINACTIVE for a matching key of an account that is not active, and
// ERATELIMIT past the per-IP or per-account throttles.
func (s *Service) ExchangeToken(ctx context.Context, email, apiKey string, ci ClientInfo) (string, time.Time, error) {
	email = strings.TrimSpace(email)
	if email == "" || apiKey == "" {
		return "", time.Time{}, gatehouse.Errorf(gatehouse.EINVALID, "email and api_key are required.")
	}
	if ci.IP != "" {
		if ok, wait := s.exchangePerIP.Allow(ci.IP); !ok {
			return "", time.Time{}, throttled(wait)
		}
	}
	now := s.now().UTC()
	clear := secret.NewAccessToken()
	tok := &gatehouse.AccessToken{Hash: secret.Hash(clear), CreatedAt: now, ExpiresAt: now.Add(gatehouse.AccessTokenTTL)}
	var outcome error
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		u, err := tx.Users().FindUserByEmail(ctx, email)
		if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
			outcome = errBadExchange
			return nil // no account, so no history to write
		}
		if err != nil {
			return err
		}
		login := &gatehouse.Login{UserID: u.ID, At: now, IP: ci.IP, UserAgent: truncate(ci.UserAgent, 512), Kind: gatehouse.LoginToken}
		acct := strconv.FormatInt(u.ID, 10)
		if blocked, wait := s.exchangeFailures.Blocked(acct); blocked {
			// Too many recent failures for this account: refuse without
			// looking at the key, so guessing gains nothing; it refills.
			outcome, login.Reason = throttled(wait), "throttled"
			return tx.Logins().CreateLogin(ctx, login)
		}
		var k *gatehouse.APIKey
		if secret.Classify(apiKey) == secret.APIKey {
			k, err = tx.Keys().FindKeyByHash(ctx, secret.Hash(apiKey))
			if err != nil && gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
				return err
			}
		}
		switch {
		case k == nil || k.UserID != u.ID:
			outcome, login.Reason = errBadExchange, "invalid api key"
			s.exchangeFailures.Allow(acct)
		case u.Status != gatehouse.UserActive:
			outcome, login.Reason = errInactive, "account "+string(u.Status)
		default:
			tok.UserID, tok.KeyID = u.ID, k.ID
			if err := tx.Tokens().CreateToken(ctx, tok); err != nil {
				return err
			}
			login.Success = true
		}
		return tx.Logins().CreateLogin(ctx, login)
	})
	if err != nil {
		return "", time.Time{}, err
	}
	if outcome != nil {
		return "", time.Time{}, outcome
	}
	s.usage.record(tok.KeyID, now)
	return clear, tok.ExpiresAt, nil
}

var errBadExchange = &gatehouse.Error{Code: gatehouse.EUNAUTHORIZED, Message: "Invalid email or API key."}

// Login history bounds, per the Ask Sage spec (1..100).
const (
	LoginsMaxLimit = 100
)

// ListLogins returns the caller's newest logins first; limit must be 1..100.
// Callers: an API key or an access token (userCallers).
func (s *Service) ListLogins(ctx context.Context, limit int) ([]*gatehouse.Login, error) {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, err
	}
	if limit < 1 || limit > LoginsMaxLimit {
		return nil, gatehouse.Errorf(gatehouse.EINVALID, "limit must be between 1 and %d.", LoginsMaxLimit)
	}
	var out []*gatehouse.Login
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		out, err = tx.Logins().FindLoginsByUser(ctx, p.UserID, limit)
		return err
	})
	return out, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
