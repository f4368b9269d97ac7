package core_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/golang-jwt/jwt/v5"
)

// verifyWorld is an active account holding a credential of every kind,
// and a pending account holding an API key (sign-up's) and an account key
// (the operator's), for Verify.
type verifyWorld struct {
	svc                *core.Service
	email, pendingMail string
	userID, keyID      int64
	key, token         string
	acct               *core.AccountKeyView
	appID              string
	appKeyID, appKey   string // an app key of appID and its secret
	acctJWT, appJWT    string
	pendingKey         string
	pendingAcct        *core.AccountKeyView
}

func signHS256(t testing.TB, kid, secret, scope string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"scope": scope})
	tok.Header["kid"] = kid
	s, err := tok.SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newVerifyWorld(t testing.TB, svc *core.Service) *verifyWorld {
	t.Helper()
	ctx := context.Background()
	w := &verifyWorld{svc: svc, email: "v@example.com", pendingMail: "pending@example.com"}
	var p gatehouse.Principal
	w.key, p = activeUser(t, svc, w.email)
	w.userID, w.keyID = p.UserID, p.KeyID
	var err error
	if w.token, _, err = svc.ExchangeToken(ctx, w.email, w.key, core.ClientInfo{}); err != nil {
		t.Fatal(err)
	}
	if w.acct, err = svc.IssueAccountKey(ctx, w.email, "acct"); err != nil {
		t.Fatal(err)
	}
	pa := as(gatehouse.Principal{UserID: p.UserID, Email: p.Email, Kind: gatehouse.CredAccountKey, CredID: w.acct.Key.ID})
	app, err := svc.CreateApp(pa, new("app"), gatehouse.AppSettingsPatch{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := svc.CreateAppKey(pa, app.ID, "k")
	if err != nil {
		t.Fatal(err)
	}
	w.appID, w.appKeyID, w.appKey = app.ID, k.Key.ID, k.Secret
	w.acctJWT = signHS256(t, w.acct.Key.ID, w.acct.Secret, "account")
	w.appJWT = signHS256(t, w.appKeyID, w.appKey, "app")

	_, key, err := svc.Signup(ctx, core.SignupInput{Email: w.pendingMail, Password: "password1", ConfirmPassword: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	w.pendingKey = key
	if w.pendingAcct, err = svc.IssueAccountKey(ctx, w.pendingMail, "acct"); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestVerify: Verify admits every kind of credential, as the principal the
// dialects' checks give; refuses everything else with EUNAUTHORIZED (a
// credential of an inactive account that verifies with EINACTIVE, of every
// kind; one that does not verify with EUNAUTHORIZED); and takes no caller
// from the context.
func TestVerify(t *testing.T) {
	t.Parallel()
	svc := core.New(openStore(t, ""), core.Options{Argon2: cheap})
	w := newVerifyWorld(t, svc)
	ctx := context.Background()
	user := gatehouse.Principal{UserID: w.userID, Email: w.email, KeyID: w.keyID}
	with := func(p gatehouse.Principal, kind gatehouse.CredentialKind, credID, appID string) gatehouse.Principal {
		p.Kind, p.CredID, p.AppID = kind, credID, appID
		if credID != "" {
			p.KeyID = 0
		}
		return p
	}
	tests := []struct {
		name string
		cred core.Credential
		want gatehouse.Principal
		code string
	}{
		{"API key", core.UserCredential(w.key), with(user, gatehouse.CredAPIKey, "", ""), ""},
		{"access token", core.UserCredential(w.token), with(user, gatehouse.CredAccessToken, "", ""), ""},
		{"account key and secret", core.KeySecretCredential(w.acct.Key.ID, w.acct.Secret), with(user, gatehouse.CredAccountKey, w.acct.Key.ID, ""), ""},
		{"app key and secret", core.KeySecretCredential(w.appKeyID, w.appKey), with(user, gatehouse.CredAppKey, w.appKeyID, w.appID), ""},
		{"account JWT", core.JWTCredential(w.acctJWT), with(user, gatehouse.CredAccountKey, w.acct.Key.ID, ""), ""},
		{"app JWT", core.JWTCredential(w.appJWT), with(user, gatehouse.CredAppKey, w.appKeyID, w.appID), ""},

		{"no credential", core.Credential{}, gatehouse.Principal{}, gatehouse.EUNAUTHORIZED},
		{"garbage", core.UserCredential("not-a-key"), gatehouse.Principal{}, gatehouse.EUNAUTHORIZED},
		{"unknown API key", core.UserCredential(credential.NewAPIKey()), gatehouse.Principal{}, gatehouse.EUNAUTHORIZED},
		{"unknown access token", core.UserCredential(credential.NewAccessToken()), gatehouse.Principal{}, gatehouse.EUNAUTHORIZED},
		{"a JWT as a user credential", core.UserCredential(w.appJWT), gatehouse.Principal{}, gatehouse.EUNAUTHORIZED},
		{"an API key as a JWT", core.JWTCredential(w.key), gatehouse.Principal{}, gatehouse.EUNAUTHORIZED},
		{"wrong secret", core.KeySecretCredential(w.appKeyID, w.acct.Secret), gatehouse.Principal{}, gatehouse.EUNAUTHORIZED},
		{"an API key as a key id", core.KeySecretCredential(w.key, w.key), gatehouse.Principal{}, gatehouse.EUNAUTHORIZED},
		{"JWT of the wrong scope", core.JWTCredential(signHS256(t, w.appKeyID, w.appKey, "account")), gatehouse.Principal{}, gatehouse.EUNAUTHORIZED},
		{"pending account's API key", core.UserCredential(w.pendingKey), gatehouse.Principal{}, gatehouse.EINACTIVE},
		{"pending account's account key", core.KeySecretCredential(w.pendingAcct.Key.ID, w.pendingAcct.Secret), gatehouse.Principal{}, gatehouse.EINACTIVE},
		{"pending account's account JWT", core.JWTCredential(signHS256(t, w.pendingAcct.Key.ID, w.pendingAcct.Secret, "account")), gatehouse.Principal{}, gatehouse.EINACTIVE},
		{"pending account's account key, wrong secret", core.KeySecretCredential(w.pendingAcct.Key.ID, w.acct.Secret), gatehouse.Principal{}, gatehouse.EUNAUTHORIZED},
		{"pending account's account JWT, wrong secret", core.JWTCredential(signHS256(t, w.pendingAcct.Key.ID, w.acct.Secret, "account")), gatehouse.Principal{}, gatehouse.EUNAUTHORIZED},
		{"pending account's account JWT, wrong scope", core.JWTCredential(signHS256(t, w.pendingAcct.Key.ID, w.pendingAcct.Secret, "app")), gatehouse.Principal{}, gatehouse.EUNAUTHORIZED},
	}
	// The Sunshine surface's own checks keep answering an inactive
	// account's app or account key as any bad credential
	// (docs/security.md 8).
	if _, err := svc.AuthenticateKeySecret(ctx, w.pendingAcct.Key.ID, w.pendingAcct.Secret, core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
		t.Errorf("AuthenticateKeySecret, pending account's key: %v, want EUNAUTHORIZED", err)
	}
	if _, err := svc.AuthenticateJWT(ctx, signHS256(t, w.pendingAcct.Key.ID, w.pendingAcct.Secret, "account"), core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
		t.Errorf("AuthenticateJWT, pending account's key: %v, want EUNAUTHORIZED", err)
	}
	// A caller already in the context, of any kind, changes nothing.
	callers := map[string]context.Context{
		"no caller":             ctx,
		"an account key caller": as(gatehouse.Principal{UserID: w.userID + 100, Kind: gatehouse.CredAccountKey, CredID: "act_x"}),
		"an admin API key":      as(gatehouse.Principal{UserID: w.userID + 100, Kind: gatehouse.CredAPIKey, KeyID: 99, Admin: true, CAC: true}),
	}
	for _, tt := range tests {
		for cname, cctx := range callers {
			t.Run(tt.name+"/"+cname, func(t *testing.T) {
				p, err := svc.Verify(cctx, tt.cred, core.ClientInfo{})
				if got := gatehouse.ErrorCode(err); got != tt.code {
					t.Fatalf("Verify: %v (%q), want %q", err, got, tt.code)
				}
				if p != tt.want {
					t.Errorf("principal %+v, want %+v", p, tt.want)
				}
			})
		}
	}
}

// TestVerifyCountsEveryRefusal: every refusal Verify makes takes one of
// the client's failure budget, the credential it could not parse and an
// inactive account's included; past the budget every credential the cache
// does not hold is ERATELIMIT; another client is not affected.
func TestVerifyCountsEveryRefusal(t *testing.T) {
	t.Parallel()
	const burst = 3
	clk := newClock()
	svc := core.New(openStore(t, ""), core.Options{Argon2: cheap, Now: clk.Now, Limits: core.Limits{
		FailuresPerIP: ratelimit.Limit{Every: time.Minute, Burst: burst},
	}})
	w := newVerifyWorld(t, svc)
	ctx := context.Background()
	for i, tc := range []struct {
		name string
		cred core.Credential
		code string // the answer within the budget
	}{
		{"no credential", core.Credential{}, gatehouse.EUNAUTHORIZED},
		{"garbage", core.UserCredential("x"), gatehouse.EUNAUTHORIZED},
		{"unknown API key", core.UserCredential(credential.NewAPIKey()), gatehouse.EUNAUTHORIZED},
		{"wrong secret", core.KeySecretCredential(w.appKeyID, "wrong"), gatehouse.EUNAUTHORIZED},
		{"bad JWT", core.JWTCredential("a.b.c"), gatehouse.EUNAUTHORIZED},
		{"inactive", core.UserCredential(w.pendingKey), gatehouse.EINACTIVE},
		{"inactive account key", core.KeySecretCredential(w.pendingAcct.Key.ID, w.pendingAcct.Secret), gatehouse.EINACTIVE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ci := core.ClientInfo{IP: fmt.Sprintf("192.0.2.%d", i+1)}
			for i := range burst {
				if _, err := svc.Verify(ctx, tc.cred, ci); gatehouse.ErrorCode(err) != tc.code {
					t.Fatalf("refusal %d: %v, want %s", i, err, tc.code)
				}
			}
			_, err := svc.Verify(ctx, tc.cred, ci)
			if e, ok := err.(*gatehouse.Error); !ok || e.Code != gatehouse.ERATELIMIT || e.RetryAfter <= 0 {
				t.Fatalf("past the budget: %v, want ERATELIMIT with a wait", err)
			}
			if _, err := svc.Verify(ctx, core.UserCredential(w.token), ci); gatehouse.ErrorCode(err) != gatehouse.ERATELIMIT {
				t.Errorf("an uncached live token from the throttled client: %v, want ERATELIMIT", err)
			}
			if _, err := svc.Verify(ctx, core.UserCredential(w.token), core.ClientInfo{IP: "198.51.100.1"}); err != nil {
				t.Errorf("another client: %v", err)
			}
		})
	}
}

// TestCredentialPrintsNoSecret: a Credential formatted or logged shows its
// form only.
func TestCredentialPrintsNoSecret(t *testing.T) {
	t.Parallel()
	key := credential.NewAPIKey()
	for _, c := range []core.Credential{core.UserCredential(key), core.JWTCredential(key), core.KeySecretCredential("app_x", key), {}} {
		var logs bytes.Buffer
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "cred", c)
		slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "cred", c)
		for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), logs.String()} {
			if strings.Contains(s, key) {
				t.Errorf("%s shows the secret: %s", c, s)
			}
		}
	}
}

