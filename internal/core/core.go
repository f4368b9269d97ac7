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
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/gatehouse/gatehouse/internal/secret"
)

// Limits are the throttles of SECURITY.md item 13. Each is per process (see
// package ratelimit). A zero Limit takes the default; a negative Every turns
// that throttle off.
type Limits struct {
	SignupPerIP                ratelimit.Limit
	ExchangePerIP              ratelimit.Limit
	ExchangeFailuresPerAccount ratelimit.Limit
}

// DefaultLimits: 20 sign-ups per IP at once, then one per 6 s; 30 token
// exchanges per IP at once, then one a second; 10 failed exchanges per
// account, then one per 6 s — a throttle, never a lockout, so an attacker
// cannot lock a user out for longer than the refill.
var DefaultLimits = Limits{
	SignupPerIP:                ratelimit.Limit{Every: 6 * time.Second, Burst: 20},
	ExchangePerIP:              ratelimit.Limit{Every: time.Second, Burst: 30},
	ExchangeFailuresPerAccount: ratelimit.Limit{Every: 6 * time.Second, Burst: 10},
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
		SignupPerIP:                def(l.SignupPerIP, DefaultLimits.SignupPerIP),
		ExchangePerIP:              def(l.ExchangePerIP, DefaultLimits.ExchangePerIP),
		ExchangeFailuresPerAccount: def(l.ExchangeFailuresPerAccount, DefaultLimits.ExchangeFailuresPerAccount),
	}
}

// throttled is the error for a request over a limit.
func throttled(wait time.Duration) error {
	secs := max(int((wait+time.Second-1)/time.Second), 1)
	e := gatehouse.Errorf(gatehouse.ERATELIMIT, "Too many requests; try again in %d seconds.", secs)
	e.RetryAfter = time.Duration(secs) * time.Second
	return e
}

// Options configure a Service. Zero values take defaults.
type Options struct {
	// OpenSignup activates accounts at sign-up (development only).
	OpenSignup bool
	// Argon2 are the password hashing parameters (default secret.DefaultArgon2).
	Argon2 secret.Argon2Params
	// MaxConcurrentHashes caps password hashes running at once (default
	// max(2, GOMAXPROCS)); callers beyond it wait up to HashWait, then get
	// EUNAVAILABLE.
	MaxConcurrentHashes int
	HashWait            time.Duration
	// CacheSize bounds the verified-credential cache (default 100,000 entries).
	CacheSize int
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
	// Limits throttle sign-up and token exchange (default DefaultLimits).
	Limits Limits
	// Chats are the chat quotas (default DefaultChatLimits).
	Chats ChatLimits
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
	hasher  secret.PasswordHasher
	hashSem chan struct{}
	cache   *credCache
	box     *secret.Box
	usage   *usageRecorder
	chat    ChatLimits

	signupPerIP      *ratelimit.Limiter
	exchangePerIP    *ratelimit.Limiter
	exchangeFailures *ratelimit.Limiter // per account
	// feedAt is the Unix-nano time of the last successful read of the
	// revocation log, or 0 while Run has not started; see Authenticate.
	feedAt  atomic.Int64
	feedSeq atomic.Int64
}

// New returns a Service over store.
func New(store gatehouse.Store, opt Options) *Service {
	if opt.Argon2 == (secret.Argon2Params{}) {
		opt.Argon2 = secret.DefaultArgon2
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
		opt.MasterKey = make([]byte, secret.MasterKeyLen)
		rand.Read(opt.MasterKey)
	}
	box, err := secret.NewBox(opt.MasterKey)
	if err != nil {
		panic("core: " + err.Error()) // a programming error: cmd validates the key
	}
	lim := opt.Limits.withDefaults()
	return &Service{
		signupPerIP:      ratelimit.New(lim.SignupPerIP, 0, opt.Now),
		exchangePerIP:    ratelimit.New(lim.ExchangePerIP, 0, opt.Now),
		exchangeFailures: ratelimit.New(lim.ExchangeFailuresPerAccount, 0, opt.Now),
		store:            store,
		opt:              opt,
		now:              opt.Now,
		log:              opt.Logger,
		hasher:           secret.PasswordHasher{Params: opt.Argon2},
		hashSem:          make(chan struct{}, opt.MaxConcurrentHashes),
		cache:            newCredCache(opt.CacheSize),
		box:              box,
		usage:            newUsageRecorder(),
		chat:             opt.Chats.withDefaults(),
	}
}

// Ready reports whether the database answers.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return gatehouse.Errorf(gatehouse.EUNAVAILABLE, "The database is unavailable.")
	}
	return nil
}

// ClientInfo describes where a request came from, for login history.
type ClientInfo struct {
	IP        string
	UserAgent string
}

// caller returns the authenticated principal in ctx or EUNAUTHORIZED.
func caller(ctx context.Context) (gatehouse.Principal, error) {
	p, ok := gatehouse.PrincipalFromContext(ctx)
	if !ok {
		return p, errUnauthorized
	}
	return p, nil
}

// hashPassword runs argon2id under the concurrency cap.
func (s *Service) hashPassword(ctx context.Context, pw string) (string, error) {
	if err := s.acquireHash(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashSem }()
	return s.hasher.Hash(pw)
}

func (s *Service) acquireHash(ctx context.Context) error {
	select {
	case s.hashSem <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(s.opt.HashWait)
	defer t.Stop()
	select {
	case s.hashSem <- struct{}{}:
		return nil
	case <-t.C:
		return gatehouse.Errorf(gatehouse.EUNAVAILABLE, "The server is busy; try again shortly.")
	case <-ctx.Done():
		return gatehouse.Errorf(gatehouse.EUNAVAILABLE, "The server is busy; try again shortly.")
	}
}
