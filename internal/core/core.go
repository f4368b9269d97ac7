// Package core holds gatehouse's use cases: sign-up, accounts, API keys,
// access tokens, login history and credential verification. Every business
// rule and every authorization decision lives here, once, whichever dialect
// or command calls it. Core takes the caller from the context (a
// gatehouse.Principal put there by a dialect's middleware) and never imports
// net/http or a store package.
package core

import (
	"context"
	"crypto/rand"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/objectid"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/gatehouse/gatehouse/internal/seal"
)

// Limits are the throttles of docs/security.md 13, all per client IP (an
// IPv6 client by its /64) and per process (see package ratelimit). A zero
// Limit takes the default; a negative Every turns that throttle off. None
// is per account: keys and secrets carry at least 192 bits, so locking an
// account would buy nothing against guessing and would let anyone lock its
// owner out.
type Limits struct {
	// SignupPerIP counts sign-ups.
	SignupPerIP ratelimit.Limit
	// ExchangePerIP counts token exchanges, successful or not: the bound on
	// the database work exchanges from one IP can cause.
	ExchangePerIP ratelimit.Limit
	// FailuresPerIP counts failed credential checks of every kind: token
	// exchanges, x-access-tokens and X-API-Key, Basic and JWT, including
	// missing and malformed headers. While an IP has none left, a failed
	// exchange answers ERATELIMIT, and a credential that is not already in
	// the verification cache is refused with ERATELIMIT without a database
	// read; a cached credential still passes.
	FailuresPerIP ratelimit.Limit
	// ExchangeFailuresPerIPAccount counts failed exchanges from one IP for
	// one e-mail, whether an account has it or not.
	ExchangeFailuresPerIPAccount ratelimit.Limit
	// LoginFailuresPerIP counts failed console logins (wrong password or
	// unknown e-mail) from one IP; LoginFailuresPerIPAccount those from one
	// IP for one e-mail. Passwords are guessable, unlike keys, so past
	// either budget a login is refused before its password is checked,
	// right or wrong. Neither counts per account alone: a guesser elsewhere
	// never locks the owner out.
	LoginFailuresPerIP        ratelimit.Limit
	LoginFailuresPerIPAccount ratelimit.Limit
	// LoginFailuresPerAccount counts failed console logins for one e-mail
	// from anywhere (docs/security.md 13: at most about 100 consecutive
	// failures a day). Past it a login for that e-mail is refused before
	// its password is checked, except from a browser holding the account's
	// device cookie (set by an earlier successful login there), so a
	// guesser elsewhere slows the guessing down but never locks the owner
	// out.
	LoginFailuresPerAccount ratelimit.Limit
}

// DefaultLimits: 20 sign-ups per IP at once, then one per 6 s; 30 token
// exchanges per IP at once, then one a second; 50 failed credential checks
// per IP at once, then one a second; 10 failed exchanges per IP and e-mail
// at once, then one per 6 s; 30 failed console logins per IP at once, then
// one per 6 s; 5 per IP and e-mail, then one a minute; 10 per e-mail from
// anywhere, then one per 15 minutes (106 a day), unless the browser holds
// the account's device cookie.
var DefaultLimits = Limits{
	SignupPerIP:                  ratelimit.Limit{Every: 6 * time.Second, Burst: 20},
	ExchangePerIP:                ratelimit.Limit{Every: time.Second, Burst: 30},
	FailuresPerIP:                ratelimit.Limit{Every: time.Second, Burst: 50},
	ExchangeFailuresPerIPAccount: ratelimit.Limit{Every: 6 * time.Second, Burst: 10},
	LoginFailuresPerIP:           ratelimit.Limit{Every: 6 * time.Second, Burst: 30},
	LoginFailuresPerIPAccount:    ratelimit.Limit{Every: time.Minute, Burst: 5},
	LoginFailuresPerAccount:      ratelimit.Limit{Every: 15 * time.Minute, Burst: 10},
}

// Unlimited turns a throttle off.
var Unlimited = ratelimit.Limit{Every: -1}

