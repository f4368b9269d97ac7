// The gate under revocation on another node, the failure throttle behind a
// proxy, and a database that is down.

package httpserver_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/httpserver"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/golang-jwt/jwt/v5"
)

// TestGateRevocationOtherNode: a credential of each kind, verified and
// cached by the gates of nodes a and b, is refused by it within a second of its
// deletion through node a's API, and for good (docs/security.md 11); node a
// refuses it from the next request. In a synctest bubble, on the clock the
// revocation feed runs by.
func TestGateRevocationOtherNode(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		db := newDatabase(t)
		master := func(o *core.Options) { o.MasterKey = bytes.Repeat([]byte{9}, 32) }
		na := newBubbleNode(t, db, httpserver.Options{}, master)
		nb := newBubbleNode(t, db, httpserver.Options{}, master)
		synctest.Wait() // both feeds have read the log once: the caches are trusted
		w := na.newGateWorld(t)

		type revocation struct {
			name   string
			creds  [][]string
			revoke func()
		}
		key := na.createKey(t, w.u.token, "doomed")
		tok := na.exchange(t, w.u.email, key.APIKey)
		appKey := na.createAppKey(t, w.acct.basic(), w.app.ID, "doomed")
		acct := na.issueAccountKey(t, w.u.email)
		app := na.createApp(t, w.acct.basic(), "doomed")
		appsKey := na.createAppKey(t, w.acct.basic(), app.ID, "doomed")
		other := na.newGateWorld(t) // an account deactivated by the operator on node a
		for _, rv := range []revocation{
			{"API key and its token", [][]string{hdr("X-API-Key", key.APIKey), bearer(tok), hdr("x-access-tokens", tok)}, func() {
				wantStatus(t, "delete the key on node a", na.deleteKey(t, w.u.token, key.ID), http.StatusOK)
			}},
			{"app key", [][]string{appKey.basic(), appKey.jwt(t)}, func() {
				wantStatus(t, "delete the app key on node a", na.call(t, http.MethodDelete, "/v2/apps/"+w.app.ID+"/keys/"+appKey.id, w.acct.basic(), ""), http.StatusOK)
			}},
			{"account key", [][]string{acct.basic(), acct.jwt(t)}, func() {
				wantStatus(t, "delete the account key on node a", na.call(t, http.MethodDelete, "/user/account-keys", withToken(w.u.token), mustJSON(t, map[string]string{"id": acct.id})), http.StatusOK)
			}},
			{"app", [][]string{appsKey.basic(), appsKey.jwt(t)}, func() {
				wantStatus(t, "delete the app on node a", na.call(t, http.MethodDelete, "/v2/apps/"+app.ID, w.acct.basic(), ""), http.StatusOK)
			}},
			{"account", [][]string{hdr("X-API-Key", other.key.APIKey), bearer(other.token), other.acct.basic(), other.appKey.jwt(t)}, func() {
				if _, err := na.svc.DeactivateUser(t.Context(), other.u.email); err != nil {
					t.Fatal(err)
				}
			}},
		} {
			for range 2 { // both nodes verify and cache each
				for _, h := range rv.creds {
					for _, n := range []*env{na, nb} {
						if r := n.verify(t, h); r.status != http.StatusOK {
							t.Fatalf("%s: before the revocation: %s", rv.name, r)
						}
					}
				}
			}
			rv.revoke()
			for _, h := range rv.creds {
				wantGateUnauthorized(t, rv.name+": node a, at once", na.verify(t, h))
			}
			for _, wait := range []time.Duration{time.Second, time.Minute, 10 * time.Minute} {
				time.Sleep(wait)
				for _, h := range rv.creds {
					wantGateUnauthorized(t, fmt.Sprintf("%s: node b, %v later", rv.name, wait), nb.verify(t, h))
				}
			}
		}
		// What was not revoked still passes on both nodes.
		for _, n := range []*env{na, nb} {
			wantIdentity(t, "the account's other key", n.verify(t, hdr("X-API-Key", w.key.APIKey)), w.userIdentity("api_key", w.key.ID, false))
			wantIdentity(t, "the account's other app key", n.verify(t, w.appKey.basic()), w.appIdentity(w.appKey, w.app.ID))
		}
	})
}

