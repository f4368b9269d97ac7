package httpserver_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/httpserver"
	"github.com/golang-jwt/jwt/v5"
)

// offsetClock is real time plus an offset the test can advance, so
// throttles refill without sleeping.
type offsetClock struct{ off atomic.Int64 }

func (c *offsetClock) Now() time.Time              { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *offsetClock) Add(d time.Duration)         { c.off.Add(int64(d)) }
func withClock(c *offsetClock) func(*core.Options) { return func(o *core.Options) { o.Now = c.Now } }

func withLimits(l core.Limits) func(*core.Options) { return func(o *core.Options) { o.Limits = l } }

var waitRE = regexp.MustCompile(`try again in (\d+) seconds?\.`)

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
	e := newEnv(t, withClock(clk), withLimits(core.Limits{ExchangePerIP: core.Unlimited}))
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

// TestThrottleExchange429: token exchanges from one IP, successful or not,
// are throttled with 429 in the envelope; using the key directly is not.
func TestThrottleExchange429(t *testing.T) {
	t.Parallel()
	// A frozen clock: the bucket refills one exchange a second, and on a
	// loaded machine (-race, CI) the burst can take longer than that.
	e := newEnv(t, withLimits(core.Limits{SignupPerIP: core.Unlimited}), newTestClock().option())
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
}

// TestThrottleIgnoresForgedForwardedFor: a client that is not a trusted
// proxy cannot dodge the per-IP sign-up throttle with X-Forwarded-For.
func TestThrottleIgnoresForgedForwardedFor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withLimits(core.Limits{ExchangePerIP: core.Unlimited}))
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

// ---------------------------------------------------------------------------
// Failed credentials (docs/security.md 13): throttled per client IP, never per
// account, with known and unknown accounts treated alike.

// reads counts what a core asks of the database in read transactions:
// every use of a credential-bearing store (all), and the lookups of a
// credential by its hash or id (lookups), which every verification that
// misses the cache makes. The revocation feed reads only the revocation
// log, and the last-used flush writes, so neither is counted.
type reads struct{ all, lookups atomic.Int64 }

type countingStore struct {
	gatehouse.Store
	n *reads
}

func (s countingStore) View(ctx context.Context, fn func(gatehouse.Tx) error) error {
	return s.Store.View(ctx, func(tx gatehouse.Tx) error { return fn(countingTx{tx, s.n}) })
}

func (s countingStore) Read(ctx context.Context, fn func(gatehouse.Tx) error) error {
	return s.Store.Read(ctx, func(tx gatehouse.Tx) error { return fn(countingTx{tx, s.n}) })
}

type countingTx struct {
	gatehouse.Tx
	n *reads
}

func (t countingTx) Users() gatehouse.UserStore { t.n.all.Add(1); return t.Tx.Users() }
func (t countingTx) Apps() gatehouse.AppStore   { t.n.all.Add(1); return t.Tx.Apps() }
func (t countingTx) Keys() gatehouse.KeyStore {
	t.n.all.Add(1)
	return countingKeys{t.Tx.Keys(), t.n}
}
func (t countingTx) Tokens() gatehouse.TokenStore {
	t.n.all.Add(1)
	return countingTokens{t.Tx.Tokens(), t.n}
}
func (t countingTx) AppKeys() gatehouse.AppKeyStore {
	t.n.all.Add(1)
	return countingAppKeys{t.Tx.AppKeys(), t.n}
}
func (t countingTx) AccountKeys() gatehouse.AccountKeyStore {
	t.n.all.Add(1)
	return countingAccountKeys{t.Tx.AccountKeys(), t.n}
}

type countingKeys struct {
	gatehouse.KeyStore
	n *reads
}

func (s countingKeys) FindKeyByHash(ctx context.Context, h gatehouse.Hash) (*gatehouse.APIKey, error) {
	s.n.lookups.Add(1)
	return s.KeyStore.FindKeyByHash(ctx, h)
}

func (s countingKeys) FindKeyAndOwner(ctx context.Context, h gatehouse.Hash) (*gatehouse.APIKey, *gatehouse.User, error) {
	s.n.lookups.Add(1)
	return s.KeyStore.FindKeyAndOwner(ctx, h)
}

