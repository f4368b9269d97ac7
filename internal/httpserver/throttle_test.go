package httpserver_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
)

// offsetClock is real time plus an offset the test can advance, so
// throttles refill without sleeping.
type offsetClock struct{ off atomic.Int64 }

func (c *offsetClock) Now() time.Time              { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *offsetClock) Add(d time.Duration)         { c.off.Add(int64(d)) }
func withClock(c *offsetClock) func(*core.Options) { return func(o *core.Options) { o.Now = c.Now } }

func withLimits(l core.Limits) func(*core.Options) { return func(o *core.Options) { o.Limits = l } }

var waitRE = regexp.MustCompile(`try again in (\d+) seconds`)

// checkRetryAfter asserts a 429 carries Retry-After, and that it agrees with
// the wait the message announces.
func checkRetryAfter(t *testing.T, r result) {
	t.Helper()
	ra := r.header.Get("Retry-After")
	n, err := strconv.Atoi(ra)
	if err != nil || n < 1 {
		t.Errorf("Retry-After %q, want a positive number of seconds", ra)
		return
	}
	if m := waitRE.FindSubmatch(r.body); m != nil && string(m[1]) != ra {
		t.Errorf("Retry-After: %s but the body says %q", ra, m[0])
	}
}

// TestThrottleSignup429: sign-ups from one IP are throttled after the burst,
// with 429 in the sumtyme shape, and refill.
func TestThrottleSignup429(t *testing.T) {
	t.Parallel()
	clk := &offsetClock{}
	e := newEnv(t, withClock(clk), withLimits(core.Limits{ExchangePerIP: core.Unlimited, ExchangeFailuresPerAccount: core.Unlimited}))
	for range core.DefaultLimits.SignupPerIP.Burst {
		e.signup(t)
	}
	pw := newPassword()
	body := mustJSON(t, map[string]string{"email": "one-too-many@example.com", "password": pw, "confirm_password": pw})
	e.run(t, []scenario{{name: "over the burst", path: "/signup", headers: hdr("Content-Type", ctJSON), body: body,
		wantStatus: http.StatusTooManyRequests, notWant: []string{"stai-"}, check: checkRetryAfter}})
	clk.Add(core.DefaultLimits.SignupPerIP.Every)
	e.run(t, []scenario{{name: "after the refill", path: "/signup", headers: hdr("Content-Type", ctJSON), body: body, wantStatus: 200}})
}

// TestThrottleExchange429: token exchanges from one IP, and failed exchanges
// for one account, are throttled with 429 in the envelope; the account
// throttle refills (no lockout) and does not touch other accounts.
func TestThrottleExchange429(t *testing.T) {
	t.Parallel()

	t.Run("per IP", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withLimits(core.Limits{SignupPerIP: core.Unlimited, ExchangeFailuresPerAccount: core.Unlimited}))
		u := e.signup(t)
		e.activate(t, u.email)
		for range core.DefaultLimits.ExchangePerIP.Burst {
			e.exchange(t, u.email, u.key)
		}
		e.run(t, []scenario{{name: "over the burst", path: tokenPath, headers: hdr("Content-Type", ctJSON),
			body:       mustJSON(t, map[string]string{"email": u.email, "api_key": u.key}),
			wantStatus: http.StatusTooManyRequests, want: []string{`"status":429`}, notWant: []string{"access_token"}, check: checkRetryAfter}})
		// Using the key directly is not an exchange and stays open.
		if r := e.probe(t, u.key); r.status != http.StatusOK {
			t.Errorf("key use while exchanges are throttled: %s", r)
		}
	})

	t.Run("failures per account", func(t *testing.T) {
		t.Parallel()
		clk := &offsetClock{}
		e := newEnv(t, withClock(clk), withLimits(core.Limits{SignupPerIP: core.Unlimited, ExchangePerIP: core.Unlimited}))
		u := e.newUser(t)
		other := e.newUser(t)
		for i := range core.DefaultLimits.ExchangeFailuresPerAccount.Burst {
			if r := e.exchangeResult(t, u.email, other.key); r.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %s", i, r)
			}
		}
		e.run(t, []scenario{
			{name: "right key, throttled account", path: tokenPath, headers: hdr("Content-Type", ctJSON),
				body:       mustJSON(t, map[string]string{"email": u.email, "api_key": u.key}),
				wantStatus: http.StatusTooManyRequests, want: []string{`"status":429`}, notWant: []string{"access_token"}, check: checkRetryAfter},
			{name: "another account is not throttled", path: tokenPath, headers: hdr("Content-Type", ctJSON),
				body: mustJSON(t, map[string]string{"email": other.email, "api_key": other.key}), wantStatus: 200},
			{name: "the account's key still works directly", path: keysPath, headers: withToken(u.key), body: `{}`, wantStatus: 200},
		})
		clk.Add(core.DefaultLimits.ExchangeFailuresPerAccount.Every)
		e.run(t, []scenario{{name: "after the refill", path: tokenPath, headers: hdr("Content-Type", ctJSON),
			body: mustJSON(t, map[string]string{"email": u.email, "api_key": u.key}), wantStatus: 200, want: []string{`"access_token"`}}})
	})
}

// TestThrottleIgnoresForgedForwardedFor: a client that is not a trusted
// proxy cannot dodge the per-IP sign-up throttle with X-Forwarded-For.
func TestThrottleIgnoresForgedForwardedFor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withLimits(core.Limits{ExchangePerIP: core.Unlimited, ExchangeFailuresPerAccount: core.Unlimited}))
	var last result
	for i := range core.DefaultLimits.SignupPerIP.Burst + 1 {
		pw := newPassword()
		last = e.call(t, http.MethodPost, "/signup", hdr("Content-Type", ctJSON, "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1)),
			mustJSON(t, map[string]string{"email": newEmail(), "password": pw, "confirm_password": pw}))
		if i < core.DefaultLimits.SignupPerIP.Burst && last.status != http.StatusOK {
			t.Fatalf("signup %d: %s", i, last)
		}
	}
	if last.status != http.StatusTooManyRequests {
		t.Errorf("signup over the burst with a fresh X-Forwarded-For: %s, want 429", last)
	}
}
