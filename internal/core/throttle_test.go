package core_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/golang-jwt/jwt/v5"
)

// recorder is a store that logs the transactions core opens and the
// lookups and inserts it makes in them.
type recorder struct {
	gatehouse.Store
	mu    sync.Mutex
	calls []string
}

func (r *recorder) log(call string) {
	r.mu.Lock()
	r.calls = append(r.calls, call)
	r.mu.Unlock()
}

// take returns the calls logged since the last take.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.calls
	r.calls = nil
	return out
}

func (r *recorder) Update(ctx context.Context, fn func(gatehouse.Tx) error) error {
	r.log("Update")
	return r.Store.Update(ctx, func(tx gatehouse.Tx) error { return fn(recTx{tx, r}) })
}

func (r *recorder) View(ctx context.Context, fn func(gatehouse.Tx) error) error {
	r.log("View")
	return r.Store.View(ctx, func(tx gatehouse.Tx) error { return fn(recTx{tx, r}) })
}

func (r *recorder) Read(ctx context.Context, fn func(gatehouse.Tx) error) error {
	r.log("Read")
	return r.Store.Read(ctx, func(tx gatehouse.Tx) error { return fn(recTx{tx, r}) })
}

type recTx struct {
	gatehouse.Tx
	r *recorder
}

func (t recTx) Users() gatehouse.UserStore   { return recUsers{t.Tx.Users(), t.r} }
func (t recTx) Keys() gatehouse.KeyStore     { return recKeys{t.Tx.Keys(), t.r} }
func (t recTx) Tokens() gatehouse.TokenStore { return recTokens{t.Tx.Tokens(), t.r} }
func (t recTx) Logins() gatehouse.LoginStore { return recLogins{t.Tx.Logins(), t.r} }
func (t recTx) AppKeys() gatehouse.AppKeyStore {
	t.r.log("AppKeys")
	return t.Tx.AppKeys()
}
func (t recTx) AccountKeys() gatehouse.AccountKeyStore {
	t.r.log("AccountKeys")
	return t.Tx.AccountKeys()
}

type recUsers struct {
	gatehouse.UserStore
	r *recorder
}

func (s recUsers) FindUserByEmail(ctx context.Context, email string) (*gatehouse.User, error) {
	s.r.log("FindUserByEmail")
	return s.UserStore.FindUserByEmail(ctx, email)
}

func (s recUsers) FindUserByID(ctx context.Context, id int64) (*gatehouse.User, error) {
	s.r.log("FindUserByID")
	return s.UserStore.FindUserByID(ctx, id)
}

func (s recUsers) LockUser(ctx context.Context, id int64) (*gatehouse.User, error) {
	s.r.log("LockUser")
	return s.UserStore.LockUser(ctx, id)
}

type recKeys struct {
	gatehouse.KeyStore
	r *recorder
}

func (s recKeys) FindKeyByHash(ctx context.Context, h gatehouse.Hash) (*gatehouse.APIKey, error) {
	s.r.log("FindKeyByHash")
	return s.KeyStore.FindKeyByHash(ctx, h)
}

func (s recKeys) FindKeyAndOwner(ctx context.Context, h gatehouse.Hash) (*gatehouse.APIKey, *gatehouse.User, error) {
	s.r.log("FindKeyAndOwner")
	return s.KeyStore.FindKeyAndOwner(ctx, h)
}

func (s recKeys) LockKeyAndOwner(ctx context.Context, h gatehouse.Hash) (*gatehouse.APIKey, *gatehouse.User, error) {
	s.r.log("LockKeyAndOwner")
	return s.KeyStore.LockKeyAndOwner(ctx, h)
}

type recTokens struct {
	gatehouse.TokenStore
	r *recorder
}

func (s recTokens) FindTokenByHash(ctx context.Context, h gatehouse.Hash) (*gatehouse.AccessToken, error) {
	s.r.log("FindTokenByHash")
	return s.TokenStore.FindTokenByHash(ctx, h)
}

func (s recTokens) FindTokenAndOwner(ctx context.Context, h gatehouse.Hash) (*gatehouse.AccessToken, *gatehouse.User, error) {
	s.r.log("FindTokenAndOwner")
	return s.TokenStore.FindTokenAndOwner(ctx, h)
}

func (s recTokens) CreateToken(ctx context.Context, t *gatehouse.AccessToken) error {
	s.r.log("CreateToken")
	return s.TokenStore.CreateToken(ctx, t)
}

type recLogins struct {
	gatehouse.LoginStore
	r *recorder
}