// benchCred is a credential of w the benchmarks verify, by name.
type benchCred struct {
	name string
	cred core.Credential
}

// benchCreds are w's live credentials, one of each kind.
func (w *verifyWorld) benchCreds() []benchCred {
	return []benchCred{
		{"APIKey", core.UserCredential(w.key)},
		{"Token", core.UserCredential(w.token)},
		{"AppBasic", core.KeySecretCredential(w.appKeyID, w.appKey)},
		{"AccountBasic", core.KeySecretCredential(w.acct.Key.ID, w.acct.Secret)},
		{"AppJWT", core.JWTCredential(w.appJWT)},
		{"AccountJWT", core.JWTCredential(w.acctJWT)},
	}
}

// Verify on a warm cache, for each kind of credential: the check every
// /auth/verify request makes, over the dialects' own paths.
func BenchmarkVerify(b *testing.B) {
	svc := core.New(openStore(b, ""), core.Options{Argon2: cheap})
	startFeed(b, svc)
	w := newVerifyWorld(b, svc)
	ctx := context.Background()
	for _, c := range w.benchCreds() {
		b.Run(c.name+"/warm", func(b *testing.B) {
			if _, err := svc.Verify(ctx, c.cred, core.ClientInfo{}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ci := core.ClientInfo{IP: "192.0.2.1"}
				for pb.Next() {
					if _, err := svc.Verify(ctx, c.cred, ci); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
	// A well-formed key (valid checksum) that was never stored, over and
	// over from no client (so the failure throttle never answers): what a
	// flood of one unknown key costs.
	b.Run("UnknownKey", func(b *testing.B) {
		unknown := core.UserCredential(credential.NewAPIKey())
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := svc.Verify(ctx, unknown, core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
					b.Errorf("unknown key: %v, want EUNAUTHORIZED", err)
					return
				}
			}
		})
	})
}

// BenchmarkVerifyCold is BenchmarkVerify with the processor's caches
// emptied before every check, as a server's are between two requests when
// the load generator, the kernel's network stack and other connections run
// on the same cores: a check that touches many cache lines (tables, map
// groups, cache entries) pays for each of them here, where the warm
// benchmark hides it. evict is how much memory is written between two
// checks; each check is timed alone (cold-ns/op; ns/op includes the
// evicting).
func BenchmarkVerifyCold(b *testing.B) {
	svc := core.New(openStore(b, ""), core.Options{Argon2: cheap})
	startFeed(b, svc)
	w := newVerifyWorld(b, svc)
	ctx := context.Background()
	for _, evict := range []int{1 << 20, 8 << 20} {
		junk := make([]byte, evict)
		for _, c := range w.benchCreds() {
			b.Run(fmt.Sprintf("%s/evict=%dMiB", c.name, evict>>20), func(b *testing.B) {
				ci := core.ClientInfo{IP: "192.0.2.1"}
				if _, err := svc.Verify(ctx, c.cred, ci); err != nil {
					b.Fatal(err)
				}
				var spent time.Duration
				for b.Loop() {
					for i := 0; i < len(junk); i += 64 {
						junk[i]++
					}
					t0 := time.Now()
					_, err := svc.Verify(ctx, c.cred, ci)
					spent += time.Since(t0)
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(spent.Nanoseconds())/float64(b.N), "cold-ns/op")
			})
		}
	}
}