func (s countingKeys) LockKeyAndOwner(ctx context.Context, h gatehouse.Hash) (*gatehouse.APIKey, *gatehouse.User, error) {
	s.n.lookups.Add(1)
	return s.KeyStore.LockKeyAndOwner(ctx, h)
}

type countingTokens struct {
	gatehouse.TokenStore
	n *reads
}

func (s countingTokens) FindTokenByHash(ctx context.Context, h gatehouse.Hash) (*gatehouse.AccessToken, error) {
	s.n.lookups.Add(1)
	return s.TokenStore.FindTokenByHash(ctx, h)
}

func (s countingTokens) FindTokenAndOwner(ctx context.Context, h gatehouse.Hash) (*gatehouse.AccessToken, *gatehouse.User, error) {
	s.n.lookups.Add(1)
	return s.TokenStore.FindTokenAndOwner(ctx, h)
}

type countingAppKeys struct {
	gatehouse.AppKeyStore
	n *reads
}

func (s countingAppKeys) FindAppKeyByID(ctx context.Context, id string) (*gatehouse.AppKey, error) {
	s.n.lookups.Add(1)
	return s.AppKeyStore.FindAppKeyByID(ctx, id)
}

type countingAccountKeys struct {
	gatehouse.AccountKeyStore
	n *reads
}

func (s countingAccountKeys) FindAccountKeyByID(ctx context.Context, id string) (*gatehouse.AccountKey, error) {
	s.n.lookups.Add(1)
	return s.AccountKeyStore.FindAccountKeyByID(ctx, id)
}

// newProxiedEnv is newEnv behind a trusted proxy (127.0.0.0/8), so each
// request names its client in X-Forwarded-For (see from), on a clock the
// test moves, with the throttles limits does not turn off at their
// defaults. The reads it returns count what its core reads.
func newProxiedEnv(t *testing.T, clk *testClock, limits core.Limits) (*env, *reads) {
	t.Helper()
	return proxiedEnv(t, startEnv, clk, limits)
}

// proxiedEnv is newProxiedEnv served by start (startEnv, or startBubbleEnv
// inside a synctest bubble).
func proxiedEnv(t *testing.T, start func(*testing.T, gatehouse.Store, *core.Service, httpserver.Options) *env, clk *testClock, limits core.Limits) (*env, *reads) {
	t.Helper()
	st := openStore(t, newDatabase(t))
	n := new(reads)
	svc := core.New(countingStore{st, n}, core.Options{Argon2: cheapArgon2, Logger: testLog, Limits: limits, Now: clk.Now})
	return start(t, st, svc, httpserver.Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}), n
}

// from is headers sent on behalf of client ip (through the trusted proxy).
func from(ip string, headers []string) []string {
	return append(slices.Clip(headers), "X-Forwarded-For", ip)
}

// exchangeFrom calls get-token-with-api-key for client ip.
func (e *env) exchangeFrom(t *testing.T, ip, email, key string) result {
	t.Helper()
	return e.call(t, http.MethodPost, tokenPath, from(ip, hdr("Content-Type", ctJSON)),
		mustJSON(t, map[string]string{"email": email, "api_key": key}))
}

// comparable is what a client sees of an answer, without the parts that
// differ on every request.
func comparable(r result) string {
	h := r.header.Clone()
	h.Del("Date")
	h.Del("X-Request-Id")
	var lines []string
	for k, vs := range h {
		lines = append(lines, k+": "+strings.Join(vs, ", "))
	}
	slices.Sort(lines)
	return fmt.Sprintf("%d\n%s\n%s", r.status, strings.Join(lines, "\n"), r.body)
}

