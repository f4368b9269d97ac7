package core

import (
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/percpu"
)

// Counters for metrics. Core keeps plain counters and hands a snapshot to
// whoever asks (Stats): it imports no metrics library, and a verification
// pays one atomic add on a cell of its own. Counters that every request
// touches are striped: a single counter written by every core is one
// cache line bouncing between them (the same reason the credential cache
// is sharded).

// striped is a counter in stripes cache lines apart; add picks the one of
// the processor it runs on (internal/percpu: a stripe picked at random
// moves between cores as often as a single counter does).
type striped struct {
	cells [stripes]struct {
		n atomic.Uint64
		_ [56]byte
	}
}

const stripes = 8

func (c *striped) add() { c.cells[percpu.Index()%stripes].n.Add(1) }

func (c *striped) load() uint64 {
	var n uint64
	for i := range c.cells {
		n += c.cells[i].n.Load()
	}
	return n
}

// statKind is the kind of credential a verification was asked about, as
// presented (before it is known to be valid).
type statKind uint8

const (
	statAPIKey  statKind = iota // a user credential that is not an access token
	statToken                   // "gat_..."
	statJWT                     // an app or account JWT
	statBasic                   // an app or account key id and secret
	statSession                 // a console session
	statNone                    // no credential, or one no surface could parse
	numStatKinds
)

var statKindNames = [numStatKinds]string{"api_key", "access_token", "jwt", "basic", "session", "none"}

// Verification outcomes, by the error's code.
const (
	outcomeOK = iota
	outcomeUnauthorized
	outcomeInactive
	outcomeRateLimited
	outcomeUnavailable
	outcomeError
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"ok", "unauthorized", "inactive", "rate_limited", "unavailable", "error"}

// outcomeOKCached is the cell of an ok answered by the verification cache:
// one counter both for the verification and for the cache hit, so a warm
// check pays one atomic add. Stats adds it to ok and reports it as the
// cache hits.
const outcomeOKCached = numOutcomes

func outcomeOf(err error) int {
	switch gatehouse.ErrorCode(err) {
	case "":
		return outcomeOK
	case gatehouse.EUNAUTHORIZED:
		return outcomeUnauthorized
	case gatehouse.EINACTIVE:
		return outcomeInactive
	case gatehouse.ERATELIMIT:
		return outcomeRateLimited
	case gatehouse.EUNAVAILABLE:
		return outcomeUnavailable
	}
	return outcomeError
}

type serviceStats struct {
	verify      [numStatKinds][numOutcomes + 1]striped
	cacheMisses striped
	negHits     striped
	feedEvents  atomic.Uint64

	hashAcquired  atomic.Uint64 // password hashes started
	hashWaited    atomic.Uint64 // of which waited for a slot
	hashBusy      atomic.Uint64 // refused: no slot within HashWait
	hashWaiting   atomic.Int64  // waiting now
	hashWaitNanos atomic.Uint64 // total time spent waiting
}

func (st *serviceStats) verified(k statKind, err error, hit bool) {
	if hit {
		st.verify[k][outcomeOKCached].add()
		return
	}
	st.verify[k][outcomeOf(err)].add()
}

// Verification is one series of Stats.Verifications.
type Verification struct {
	Kind, Outcome string
	Count         uint64
}

// Stats is a snapshot of the service's counters, for metrics. Counters
// count since New; gauges are as of the call.
type Stats struct {
	Verifications []Verification // every kind × outcome, zeros included

	CacheHits, CacheMisses, CacheEvictions uint64
	CacheEntries, CacheBytes               int64
	NegativeHits                           uint64

	// FeedAge is how long ago the revocation feed last read the log (-1
	// before its first read); FeedHorizon the log's horizon it has read
	// up to (gatehouse.RevocationStore: every event below it is applied);
	// FeedEvents how many events it has applied.
	FeedAge     time.Duration
	FeedHorizon int64
	FeedEvents  uint64

	// Throttled is the refusals of each limiter, by name.
	Throttled map[string]uint64

	// Password hashing: running now (of the cap HashSlots), waiting now,
	// started, waited for a slot, refused for want of one, and the total
	// time spent waiting.
	HashRunning, HashSlots, HashWaiting  int
	HashStarted, HashWaited, HashRefused uint64
	HashWaitTotal                        time.Duration
}

// Stats returns a snapshot of the counters, for metrics. It reads atomics
// only: it takes no lock a request holds.
func (s *Service) Stats() Stats {
	st := &s.stats
	out := Stats{
		CacheMisses: st.cacheMisses.load(), CacheEvictions: s.cache.evictions.Load(),
		CacheEntries: s.cache.n.Load(), CacheBytes: s.cache.bytes.Load(), NegativeHits: st.negHits.load(),
		FeedAge: -1, FeedHorizon: s.feedHorizon.Load(), FeedEvents: st.feedEvents.Load(),
		Throttled: map[string]uint64{
			"signup_ip":                    s.signupPerIP.Refused(),
			"exchange_ip":                  s.exchangePerIP.Refused(),
			"failures_ip":                  s.failuresPerIP.Refused(),
			"exchange_failures_ip_account": s.exchangeFailures.Refused(),
			"login_failures_ip":            s.loginFailures.Refused(),
			"login_failures_ip_account":    s.loginFailuresAcc.Refused(),
			"login_failures_account":       s.loginFailuresAll.Refused(),
		},
		HashRunning: len(s.hashSem), HashSlots: cap(s.hashSem), HashWaiting: int(st.hashWaiting.Load()),
		HashStarted: st.hashAcquired.Load(), HashWaited: st.hashWaited.Load(), HashRefused: st.hashBusy.Load(),
		HashWaitTotal: time.Duration(st.hashWaitNanos.Load()),
	}
	if at := s.feedAt.Load(); at != 0 {
		out.FeedAge = s.now().Sub(time.Unix(0, at))
	}
	for k := range numStatKinds {
		cached := st.verify[k][outcomeOKCached].load()
		out.CacheHits += cached
		for o := range numOutcomes {
			n := st.verify[k][o].load()
			if o == outcomeOK {
				n += cached
			}
			out.Verifications = append(out.Verifications, Verification{Kind: statKindNames[k], Outcome: outcomeNames[o], Count: n})
		}
	}
	return out
}