func (l Limits) withDefaults() Limits {
	def := func(v, d ratelimit.Limit) ratelimit.Limit {
		if v == (ratelimit.Limit{}) {
			return d
		}
		return v
	}
	return Limits{
		SignupPerIP:                  def(l.SignupPerIP, DefaultLimits.SignupPerIP),
		ExchangePerIP:                def(l.ExchangePerIP, DefaultLimits.ExchangePerIP),
		FailuresPerIP:                def(l.FailuresPerIP, DefaultLimits.FailuresPerIP),
		ExchangeFailuresPerIPAccount: def(l.ExchangeFailuresPerIPAccount, DefaultLimits.ExchangeFailuresPerIPAccount),
		LoginFailuresPerIP:           def(l.LoginFailuresPerIP, DefaultLimits.LoginFailuresPerIP),
		LoginFailuresPerIPAccount:    def(l.LoginFailuresPerIPAccount, DefaultLimits.LoginFailuresPerIPAccount),
		LoginFailuresPerAccount:      def(l.LoginFailuresPerAccount, DefaultLimits.LoginFailuresPerAccount),
	}
}

// Options configure a Service. Zero values take defaults.
type Options struct {
	// OpenSignup activates accounts at sign-up (development only).
	OpenSignup bool
	// Argon2 are the password hashing parameters (default password.DefaultParams).
	Argon2 password.Params
	// MaxConcurrentHashes caps password hashes running at once (default
	// max(2, GOMAXPROCS)); callers beyond it wait up to HashWait, then get
	// EUNAVAILABLE.
	MaxConcurrentHashes int
	HashWait            time.Duration
	// CacheSize bounds the verified-credential cache (default 100,000 entries).
	CacheSize int
	// CacheBytes bounds the same cache by its estimated heap size (default
	// 64 MiB; an API key's entry is about 450 bytes, so the entry bound
	// comes first at the defaults).
	CacheBytes int64
	// NegativeCacheSize bounds the cache of refused well-formed credentials
	// (default 65,536 entries, each kept one second; see negCache).
	NegativeCacheSize int
	// CacheMaxAge bounds how long a cached verification is trusted without
	// asking the database again (default 5 minutes).
	CacheMaxAge time.Duration
	// MaxKeysPerUser caps a user's API keys (default 100).
	MaxKeysPerUser int
	// Models is the model server /server/query forwards to; nil when none
	// is configured (those calls then answer EUNAVAILABLE).
	Models gatehouse.ModelServer
	// MasterKey seals app and account key secrets (32 bytes). Without one,
	// a random key is used, good for this process only (tests).
	MasterKey []byte
	// JWTRequireExp refuses app and account JWTs without an exp claim.
	JWTRequireExp bool
	// Limits throttle sign-up, token exchange and failed credential checks
	// (default DefaultLimits).
	Limits Limits
	// Chats are the chat quotas (default DefaultChatLimits).
	Chats ChatLimits
	// RevocationNotices makes Run read the revocation log as soon as the
	// store says a revocation committed (gatehouse.RevocationNotifier:
	// PostgreSQL's LISTEN/NOTIFY), besides polling it. serve turns it on.
	// It is opt-in because the listening connection waits on the network
	// for good, which a testing/synctest bubble cannot let its clock past.
	RevocationNotices bool
	// AuditRetention is how long audit events are kept; 0 keeps them
	// forever (the default). Older ones are pruned by Run's cleanup.
	AuditRetention time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives background errors (default: discard).
	Logger *slog.Logger
}

// Service is the set of use cases over a store.
type Service struct {
	store   gatehouse.Store
	opt     Options
	now     func() time.Time
	log     *slog.Logger
	hasher  password.Hasher
	hashSem chan struct{}
	cache   *credCache
	neg     *negCache
	box     *seal.Box
	ids     *objectid.Generator // app and key ids
	usage   *usageRecorder
	chat    ChatLimits

	signupPerIP      *ratelimit.Limiter
	exchangePerIP    *ratelimit.Limiter
	failuresPerIP    *ratelimit.Limiter
	exchangeFailures *ratelimit.Limiter // per IP and e-mail
	loginFailures    *ratelimit.Limiter // console logins, per IP
	loginFailuresAcc *ratelimit.Limiter // console logins, per IP and e-mail
	loginFailuresAll *ratelimit.Limiter // console logins, per e-mail
	deviceKey        []byte             // HMAC key of the console's device cookies
	// feedAt is the Unix-nano time of the last successful read of the
	// revocation log, or 0 while Run has not started; see Authenticate.
	feedAt atomic.Int64
	// feedHorizon is feed.horizon, for Stats.
	feedHorizon atomic.Int64
	feed        feedState
	stats       serviceStats
}