// TestGateThrottle: behind a trusted proxy the failure throttle counts the
// proxy's client (X-Forwarded-For), not the proxy. A burst of refusals of
// any kind from one client, an inactive account's key among them, is
// followed by 429 {"error":"rate_limited"} with Retry-After and no
// database read; a credential the gate has cached still passes from that
// client, one it would have to look up does not; another client behind
// the same proxy is not affected; the budget refills.
func TestGateThrottle(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		bad  func(t *testing.T, w gateWorld, pending user) []string
		code int // within the burst
	}{
		{"no credential", func(*testing.T, gateWorld, user) []string { return nil }, 401},
		{"garbage", func(*testing.T, gateWorld, user) []string { return hdr("x-access-tokens", "garbage") }, 401},
		{"unknown API key", func(*testing.T, gateWorld, user) []string { return hdr("X-API-Key", credential.NewAPIKey()) }, 401},
		{"two credentials", func(_ *testing.T, w gateWorld, _ user) []string {
			return hdr("X-API-Key", w.key.APIKey, "x-access-tokens", w.key.APIKey)
		}, 401},
		{"wrong secret", func(_ *testing.T, w gateWorld, _ user) []string {
			return hdr("Authorization", "Basic "+basicValue(w.appKey.id, "wrong"))
		}, 401},
		{"JWT wrong secret", func(t *testing.T, w gateWorld, _ user) []string {
			return bearer(signJWT(t, w.appKey.id, "wrong", jwt.MapClaims{"scope": "app", "jti": randHex(8)}))
		}, 401},
		{"inactive account", func(_ *testing.T, _ gateWorld, pending user) []string { return hdr("X-API-Key", pending.key) }, 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				burst := core.DefaultLimits.FailuresPerIP.Burst
				clk := newTestClock()
				e, n := proxiedEnv(t, startBubbleEnv, clk, core.Limits{SignupPerIP: core.Unlimited})
				w := e.newGateWorld(t)
				pending := e.signup(t)
				const attacker, bystander = "203.0.113.9", "192.0.2.20"
				synctest.Wait()
				warm := hdr("X-API-Key", w.key.APIKey)
				cold := w.appKey.jwt(t)
				if r := e.verify(t, from(bystander, warm)); r.status != http.StatusOK {
					t.Fatalf("warming the cache: %s", r)
				}
				for i := range burst {
					if r := e.verify(t, from(attacker, tc.bad(t, w, pending))); r.status != tc.code {
						t.Fatalf("refusal %d of the burst: %s, want %d", i, r, tc.code)
					}
				}
				before := n.all.Load()
				for i := range 5 {
					r := e.verify(t, from(attacker, tc.bad(t, w, pending)))
					if r.status != http.StatusTooManyRequests || string(r.body) != `{"error":"rate_limited"}` {
						t.Fatalf("refusal %d past the burst: %s, want 429 rate_limited", i, r)
					}
				}
				if r := e.verify(t, from(attacker, cold)); r.status != http.StatusTooManyRequests {
					t.Errorf("a credential not in the cache, from the throttled client: %s, want 429", r)
				}
				if d := n.all.Load() - before; d != 0 {
					t.Errorf("%d database reads while the client was throttled, want none", d)
				}
				wantIdentity(t, "a cached credential from the throttled client", e.verify(t, from(attacker, warm)), w.userIdentity("api_key", w.key.ID, false))
				wantIdentity(t, "another client behind the proxy", e.verify(t, from(bystander, cold)), w.appIdentity(w.appKey, w.app.ID))
				clk.Advance(core.DefaultLimits.FailuresPerIP.Every)
				if r := e.verify(t, from(attacker, tc.bad(t, w, pending))); r.status != tc.code {
					t.Errorf("after the refill: %s, want %d", r, tc.code)
				}
			})
		})
	}
}

// TestGateThrottleIgnoresUntrustedForwardedFor: from a peer that is not a
// trusted proxy, X-Forwarded-For is ignored: a client cannot buy a new
// failure budget by naming a new address.
func TestGateThrottleIgnoresUntrustedForwardedFor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withLimits(core.Limits{FailuresPerIP: ratelimit.Limit{Every: time.Hour, Burst: 3}}))
	var last result
	for i := range 4 {
		last = e.verify(t, from(fmt.Sprintf("198.51.100.%d", i+1), hdr("X-API-Key", credential.NewAPIKey())))
	}
	if last.status != http.StatusTooManyRequests {
		t.Errorf("the 4th refusal, each naming another X-Forwarded-For: %s, want 429", last)
	}
	// And behind a proxy that is trusted, each named client has its own.
	e2 := newNode(t, newDatabase(t), httpserver.Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
		withLimits(core.Limits{FailuresPerIP: ratelimit.Limit{Every: time.Hour, Burst: 3}}))
	for i := range 4 {
		wantGateUnauthorized(t, "each client its own budget", e2.verify(t, from(fmt.Sprintf("198.51.100.%d", i+1), hdr("X-API-Key", credential.NewAPIKey()))))
	}
}

// TestGateDatabaseDown: with the database gone, a credential the gate
// must look up is 503 {"error":"unavailable"} with Retry-After (never a
// 200, never a 401 that would say the key is bad); garbage, which needs
// no database, is still the 401.
func TestGateDatabaseDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.newGateWorld(t)
	e.closeStore(t)
	for name, h := range map[string][]string{
		"API key":             hdr("X-API-Key", w.key.APIKey),
		"access token":        bearer(w.token),
		"app key":             w.appKey.basic(),
		"account key JWT":     w.acct.jwt(t),
		"unknown well-formed": hdr("X-API-Key", credential.NewAPIKey()),
	} {
		r := e.verify(t, h)
		if r.status != http.StatusServiceUnavailable || string(r.body) != `{"error":"unavailable"}` {
			t.Errorf("%s with the database down: %s, want 503 unavailable", name, r)
		}
	}
	wantGateUnauthorized(t, "garbage with the database down", e.verify(t, hdr("X-API-Key", "garbage")))
	wantGateUnauthorized(t, "no credential with the database down", e.verify(t, nil))
}