// TestThrottleExchangeOwnerNotLockedOut: wrong keys for an e-mail, from one
// IP or from many, never make the owner's right key fail: from another IP,
// nor from the guessing IP itself (a key carries 192 bits, so letting it
// through gains a guesser nothing, and that IP may be a NAT the owner
// shares). The guessing IP's own failures are throttled.
func TestThrottleExchangeOwnerNotLockedOut(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	e, _ := newProxiedEnv(t, clk, core.Limits{SignupPerIP: core.Unlimited})
	owner := e.newUser(t)
	other := e.newUser(t) // its key is well-formed and live, but not the owner's
	perAccount := core.DefaultLimits.ExchangeFailuresPerIPAccount.Burst

	const attacker = "203.0.113.66"
	for i := range 2 * perAccount {
		r := e.exchangeFrom(t, attacker, owner.email, other.key)
		want := http.StatusUnauthorized
		if i >= perAccount {
			want = http.StatusTooManyRequests
		}
		if r.status != want {
			t.Fatalf("wrong key %d from one IP: %s, want %d", i, r, want)
		}
		if want == http.StatusTooManyRequests {
			checkRetryAfter(t, r)
		}
	}
	// And from many addresses, each under its own budget.
	for i := range 12 {
		for range perAccount / 2 {
			if r := e.exchangeFrom(t, fmt.Sprintf("198.51.100.%d", i+1), owner.email, credential.NewAPIKey()); r.status != http.StatusUnauthorized {
				t.Fatalf("wrong key from 198.51.100.%d: %s, want 401", i+1, r)
			}
		}
	}
	ok := func(t *testing.T, r result) {
		var out struct {
			AccessToken string `json:"access_token"`
		}
		envelopeOf(t, r, &out)
		if credential.Classify(out.AccessToken) != credential.AccessToken {
			t.Errorf("no access token in %s", r)
		}
	}
	body := mustJSON(t, map[string]string{"email": owner.email, "api_key": owner.key})
	e.run(t, []scenario{
		{name: "the owner, from another IP", path: tokenPath, headers: from("192.0.2.10", hdr("Content-Type", ctJSON)), body: body, wantStatus: 200, check: ok},
		{name: "the owner, from the guessing IP", path: tokenPath, headers: from(attacker, hdr("Content-Type", ctJSON)), body: body, wantStatus: 200, check: ok},
		{name: "another account, from the guessing IP", path: tokenPath, headers: from(attacker, hdr("Content-Type", ctJSON)),
			body: mustJSON(t, map[string]string{"email": other.email, "api_key": other.key}), wantStatus: 200, check: ok},
		{name: "the owner's key used directly", path: keysPath, headers: from("192.0.2.10", withToken(owner.key)), body: `{}`, wantStatus: 200},
	})
}

// TestThrottleExchangeKnownUnknownAlike: an e-mail with an account and one
// without get the same answers, byte for byte and header for header, and
// reach 429 after the same number of tries from one IP: first on the
// budget per IP and e-mail, then, trying a new e-mail each time, on the
// budget per IP. Both refill alike.
func TestThrottleExchangeKnownUnknownAlike(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	e, _ := newProxiedEnv(t, clk, core.Limits{SignupPerIP: core.Unlimited, ExchangePerIP: core.Unlimited})
	perAccount := core.DefaultLimits.ExchangeFailuresPerIPAccount.Burst
	perIP := core.DefaultLimits.FailuresPerIP.Burst
	wrong := credential.NewAPIKey()

	// compare sends, for each try, the known and the unknown variant from
	// their own IPs and requires the same answers; it returns the index of
	// the first 429.
	compare := func(t *testing.T, tries int, known, unknown func(i int) result) int {
		t.Helper()
		first := -1
		for i := range tries {
			k, u := known(i), unknown(i)
			if comparable(k) != comparable(u) {
				t.Fatalf("try %d differs:\nknown e-mail:   %s\nunknown e-mail: %s", i, comparable(k), comparable(u))
			}
			switch k.status {
			case http.StatusUnauthorized:
			case http.StatusTooManyRequests:
				checkRetryAfter(t, k)
				if first < 0 {
					first = i
				}
			default:
				t.Fatalf("try %d: %s, want 401 or 429", i, k)
			}
		}
		return first
	}

	t.Run("one e-mail", func(t *testing.T) {
		u := e.newUser(t)
		nobody := newEmail()
		first := compare(t, perAccount+3,
			func(int) result { return e.exchangeFrom(t, "203.0.113.1", u.email, wrong) },
			func(int) result { return e.exchangeFrom(t, "203.0.113.2", nobody, wrong) })
		if first != perAccount {
			t.Errorf("first 429 at try %d, want %d (the budget per IP and e-mail)", first, perAccount)
		}
		clk.Advance(core.DefaultLimits.ExchangeFailuresPerIPAccount.Every)
		compare(t, 1,
			func(int) result { return e.exchangeFrom(t, "203.0.113.1", u.email, wrong) },
			func(int) result { return e.exchangeFrom(t, "203.0.113.2", nobody, wrong) })
	})

	t.Run("a new e-mail each try", func(t *testing.T) {
		known := make([]string, perIP+3)
		for i := range known {
			u := e.signup(t)
			e.activate(t, u.email)
			known[i] = u.email
		}
		first := compare(t, len(known),
			func(i int) result { return e.exchangeFrom(t, "203.0.113.3", known[i], wrong) },
			func(int) result { return e.exchangeFrom(t, "203.0.113.4", newEmail(), wrong) })
		if first != perIP {
			t.Errorf("first 429 at try %d, want %d (the budget per IP)", first, perIP)
		}
	})
}