// New returns a Service over store.
func New(store gatehouse.Store, opt Options) *Service {
	if opt.Argon2 == (password.Params{}) {
		opt.Argon2 = password.DefaultParams
	}
	if opt.MaxConcurrentHashes <= 0 {
		opt.MaxConcurrentHashes = max(2, runtime.GOMAXPROCS(0))
	}
	if opt.HashWait <= 0 {
		opt.HashWait = 2 * time.Second
	}
	if opt.CacheSize <= 0 {
		opt.CacheSize = 100_000
	}
	if opt.CacheBytes <= 0 {
		opt.CacheBytes = 64 << 20
	}
	if opt.NegativeCacheSize <= 0 {
		opt.NegativeCacheSize = 65_536
	}
	if opt.CacheMaxAge <= 0 {
		opt.CacheMaxAge = 5 * time.Minute
	}
	if opt.MaxKeysPerUser <= 0 {
		opt.MaxKeysPerUser = 100
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.MasterKey == nil {
		opt.MasterKey = make([]byte, seal.MasterKeyLen)
		rand.Read(opt.MasterKey)
	}
	box, err := seal.NewBox(opt.MasterKey)
	if err != nil {
		panic("core: " + err.Error()) // a programming error: cmd validates the key
	}
	lim := opt.Limits.withDefaults()
	return &Service{
		signupPerIP:      ratelimit.New(lim.SignupPerIP, 0, opt.Now),
		exchangePerIP:    ratelimit.New(lim.ExchangePerIP, 0, opt.Now),
		failuresPerIP:    ratelimit.New(lim.FailuresPerIP, 0, opt.Now),
		exchangeFailures: ratelimit.New(lim.ExchangeFailuresPerIPAccount, 0, opt.Now),
		loginFailures:    ratelimit.New(lim.LoginFailuresPerIP, 0, opt.Now),
		loginFailuresAcc: ratelimit.New(lim.LoginFailuresPerIPAccount, 0, opt.Now),
		loginFailuresAll: ratelimit.New(lim.LoginFailuresPerAccount, 0, opt.Now),
		deviceKey:        deriveKey(opt.MasterKey, "gatehouse console device cookie v1"),
		store:            store,
		opt:              opt,
		now:              opt.Now,
		log:              opt.Logger,
		hasher:           password.Hasher{Params: opt.Argon2},
		hashSem:          make(chan struct{}, opt.MaxConcurrentHashes),
		cache:            newCredCache(opt.CacheSize, opt.CacheBytes),
		neg:              newNegCache(opt.NegativeCacheSize),
		box:              box,
		ids:              objectid.NewGenerator(),
		usage:            newUsageRecorder(),
		chat:             opt.Chats.withDefaults(),
	}
}

// Ready reports whether the database answers.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return gatehouse.Err(gatehouse.ReasonDatabaseDown)
	}
	return nil
}

// ClientInfo describes where a request came from, for login history and
// the per-IP throttles. A zero ClientInfo (an admin command, a test) is
// never throttled.
type ClientInfo struct {
	IP        string
	UserAgent string
}

// hashPassword runs argon2id under the concurrency cap.
func (s *Service) hashPassword(ctx context.Context, pw string) (string, error) {
	if err := s.acquireHash(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashSem }()
	return s.hasher.Hash(pw)
}

// recode returns e in place of err when err is of code: where a store's
// bare code reaches a caller, core says which case it is.
func recode(err error, code string, e *gatehouse.Error) error {
	if err != nil && gatehouse.ErrorCode(err) == code {
		return e
	}
	return err
}

// errBusy refuses a password hash while too many are running.
var errBusy = gatehouse.Err(gatehouse.ReasonServerBusy)

func (s *Service) acquireHash(ctx context.Context) error {
	select {
	case s.hashSem <- struct{}{}:
		s.stats.hashAcquired.Add(1)
		return nil
	default:
	}
	start := time.Now()
	s.stats.hashWaiting.Add(1)
	defer func() {
		s.stats.hashWaiting.Add(-1)
		s.stats.hashWaitNanos.Add(uint64(time.Since(start)))
	}()
	t := time.NewTimer(s.opt.HashWait)
	defer t.Stop()
	select {
	case s.hashSem <- struct{}{}:
		s.stats.hashAcquired.Add(1)
		s.stats.hashWaited.Add(1)
		return nil
	case <-t.C:
		s.stats.hashBusy.Add(1)
		return errBusy
	case <-ctx.Done():
		s.stats.hashBusy.Add(1)
		return errBusy
	}
}
