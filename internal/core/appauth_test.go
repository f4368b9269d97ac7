package core_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
)

// TestAuthenticateJWTMalformedCostsNoRead: a token that does not decode
// strictly (docs/security.md 15a) is refused before its key is looked up, so it
// opens no transaction, even when it is signed with the key's real secret;
// the same token written canonically verifies.
func TestAuthenticateJWTMalformedCostsNoRead(t *testing.T) {
	store := &countingStore{Store: openStore(t, "")}
	svc := core.New(store, core.Options{Argon2: cheap})
	w := newAuthzWorld(t, svc)
	ctx := context.Background()
	k := must(svc.CreateAppKey(w.acct, w.app, "jwt"))(t)
	enc := base64.RawURLEncoding
	sign := func(h64, p64 string) string {
		m := hmac.New(sha256.New, []byte(k.Secret))
		m.Write([]byte(h64 + "." + p64))
		return h64 + "." + p64 + "." + enc.EncodeToString(m.Sum(nil))
	}
	hdr := func(extra string) string {
		return enc.EncodeToString([]byte(`{"alg":"HS256","kid":"` + k.Key.ID + `"` + extra + `}`))
	}
	pay := enc.EncodeToString([]byte(`{"scope":"app"}`))
	good := sign(hdr(""), pay)
	// The signature's last character with an unused low bit set: 32 bytes
	// are 43 characters, the last carrying 2 unused bits.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	lowBit := good[:len(good)-1] + string(alphabet[strings.IndexByte(alphabet, good[len(good)-1])|1])
	if lowBit == good {
		t.Fatal("the low-bit case equals the good token")
	}
	for _, c := range []struct{ name, token string }{
		{"crit naming an unknown header", sign(hdr(`,"crit":["x-unknown"]`), pay)},
		{"crit empty", sign(hdr(`,"crit":[]`), pay)},
		{"duplicate kid", sign(hdr(`,"kid":"`+k.Key.ID+`"`), pay)},
		{"duplicate scope", sign(hdr(""), enc.EncodeToString([]byte(`{"scope":"account","scope":"app"}`)))},
		{"signature with an unused bit set", lowBit},
		{"padded signature", good + "="},
	} {
		t.Run(c.name, func(t *testing.T) {
			core.ClearCache(svc)
			store.armed.Store(true)
			defer store.armed.Store(false)
			before := store.txs.Load()
			if _, err := svc.AuthenticateJWT(ctx, c.token, core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
				t.Errorf("%q: %v, want EUNAUTHORIZED", c.token, err)
			}
			if n := store.txs.Load() - before; n != 0 {
				t.Errorf("a malformed token opened %d transactions", n)
			}
		})
	}
	core.ClearCache(svc)
	if p, err := svc.AuthenticateJWT(ctx, good, core.ClientInfo{}); err != nil || p.Kind != gatehouse.CredAppKey {
		t.Fatalf("the canonical token: %+v, %v", p, err)
	}
}
