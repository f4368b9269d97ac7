package core

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/credential"
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
// Every attempt writes one row in the same transaction as the token: a
// login row of the account (success or failure, with IP and user agent),
// or, for an e-mail no account has, a LoginAttempt. Both kinds of failure
// do the same work (the account lookup, the key lookup, one committed
// insert), get the same answer and count alike in the failure throttles,
// so neither the answer, its timing nor the throttle tells whether an
// account exists.
//
// Returns EINVALID for missing fields; EUNAUTHORIZED when the pair does not
// match a live key; EINACTIVE for a matching key of an account that is not
// active; ERATELIMIT past ExchangePerIP (before any work), or for a failure
// past the IP's failure budget or the IP-and-e-mail one. A right key is
// never refused because of failures, not even its own IP's: it carries 192
// bits, so letting it through gains a guesser nothing, and that IP may be a
// NAT or proxy its owner shares with the guesser.
func (s *Service) ExchangeToken(ctx context.Context, email, apiKey string, ci ClientInfo) (string, time.Time, error) {
	email = strings.TrimSpace(email)
	if email == "" || apiKey == "" {
		return "", time.Time{}, gatehouse.Err(gatehouse.ReasonExchangeFieldsRequired)
	}
	if ip := clientKey(ci.IP); ip != "" {
		if ok, wait := s.exchangePerIP.Allow(ip); !ok {
			return "", time.Time{}, throttled(wait)
		}
	}
	now := s.now().UTC()
	clear := credential.NewAccessToken()
	tok := &gatehouse.AccessToken{Hash: credential.Hash(clear), CreatedAt: now, ExpiresAt: now.Add(gatehouse.AccessTokenTTL)}
	wellFormed := credential.Classify(apiKey) == credential.APIKey
	var keyHash gatehouse.Hash
	if wellFormed {
		keyHash = credential.Hash(apiKey)
	}
	ua, attempted := truncate(ci.UserAgent, 512), attemptEmail(email) // for both kinds of row, so both cost the same
	var outcome error
	norm := gatehouse.NormalizeEmail(email)
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		// The key and its account first, in one statement that also
		// holds them until this commits (LockKeyAndOwner), so a delete of
		// the key or a deactivation commits before this reads, and is
		// seen, or waits until this commits (and then deletes the new
		// token with the rest). A failure then looks the e-mail up, to
		// record the attempt against its account, so every failure does
		// the same two reads whether the e-mail is known or not (and a
		// malformed key skips the first for either).
		var k *gatehouse.APIKey
		var u *gatehouse.User
		var err error
		if wellFormed {
			k, u, err = tx.Keys().LockKeyAndOwner(ctx, keyHash)
			if err != nil && gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
				return err
			}
		}
		if u == nil || gatehouse.NormalizeEmail(u.Email) != norm {
			k = nil
			u, err = tx.Users().FindUserByEmail(ctx, email)
			switch gatehouse.ErrorCode(err) {
			case "":
			case gatehouse.ENOTFOUND:
				u = nil
			default:
				return err
			}
		}
		if u == nil || k == nil || k.UserID != u.ID {
			outcome = s.exchangeFailed(ci, email)
			reason := "invalid api key"
			if gatehouse.ErrorCode(outcome) == gatehouse.ERATELIMIT {
				reason = "throttled"
			}
			ev := gatehouse.AuditEvent{Type: gatehouse.AuditTokenExchange, Actor: attempted, Subject: attempted, Email: attempted, IP: ci.IP, Outcome: reason}
			if u != nil {
				ev.Actor, ev.Subject, ev.Email = u.Email, u.Email, u.Email
			}
			if err := s.audit(ctx, tx, ev); err != nil {
				return err
			}
			if u == nil {
				return tx.Logins().CreateLoginAttempt(ctx, &gatehouse.LoginAttempt{
					At: now, IP: ci.IP, UserAgent: ua, Kind: gatehouse.LoginToken, Email: attempted, Reason: reason})
			}
			return tx.Logins().CreateLogin(ctx, &gatehouse.Login{
				UserID: u.ID, At: now, IP: ci.IP, UserAgent: ua, Kind: gatehouse.LoginToken, Reason: reason})
		}
		login := &gatehouse.Login{UserID: u.ID, At: now, IP: ci.IP, UserAgent: ua, Kind: gatehouse.LoginToken}
		ev := gatehouse.AuditEvent{Type: gatehouse.AuditTokenExchange, Actor: u.Email, Subject: u.Email, Email: u.Email, IP: ci.IP, Detail: "key " + strconv.FormatInt(k.ID, 10)}
		if u.Status != gatehouse.UserActive {
			outcome, login.Reason = errInactive, "account "+string(u.Status)
			ev.Outcome = login.Reason
		} else {
			tok.UserID, tok.KeyID = u.ID, k.ID
			if err := tx.Tokens().CreateToken(ctx, tok); err != nil {
				return err
			}
			login.Success = true
		}
		if err := s.audit(ctx, tx, ev); err != nil {
			return err
		}
		return tx.Logins().CreateLogin(ctx, login)
	})
	if err != nil {
		return "", time.Time{}, err
	}
	if outcome != nil {
		return "", time.Time{}, outcome
	}
	s.neg.forget(tok.Hash)
	s.usage.record(tok.KeyID, now)
	return clear, tok.ExpiresAt, nil
}

// attemptEmail is what a LoginAttempt keeps of the e-mail sent: the value
// when it is a valid address, else nothing, so that a key or token pasted
// into the wrong field is never stored.
func attemptEmail(email string) string {
	if gatehouse.ValidateEmail(email) != nil ||
		strings.Contains(email, credential.APIKeyPrefix) || strings.Contains(email, credential.AccessTokenPrefix) {
		return ""
	}
	return email
}

var errBadExchange = gatehouse.Err(gatehouse.ReasonBadExchange)

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