func (s recLogins) CreateLogin(ctx context.Context, l *gatehouse.Login) error {
	s.r.log("CreateLogin")
	return s.LoginStore.CreateLogin(ctx, l)
}

func (s recLogins) CreateLoginAttempt(ctx context.Context, a *gatehouse.LoginAttempt) error {
	s.r.log("CreateLoginAttempt")
	return s.LoginStore.CreateLoginAttempt(ctx, a)
}

// TestExchangeFailuresSameWork: a wrong key for an existing account and any
// key for an e-mail no account has do the same work — one write
// transaction with the account lookup, the key lookup and one insert —
// and get the same error, before the throttle and past it.
func TestExchangeFailuresSameWork(t *testing.T) {
	t.Parallel()
	rec := &recorder{Store: openStore(t, "")}
	svc := core.New(rec, core.Options{Argon2: cheap, Limits: core.Limits{ExchangePerIP: core.Unlimited}})
	ctx := t.Context()
	activeUser(t, svc, "a@example.com")
	other, _ := activeUser(t, svc, "b@example.com")
	burst := core.DefaultLimits.ExchangeFailuresPerIPAccount.Burst

	for n, key := range []struct{ name, key string }{
		{"another account's key", other},
		{"a well-formed unknown key", credential.NewAPIKey()},
		{"a malformed key", "not-a-key"},
	} {
		t.Run(key.name, func(t *testing.T) {
			known := core.ClientInfo{IP: fmt.Sprintf("192.0.2.%d", 2*n+1)}
			unknown := core.ClientInfo{IP: fmt.Sprintf("192.0.2.%d", 2*n+2)}
			for i := range burst + 2 {
				rec.take()
				_, _, errK := svc.ExchangeToken(ctx, "A@example.com", key.key, known)
				callsK := rec.take()
				_, _, errU := svc.ExchangeToken(ctx, "nobody@example.com", key.key, unknown)
				callsU := rec.take()
				if fmt.Sprintf("%#v", errK) != fmt.Sprintf("%#v", errU) {
					t.Fatalf("try %d: known e-mail %#v, unknown e-mail %#v", i, errK, errU)
				}
				want := gatehouse.EUNAUTHORIZED
				if i >= burst {
					want = gatehouse.ERATELIMIT
				}
				if gatehouse.ErrorCode(errK) != want {
					t.Fatalf("try %d: %v, want %s", i, errK, want)
				}
				lookups := []string{"Update", "LockKeyAndOwner", "FindUserByEmail"}
				if credential.Classify(key.key) != credential.APIKey {
					lookups = []string{"Update", "FindUserByEmail"} // checksum first: no key lookup for either
				}
				if w := append(slices.Clip(lookups), "CreateLogin"); !slices.Equal(callsK, w) {
					t.Errorf("try %d, known e-mail: %v, want %v", i, callsK, w)
				}
				if w := append(slices.Clip(lookups), "CreateLoginAttempt"); !slices.Equal(callsU, w) {
					t.Errorf("try %d, unknown e-mail: %v, want %v", i, callsU, w)
				}
			}
		})
	}
}