// throttleFixture is a user of TestThrottleBadCredentials429 and its
// account key.
type throttleFixture struct {
	user user
	key  sunKey
}

// TestThrottleBadCredentials429: a burst of failed credential checks of any
// kind from one IP — bad Basic, bad JWT, unknown or malformed
// x-access-tokens, missing headers — is answered 429 with Retry-After in
// the dialect's envelope, with no database read. Meanwhile another IP's
// credentials work, and from the throttled IP a credential this node has
// already verified (a cache hit) still works, while one it would have to
// look up is refused with the same 429. The budget refills.
func TestThrottleBadCredentials429(t *testing.T) {
	t.Parallel()
	const sun = true
	cases := []struct {
		name     string
		sunshine bool
		bad      func(t *testing.T, fx throttleFixture) []string
	}{
		{"x-access-tokens garbage", !sun, func(*testing.T, throttleFixture) []string { return withToken("not-a-key") }},
		{"x-access-tokens bad checksum", !sun, func(_ *testing.T, fx throttleFixture) []string {
			k := []byte(fx.user.key)
			k[len(k)-1] ^= 1
			return withToken(string(k))
		}},
		{"x-access-tokens unknown API key", !sun, func(*testing.T, throttleFixture) []string { return withToken(credential.NewAPIKey()) }},
		{"x-access-tokens unknown access token", !sun, func(*testing.T, throttleFixture) []string { return withToken(credential.NewAccessToken()) }},
		{"X-API-Key unknown API key", !sun, func(*testing.T, throttleFixture) []string {
			return hdr("X-API-Key", credential.NewAPIKey(), "Content-Type", ctJSON)
		}},
		{"x-access-tokens repeated", !sun, func(_ *testing.T, fx throttleFixture) []string {
			return hdr("x-access-tokens", fx.user.key, "x-access-tokens", fx.user.key, "Content-Type", ctJSON)
		}},
		{"x-access-tokens missing", !sun, func(*testing.T, throttleFixture) []string { return hdr("Content-Type", ctJSON) }},
		{"Basic unknown key id", sun, func(*testing.T, throttleFixture) []string {
			return hdr("Authorization", "Basic "+basicValue("act_"+randHex(12), "not-the-secret"), "Content-Type", ctJSON)
		}},
		{"Basic wrong secret", sun, func(_ *testing.T, fx throttleFixture) []string {
			return hdr("Authorization", "Basic "+basicValue(fx.key.id, "not-the-secret"), "Content-Type", ctJSON)
		}},
		{"Basic malformed", sun, func(*testing.T, throttleFixture) []string {
			return hdr("Authorization", "Basic !!!", "Content-Type", ctJSON)
		}},
		{"JWT garbage", sun, func(*testing.T, throttleFixture) []string { return bearer("a.b.c") }},
		{"JWT wrong secret", sun, func(t *testing.T, fx throttleFixture) []string {
			return bearer(signJWT(t, fx.key.id, "not-the-secret", jwt.MapClaims{"scope": "account", "jti": randHex(8)}))
		}},
		{"JWT unknown kid", sun, func(t *testing.T, fx throttleFixture) []string {
			return bearer(signJWT(t, "act_"+randHex(12), fx.key.secret, jwt.MapClaims{"scope": "account"}))
		}},
		{"Authorization missing", sun, func(*testing.T, throttleFixture) []string { return hdr("Content-Type", ctJSON) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) { throttleBadCredentials(t, tc.sunshine, tc.bad) })
		})
	}
}

