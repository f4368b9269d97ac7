package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

// TestStats: the counters metrics read count what happened: a verification
// by the database and then by the cache (ok twice, one hit, one miss), a
// malformed credential, an unknown one and its negative-cache hit, a
// throttle refusal, a password hash.
func TestStats(t *testing.T) {
	clk := newClock()
	svc := core.New(openStore(t, ""), core.Options{Argon2: cheap, Now: clk.Now,
		Limits: core.Limits{FailuresPerIP: ratelimit.Limit{Every: time.Hour, Burst: 3}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	for !core.FeedRead(svc) {
		time.Sleep(time.Millisecond)
	}
	key, _ := activeUser(t, svc, "a@example.com")
	before := svc.Stats()
	must(svc.Authenticate(ctx, key, core.ClientInfo{}))(t) // activeUser verified once already: cached
	must(svc.Authenticate(ctx, key, core.ClientInfo{}))(t)
	ci := core.ClientInfo{IP: "192.0.2.1"}
	svc.Authenticate(ctx, "garbage", ci)
	unknown := "stai-" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	svc.Authenticate(ctx, unknown, ci) // malformed checksum: no database read either
	svc.Unauthenticated(ci)            // the budget of 3 is spent
	if _, err := svc.Authenticate(ctx, key+"x", ci); gatehouse.ErrorCode(err) != gatehouse.ERATELIMIT {
		t.Fatalf("past the budget: %v", err)
	}
	st := svc.Stats()
	count := func(s core.Stats, kind, outcome string) uint64 {
		for _, v := range s.Verifications {
			if v.Kind == kind && v.Outcome == outcome {
				return v.Count
			}
		}
		t.Fatalf("no series %s/%s", kind, outcome)
		return 0
	}
	for _, c := range []struct {
		kind, outcome string
		want          uint64
	}{
		{"api_key", "ok", 2}, {"api_key", "unauthorized", 2}, {"api_key", "rate_limited", 1}, {"none", "unauthorized", 1},
	} {
		if got := count(st, c.kind, c.outcome) - count(before, c.kind, c.outcome); got != c.want {
			t.Errorf("%s/%s: %d more, want %d", c.kind, c.outcome, got, c.want)
		}
	}
	if d := st.CacheHits - before.CacheHits; d != 2 {
		t.Errorf("cache hits: %d more, want 2", d)
	}
	if st.Throttled["failures_ip"] == 0 {
		t.Errorf("throttle refusals: %v", st.Throttled)
	}
	if st.HashStarted == 0 || st.HashSlots == 0 || st.CacheEntries == 0 || st.FeedAge < 0 {
		t.Errorf("stats %+v", st)
	}
}