// TestLoginAttempts: a failed exchange for an e-mail no account has is
// recorded for the operator, with the e-mail only when it is an address,
// and the key tried is stored nowhere.
func TestLoginAttempts(t *testing.T) {
	t.Parallel()
	db := newDatabase(t)
	store := openStore(t, db)
	clk := newClock()
	svc := core.New(store, core.Options{Argon2: cheap, Now: clk.Now})
	ctx := t.Context()
	tried := credential.NewAPIKey()
	ci := core.ClientInfo{IP: "203.0.113.5", UserAgent: "stuffer/1"}
	for _, email := range []string{"nobody@example.com", tried, "x" + tried + "@example.com", "not an address"} {
		if _, _, err := svc.ExchangeToken(ctx, email, tried, ci); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
			t.Fatalf("exchange for %q: %v, want EUNAUTHORIZED", email, err)
		}
	}
	attempts := func() []*gatehouse.LoginAttempt {
		var got []*gatehouse.LoginAttempt
		if err := store.View(ctx, func(tx gatehouse.Tx) error {
			var err error
			got, err = tx.Logins().FindLoginAttempts(ctx, 10)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	got := attempts()
	var emails []string
	for _, a := range got {
		if !a.At.Equal(clk.Now()) || a.IP != ci.IP || a.UserAgent != ci.UserAgent || a.Kind != gatehouse.LoginToken || a.Reason != "invalid api key" {
			t.Errorf("attempt %+v", a)
		}
		emails = append(emails, a.Email)
	}
	if want := []string{"", "", "", "nobody@example.com"}; !slices.Equal(emails, want) {
		t.Errorf("e-mails kept, newest first: %q, want %q", emails, want)
	}
	// Kept for 30 days.
	clk.Add(30*24*time.Hour + time.Second)
	svc.ExchangeToken(ctx, "later@example.com", tried, ci)
	core.Cleanup(svc, ctx)
	if got := attempts(); len(got) != 1 || got[0].Email != "later@example.com" {
		t.Errorf("after 30 days and a cleanup: %d attempts, want only the one made since", len(got))
	}
	if onPostgres {
		return
	}
	// The key is nowhere in the database files.
	store.Close()
	files, _ := filepath.Glob(db + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(tried)) || bytes.Contains(b, []byte(tried[5:])) {
			t.Errorf("%s holds the key tried", filepath.Base(f))
		}
	}
}

// TestFailureThrottle: every kind of failed credential check counts against
// the client's IP (an IPv6 client by its /64); past the budget the answer
// is ERATELIMIT with a wait, and no database read is made for anything the
// cache does not hold; a cached credential still passes; other IPs, and
// callers without an IP, are unaffected.
func TestFailureThrottle(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{Store: openStore(t, "")}
		clk := newClock()
		svc := core.New(rec, core.Options{Argon2: cheap, Now: clk.Now})
		ctx := t.Context()
		key, p := activeUser(t, svc, "a@example.com")
		acct, err := svc.CreateAccountKey(as(p), "k")
		if err != nil {
			t.Fatal(err)
		}
		sign := func(kid, sec string, claims jwt.MapClaims) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
			tok.Header["kid"] = kid
			s, err := tok.SignedString([]byte(sec))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		goodJWT := sign(acct.Key.ID, acct.Secret, jwt.MapClaims{"scope": "account"})
		badJWT := func() string {
			return sign(acct.Key.ID, "wrong", jwt.MapClaims{"scope": "account", "jti": credential.NewAPIKey()})
		}

		// The background work runs, as in production: the cache is trusted
		// once the revocation feed has read the log, and then serves.
		runFeed(t, svc)
		svc.Authenticate(ctx, key, core.ClientInfo{})
		rec.take()
		svc.Authenticate(ctx, key, core.ClientInfo{})
		if calls := lookups(rec.take()); len(calls) != 0 {
			t.Fatalf("the cache does not serve a verified credential: %v", calls)
		}
		burst := core.DefaultLimits.FailuresPerIP.Burst
		checks := []struct {
			name string
			bad  func(ci core.ClientInfo) error
			good func(ci core.ClientInfo) error // a credential not yet cached
		}{
			{"Authenticate, garbage",
				func(ci core.ClientInfo) error { _, err := svc.Authenticate(ctx, "garbage", ci); return err },
				func(ci core.ClientInfo) error { _, err := svc.Authenticate(ctx, key, ci); return err }},
			{"Authenticate, unknown key",
				func(ci core.ClientInfo) error {
					_, err := svc.Authenticate(ctx, credential.NewAPIKey(), ci)
					return err
				},
				func(ci core.ClientInfo) error { _, err := svc.Authenticate(ctx, key, ci); return err }},
			{"Authenticate, unknown token",
				func(ci core.ClientInfo) error {
					_, err := svc.Authenticate(ctx, credential.NewAccessToken(), ci)
					return err
				},
				func(ci core.ClientInfo) error { _, err := svc.Authenticate(ctx, key, ci); return err }},
			{"AuthenticateKeySecret, wrong secret",
				func(ci core.ClientInfo) error {
					_, err := svc.AuthenticateKeySecret(ctx, acct.Key.ID, "wrong", ci)
					return err
				},
				func(ci core.ClientInfo) error {
					_, err := svc.AuthenticateKeySecret(ctx, acct.Key.ID, acct.Secret, ci)
					return err
				}},
			{"AuthenticateKeySecret, malformed id",
				func(ci core.ClientInfo) error {
					_, err := svc.AuthenticateKeySecret(ctx, "nope", "wrong", ci)
					return err
				},
				func(ci core.ClientInfo) error {
					_, err := svc.AuthenticateKeySecret(ctx, acct.Key.ID, acct.Secret, ci)
					return err
				}},
			{"AuthenticateJWT, wrong secret",
				func(ci core.ClientInfo) error { _, err := svc.AuthenticateJWT(ctx, badJWT(), ci); return err },
				func(ci core.ClientInfo) error { _, err := svc.AuthenticateJWT(ctx, goodJWT, ci); return err }},
			{"AuthenticateJWT, garbage",
				func(ci core.ClientInfo) error { _, err := svc.AuthenticateJWT(ctx, "a.b.c", ci); return err },
				func(ci core.ClientInfo) error { _, err := svc.AuthenticateJWT(ctx, goodJWT, ci); return err }},
			{"Unauthenticated",
				func(ci core.ClientInfo) error { return svc.Unauthenticated(ci) },
				func(ci core.ClientInfo) error {
					_, err := svc.AuthenticateKeySecret(ctx, acct.Key.ID, acct.Secret, ci)
					return err
				}},
		}
		// Sequential: the checks share a service, and each takes its own IPs.
		// (No subtests: t.Run is not allowed in a bubble.)
		for i, c := range checks {
			func() {
				fail := func(format string, args ...any) {
					t.Helper()
					t.Errorf(c.name+": "+format, args...)
				}
				core.ClearCache(svc)
				a := core.ClientInfo{IP: fmt.Sprintf("2001:db8:%x::1", i+1)}
				sameNet := core.ClientInfo{IP: fmt.Sprintf("2001:db8:%x::ffff", i+1)}
				b := core.ClientInfo{IP: fmt.Sprintf("2001:db8:%x:1::1", i+1)}
				for j := range burst {
					if err := c.bad(a); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
						fail("failure %d: %v, want EUNAUTHORIZED", j, err)
						return
					}
				}
				rec.take()
				for _, ci := range []core.ClientInfo{a, sameNet} {
					err := c.bad(ci)
					if gatehouse.ErrorCode(err) != gatehouse.ERATELIMIT || gatehouse.ErrorRetryAfter(err) <= 0 {
						fail("a failure from %s past the burst: %v, want ERATELIMIT with a wait", ci.IP, err)
						return
					}
					if err := c.good(ci); gatehouse.ErrorCode(err) != gatehouse.ERATELIMIT {
						fail("an uncached credential from %s past the burst: %v, want ERATELIMIT", ci.IP, err)
						return
					}
				}
				if calls := lookups(rec.take()); len(calls) != 0 {
					fail("database reads while throttled: %v, want none", calls)
				}
				if err := c.good(b); err != nil {
					fail("another /64: %v", err)
				}
				if err := c.good(a); err != nil {
					fail("the throttled IP, once the credential is cached: %v", err)
				}
				if err := c.bad(core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
					fail("no client IP: %v, want EUNAUTHORIZED", err)
				}
			}()
		}
		clk.Add(core.DefaultLimits.FailuresPerIP.Every)
		if err := checks[0].bad(core.ClientInfo{IP: "2001:db8:1::1"}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
			t.Errorf("after the refill: %v, want EUNAUTHORIZED", err)
		}
	})
}