// throttleBadCredentials is one case of TestThrottleBadCredentials429, in
// a synctest bubble: synctest.Wait, not a poll, tells when the revocation
// feed has read the log (from then on the cache serves).
func throttleBadCredentials(t *testing.T, sunshine bool, bad func(t *testing.T, fx throttleFixture) []string) {
	burst := core.DefaultLimits.FailuresPerIP.Burst
	clk := newTestClock()
	e, n := proxiedEnv(t, startBubbleEnv, clk, core.Limits{SignupPerIP: core.Unlimited})
	u := e.newUser(t)
	fx := throttleFixture{user: u, key: e.issueAccountKey(t, u.email)}
	const attacker, bystander = "203.0.113.9", "192.0.2.20"
	method, path := http.MethodPost, "/user/get-user-api-keys"
	body := "{}"
	warm, cold := withToken(u.key), withToken(u.token)
	if sunshine {
		method, path, body = http.MethodGet, "/v2/apps", ""
		warm = fx.key.basic()
		cold = bearer(signJWT(t, fx.key.id, fx.key.secret, jwt.MapClaims{"scope": "account", "jti": randHex(8)}))
	}
	send := func(ip string, h []string) result { return e.call(t, method, path, from(ip, h), body) }
	// Warm the cache once the feed has read the log (it is trusted from
	// then on): the second use reads nothing.
	synctest.Wait()
	for i := range 2 {
		before := n.lookups.Load()
		if r := send(bystander, warm); r.status != http.StatusOK {
			t.Fatalf("warming the cache: %s", r)
		}
		if i == 1 && n.lookups.Load() != before {
			t.Fatal("the cache does not serve a verified credential")
		}
	}

	for i := range burst {
		if r := send(attacker, bad(t, fx)); r.status != http.StatusUnauthorized {
			t.Fatalf("bad credential %d of the burst: %s, want 401", i, r)
		}
	}
	before := n.all.Load()
	for i := range 20 {
		r := send(attacker, bad(t, fx))
		if r.status != http.StatusTooManyRequests {
			t.Fatalf("bad credential %d past the burst: %s, want 429", i, r)
		}
		checkRetryAfter(t, r)
		if sunshine {
			wantError(t, "past the burst", r, http.StatusTooManyRequests, "too_many_requests")
		} else {
			var env struct {
				Response string `json:"response"`
				Status   int    `json:"status"`
			}
			if err := json.Unmarshal(r.body, &env); err != nil || env.Status != http.StatusTooManyRequests || env.Response == "" {
				t.Fatalf("past the burst: not the Ask Sage 429 envelope: %s", r)
			}
		}
	}
	if r := send(attacker, cold); r.status != http.StatusTooManyRequests {
		t.Errorf("a credential not in the cache, from the throttled IP: %s, want 429", r)
	}
	if d := n.all.Load() - before; d != 0 {
		t.Errorf("%d database reads while the IP was throttled, want none", d)
	}

	if r := send(bystander, cold); r.status != http.StatusOK {
		t.Errorf("another IP's credential: %s, want 200", r)
	}
	if r := send(attacker, cold); r.status != http.StatusOK {
		t.Errorf("a cached credential from the throttled IP: %s, want 200", r)
	}
	if r := send(attacker, warm); r.status != http.StatusOK {
		t.Errorf("a cached credential from the throttled IP: %s, want 200", r)
	}

	clk.Advance(core.DefaultLimits.FailuresPerIP.Every)
	if r := send(attacker, bad(t, fx)); r.status != http.StatusUnauthorized {
		t.Errorf("after the refill: %s, want 401", r)
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
