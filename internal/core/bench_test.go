package core_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/secret"
)

// Verification on the hot path: a warm cache is the common case.
func BenchmarkAuthenticate(b *testing.B) {
	svc := core.New(openStore(b, ""), core.Options{Argon2: cheap})
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
				if _, err := svc.Authenticate(ctx, c.cred); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/cold", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				core.ClearCache(svc)
				if _, err := svc.Authenticate(ctx, c.cred); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("Garbage", func(b *testing.B) {
		// A wrong last (checksum) character; a fixed "A" would leave
		// the key as it was whenever it already ended in "A" (one key
		// in four), and the benchmark would fail.
		last := "A"
		if key[len(key)-1] == 'A' {
			last = "B"
		}
		bad := key[:len(key)-1] + last
		b.ReportAllocs()
		for b.Loop() {
			if _, err := svc.Authenticate(ctx, bad); err == nil {
				b.Fatal("garbage accepted")
			}
		}
	})
}

// Sign-up latency with the production argon2id parameters.
func BenchmarkSignup(b *testing.B) {
	svc := core.New(openStore(b, ""), core.Options{Argon2: secret.DefaultArgon2})
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