// lookups drops the transactions from calls, leaving what was read: the
// background work opens transactions of its own (the revocation feed reads
// only the revocation log, the last-used flush writes).
func lookups(calls []string) []string {
	return slices.DeleteFunc(calls, func(c string) bool { return c == "View" || c == "Update" })
}

// BenchmarkExchangeFailure times failed exchanges for a known e-mail with a
// wrong key and for an unknown e-mail, interleaved on one SQLite file, and
// reports each one's median, which must not tell the two apart.
//
//	go test -run '^$' -bench ExchangeFailure -benchtime 2000x ./internal/core/
func BenchmarkExchangeFailure(b *testing.B) {
	svc := core.New(openStore(b, ""), core.Options{Argon2: cheap})
	ctx := context.Background()
	activeUser(b, svc, "a@example.com")
	wrong, _ := activeUser(b, svc, "b@example.com")
	var known, unknown []time.Duration
	i := 0
	for b.Loop() {
		i++
		// No client IP: nothing is throttled.
		emails := []string{"a@example.com", fmt.Sprintf("nobody%d@example.com", i)}
		if i%2 == 0 {
			emails[0], emails[1] = emails[1], emails[0]
		}
		for _, email := range emails {
			start := time.Now()
			_, _, err := svc.ExchangeToken(ctx, email, wrong, core.ClientInfo{UserAgent: "bench"})
			d := time.Since(start)
			if gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
				b.Fatal(err)
			}
			if strings.HasPrefix(email, "a@") {
				known = append(known, d)
			} else {
				unknown = append(unknown, d)
			}
		}
	}
	median := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)/2].Nanoseconds()) / 1e3
	}
	b.ReportMetric(median(known), "known-median-µs")
	b.ReportMetric(median(unknown), "unknown-median-µs")
}
