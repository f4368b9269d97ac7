package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/credential"
)

// TestNegativeCache: a well-formed credential the database does not know
// costs one read a second however often it comes, of every kind (an API
// key, an access token, a Basic pair, a JWT); each refusal still counts
// in the client's failure budget (TestVerifyCountsEveryRefusal); an
// inactive account's key is read every time, so that its activation
// applies at once; a key created after its hash was refused verifies at
// once.
func TestNegativeCache(t *testing.T) {
	t.Parallel()
	clk := newClock()
	store := &countingStore{Store: openStore(t, "")}
	svc := core.New(store, core.Options{Argon2: cheap, Now: clk.Now})
	w := newVerifyWorld(t, svc)
	ctx := context.Background()
	reads := func(what string, cred core.Credential, code string, n int) int64 {
		t.Helper()
		store.armed.Store(true)
		defer store.armed.Store(false)
		before := store.txs.Load()
		for i := range n {
			if _, err := svc.Verify(ctx, cred, core.ClientInfo{}); gatehouse.ErrorCode(err) != code {
				t.Fatalf("%s, verification %d: %v, want %s", what, i, err, code)
			}
		}
		return store.txs.Load() - before
	}
	for _, c := range []struct {
		name string
		cred core.Credential
	}{
		{"unknown API key", core.UserCredential(credential.NewAPIKey())},
		{"unknown access token", core.UserCredential(credential.NewAccessToken())},
		{"unknown app key id", core.KeySecretCredential("app_0123456789abcdef01234567", "secret")},
		{"wrong secret", core.KeySecretCredential(w.appKeyID, w.acct.Secret)},
		{"JWT with a wrong signature", core.JWTCredential(signHS256(t, w.appKeyID, w.acct.Secret, "app"))},
		{"JWT of the wrong scope", core.JWTCredential(signHS256(t, w.appKeyID, w.appKey, "account"))},
	} {
		if n := reads(c.name, c.cred, gatehouse.EUNAUTHORIZED, 50); n != 1 {
			t.Errorf("%s, 50 times in a second: %d reads, want 1", c.name, n)
		}
	}
	clk.Add(time.Second)
	if n := reads("unknown API key a second later", core.UserCredential(credential.NewAPIKey()), gatehouse.EUNAUTHORIZED, 2); n != 1 {
		t.Errorf("a new unknown key: %d reads for 2 verifications, want 1", n)
	}

	// An inactive account's key is read each time, and its activation
	// applies at once.
	if n := reads("pending account's key", core.UserCredential(w.pendingKey), gatehouse.EINACTIVE, 3); n != 3 {
		t.Errorf("pending account's key, 3 times: %d reads, want 3 (never remembered)", n)
	}
	if n := reads("pending account's account key", core.KeySecretCredential(w.pendingAcct.Key.ID, w.pendingAcct.Secret), gatehouse.EINACTIVE, 3); n != 3 {
		t.Errorf("pending account's account key, 3 times: %d reads, want 3 (never remembered)", n)
	}
	if _, err := svc.ActivateUser(ctx, w.pendingMail); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Verify(ctx, core.UserCredential(w.pendingKey), core.ClientInfo{}); err != nil {
		t.Errorf("the key right after activation: %v", err)
	}
	if _, err := svc.Verify(ctx, core.KeySecretCredential(w.pendingAcct.Key.ID, w.pendingAcct.Secret), core.ClientInfo{}); err != nil {
		t.Errorf("the account key right after activation: %v", err)
	}
}
