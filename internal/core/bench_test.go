package core_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/golang-jwt/jwt/v5"
)

// Verification on the hot path: a warm cache is the common case.
func BenchmarkAuthenticate(b *testing.B) {
	svc := core.New(openStore(b, ""), core.Options{Argon2: cheap})
	startFeed(b, svc)
	ctx := context.Background()
	key, _ := activeUser(b, svc, "a@example.com")
	tok, _, err := svc.ExchangeToken(ctx, "a@example.com", key, core.ClientInfo{})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, cred string }{{"APIKey", key}, {"Token", tok}} {
		b.Run(c.name+"/warm", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Authenticate(ctx, c.cred, core.ClientInfo{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/cold", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				core.ClearCache(svc)
				if _, err := svc.Authenticate(ctx, c.cred, core.ClientInfo{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// Garbage (a wrong last, checksum, character; a fixed "A" would leave
	// the key as it was whenever it already ended in "A") from no client
	// and from one IP, which the failure throttle counts and, past its
	// budget, answers 429: a flood's steady state.
	last := "A"
	if key[len(key)-1] == 'A' {
		last = "B"
	}
	bad := key[:len(key)-1] + last
	for _, c := range []struct {
		name string
		ci   core.ClientInfo
	}{{"Garbage", core.ClientInfo{}}, {"Garbage/from-IP", core.ClientInfo{IP: "192.0.2.7"}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Authenticate(ctx, bad, c.ci); err == nil {
					b.Fatal("garbage accepted")
				}
			}
		})
	}
}

// Sign-up latency with the production argon2id parameters.
func BenchmarkSignup(b *testing.B) {
	svc := core.New(openStore(b, ""), core.Options{Argon2: password.DefaultParams})
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		email := fmt.Sprintf("u%d@example.com", i)
		if _, _, err := svc.Signup(ctx, core.SignupInput{Email: email, Password: "password1", ConfirmPassword: "password1"}); err != nil {
			b.Fatal(err)
		}
	}
}

// Sunshine credentials on a warm cache: Basic (key id + secret) and an
// app-scoped JWT, the check every /v2 request makes.
func BenchmarkAuthenticateAppKey(b *testing.B) {
	svc := core.New(openStore(b, ""), core.Options{Argon2: cheap})
	startFeed(b, svc)
	ctx := context.Background()
	_, p := activeUser(b, svc, "a@example.com")
	acct, err := svc.CreateAccountKey(as(p), "bench")
	if err != nil {
		b.Fatal(err)
	}
	actx := gatehouse.NewContextWithPrincipal(ctx, gatehouse.Principal{UserID: p.UserID, Kind: gatehouse.CredAccountKey, CredID: acct.Key.ID})
	name := "bench"
	app, err := svc.CreateApp(actx, &name, gatehouse.AppSettingsPatch{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	k, err := svc.CreateAppKey(actx, app.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"scope": "app"})
	tok.Header["kid"] = k.Key.ID
	signed, err := tok.SignedString([]byte(k.Secret))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Basic/warm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := svc.AuthenticateKeySecret(ctx, k.Key.ID, k.Secret, core.ClientInfo{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("JWT/warm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := svc.AuthenticateJWT(ctx, signed, core.ClientInfo{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
