package core

import (
	"net/netip"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/credential"
)

// The failure throttle (docs/security.md 13). Every failed credential check
// takes a token from its client IP's bucket (Limits.FailuresPerIP). The
// rules, the same for every kind of credential:
//
//   - A failure past the budget answers ERATELIMIT with Retry-After
//     instead of EUNAUTHORIZED.
//   - While an IP has no budget left, a credential the verification cache
//     holds still passes (checking it costs nothing), and any other is
//     refused with ERATELIMIT before any database read: garbage from a
//     throttled IP costs a map lookup.
//   - Nothing is counted per account, and nothing one IP does changes what
//     another IP gets.
//   - Token exchanges are the one exception to the second rule: they are
//     bounded by ExchangePerIP whatever their outcome, so a right key is
//     always checked and always answered with its token; only failures
//     are throttled.

// clientKey is the throttle key of a client IP: an IPv4 address as it is,
// an IPv6 address by its /64 (one subscriber's usual allocation, so moving
// through it dodges nothing). "" (no client, such as an admin command) is
// never throttled.
//
// It runs on every failed check, so the common cases allocate nothing: no
// client, and an IPv4 address (which ParseAddr accepts only in its
// canonical dotted form, so it is its own key).
func clientKey(ip string) string {
	if ip == "" {
		return ""
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a.Is4() {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// failed counts a failed credential check from ci and returns its answer:
// errUnauthorized, or ERATELIMIT when ci's IP has no failures left.
func (s *Service) failed(ci ClientInfo) error {
	if ip := clientKey(ci.IP); ip != "" {
		if ok, wait := s.failuresPerIP.Allow(ip); !ok {
			return throttled(wait)
		}
	}
	return errUnauthorized
}

// throttledIP returns ERATELIMIT when ci's IP has no failures left, nil
// otherwise. It takes nothing: it is asked before a database read, which a
// throttled IP is not allowed to cause.
func (s *Service) throttledIP(ci ClientInfo) error {
	if ip := clientKey(ci.IP); ip != "" {
		if blocked, wait := s.failuresPerIP.Blocked(ip); blocked {
			return throttled(wait)
		}
	}
	return nil
}

// Unauthenticated answers a request whose credential header is missing,
// repeated, oversized or malformed (the dialect could not parse it): it is
// a failed credential check of ci's IP like any other. Returns
// EUNAUTHORIZED, or ERATELIMIT past the IP's failure budget.
func (s *Service) Unauthenticated(ci ClientInfo) error {
	err := s.failed(ci)
	s.stats.verified(statNone, err, false)
	return err
}

// exchangeFailed counts a failed token exchange from ci naming email, per
// IP and e-mail and in the IP's failure budget, and returns its answer:
// errBadExchange, or ERATELIMIT when either budget is spent. It never looks
// at whether an account has that e-mail.
func (s *Service) exchangeFailed(ci ClientInfo, email string) error {
	ip := clientKey(ci.IP)
	if ip == "" {
		return errBadExchange
	}
	// The e-mail as the account lookup matches it, hashed so that a key
	// costs the same whatever its length.
	h := credential.Hash(gatehouse.NormalizeEmail(email))
	okAcct, waitAcct := s.exchangeFailures.Allow(ip + "\x00" + string(h[:16]))
	okIP, waitIP := s.failuresPerIP.Allow(ip)
	if !okAcct || !okIP {
		return throttled(max(waitAcct, waitIP))
	}
	return errBadExchange
}

// throttled is the error for a request over a limit.
func throttled(wait time.Duration) error {
	secs := max((wait+time.Second-1)/time.Second, 1)
	return gatehouse.CodeErr(gatehouse.ERATELIMIT).WithRetryAfter(secs * time.Second)
}
