package core_test

import (
	"context"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/apierror"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/seal"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// The tests run on SQLite files, or, with GATEHOUSE_TEST_STORE=postgres, on
// PostgreSQL (the server named by GATEHOUSE_TEST_POSTGRES, which must then
// be set: asking for PostgreSQL fails rather than skips without it).
var onPostgres = os.Getenv("GATEHOUSE_TEST_STORE") == "postgres"

// newDatabase is an empty database, gone when t ends: a SQLite file path or
// the DSN of a fresh PostgreSQL schema, for openStore.
func newDatabase(t testing.TB) string {
	t.Helper()
	if onPostgres {
		if !pgtest.Configured() {
			t.Fatal("GATEHOUSE_TEST_STORE=postgres but GATEHOUSE_TEST_POSTGRES is unset: " + pgtest.SkipMessage)
		}
		return pgtest.SchemaDSN(t)
	}
	return filepath.Join(t.TempDir(), "g.db")
}

// openStore opens the store at db (from newDatabase; "" is a fresh one),
// closed when t ends. Stores opened on one db share it.
func openStore(t testing.TB, db string) gatehouse.Store {
	t.Helper()
	if db == "" {
		db = newDatabase(t)
	}
	var s gatehouse.Store
	var err error
	if onPostgres {
		s, err = postgres.Open(context.Background(), db, postgres.Options{MaxConns: 8})
	} else {
		s, err = sqlite.Open(context.Background(), db, sqlite.Options{})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// clock is an injectable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
func newClock() *clock               { return &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }
func as(p gatehouse.Principal) context.Context {
	return gatehouse.NewContextWithPrincipal(context.Background(), p)
}

// runFeed runs svc's background work until t ends, and (in a
// testing/synctest bubble, where the feed's timers are the bubble's)
// waits until the revocation feed has read the log once: from then on the
// cache is trusted.
func runFeed(t *testing.T, svc *core.Service) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	synctest.Wait()
	if !core.FeedRead(svc) {
		t.Fatal("the revocation feed has not read the log")
	}
}

// startFeed is runFeed for benchmarks, which cannot run in a bubble: it
// polls until the feed has read the log.
func startFeed(b *testing.B, svc *core.Service) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(5 * time.Second); !core.FeedRead(svc); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("the revocation feed never read the log")
		}
	}
}

// activeUser signs up an active user and returns its key and principal.
func activeUser(t testing.TB, svc *core.Service, email string) (string, gatehouse.Principal) {
	t.Helper()
	ctx := context.Background()
	_, key, err := svc.Signup(ctx, core.SignupInput{Email: email, Password: "password1", ConfirmPassword: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ActivateUser(ctx, email); err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, key, core.ClientInfo{})
	if err != nil {
		t.Fatal(err)
	}
	return key, p
}

func TestTokenLivesExactly24Hours(t *testing.T) {
	clk := newClock()
	svc := core.New(openStore(t, ""), core.Options{Argon2: cheap, Now: clk.Now})
	key, _ := activeUser(t, svc, "a@example.com")
	tok, exp, err := svc.ExchangeToken(context.Background(), "a@example.com", key, core.ClientInfo{IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := exp.Sub(clk.Now()); got != 86400*time.Second {
		t.Fatalf("expiry = now + %v, want 86400s", got)
	}
	clk.Add(86399 * time.Second)
	if _, err := svc.Authenticate(context.Background(), tok, core.ClientInfo{}); err != nil {
		t.Fatalf("token refused 1 s before expiry: %v", err)
	}
	clk.Add(time.Second)
	if _, err := svc.Authenticate(context.Background(), tok, core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
		t.Fatalf("token at expiry: %v, want EUNAUTHORIZED", err)
	}
	core.ClearCache(svc)
	if _, err := svc.Authenticate(context.Background(), tok, core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
		t.Fatalf("token at expiry from the database: %v, want EUNAUTHORIZED", err)
	}
}

func TestDeleteKeyKillsItsTokensAtOnce(t *testing.T) {
	svc := core.New(openStore(t, ""), core.Options{Argon2: cheap})
	ctx := context.Background()
	key, p := activeUser(t, svc, "a@example.com")
	k2, key2, err := svc.CreateKey(as(p), "second")
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := svc.ExchangeToken(ctx, "a@example.com", key2, core.ClientInfo{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{key2, tok} { // warm the cache
		if _, err := svc.Authenticate(ctx, c, core.ClientInfo{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.DeleteKey(as(p), k2.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{key2, tok} {
		if _, err := svc.Authenticate(ctx, c, core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
			t.Errorf("after delete: %v, want EUNAUTHORIZED", err)
		}
	}
	if _, err := svc.Authenticate(ctx, key, core.ClientInfo{}); err != nil {
		t.Errorf("the other key died too: %v", err)
	}
}

// Racing deletes of one key: exactly one wins; the key never validates
// afterwards, even with verifications racing the deletes.
func TestRacingDeletes(t *testing.T) {
	svc := core.New(openStore(t, ""), core.Options{Argon2: cheap})
	ctx := context.Background()
	_, p := activeUser(t, svc, "a@example.com")
	k, key, err := svc.CreateKey(as(p), "victim")
	if err != nil {
		t.Fatal(err)
	}
	var wins, notFound atomic.Int32
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					svc.Authenticate(ctx, key, core.ClientInfo{})
				}
			}
		})
	}
	var dwg sync.WaitGroup
	for range 16 {
		dwg.Go(func() {
			switch err := svc.DeleteKey(as(p), k.ID); gatehouse.ErrorCode(err) {
			case "":
				wins.Add(1)
			case gatehouse.ENOTFOUND:
				notFound.Add(1)
			default:
				t.Errorf("delete: %v", err)
			}
		})
	}
	dwg.Wait()
	close(stop)
	wg.Wait()
	if wins.Load() != 1 || notFound.Load() != 15 {
		t.Fatalf("wins=%d notFound=%d, want 1 and 15", wins.Load(), notFound.Load())
	}
	for range 100 {
		if _, err := svc.Authenticate(ctx, key, core.ClientInfo{}); err == nil {
			t.Fatal("a deleted key validated")
		}
	}
}

// Two services on one database stand for two nodes, or a server and an
// admin command: a deactivation on one reaches the other's cache through
// the revocation log within a second (docs/security.md 11's p99 bound). In a
// synctest bubble: the feed polls on the bubble's clock, so the bound is
// checked exactly, without waiting for it.
func TestRevocationFeedAcrossServices(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := newDatabase(t)
		a := core.New(openStore(t, db), core.Options{Argon2: cheap})
		b := core.New(openStore(t, db), core.Options{Argon2: cheap})
		runFeed(t, a)

		key, _ := activeUser(t, b, "a@example.com")
		tok, _, err := b.ExchangeToken(context.Background(), "a@example.com", key, core.ClientInfo{})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // verified, then served from a's cache
			for _, c := range []string{key, tok} {
				if _, err := a.Authenticate(context.Background(), c, core.ClientInfo{}); err != nil {
					t.Fatalf("node a refused a live credential: %v", err)
				}
			}
		}
		if _, err := b.DeactivateUser(context.Background(), "a@example.com"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		for _, c := range []string{key, tok} {
			if _, err := a.Authenticate(context.Background(), c, core.ClientInfo{}); err == nil {
				t.Errorf("node a still accepts a revoked credential 1 s after the deactivation")
			}
		}
	})
}

func TestExchangeWritesLoginRows(t *testing.T) {
	svc := core.New(openStore(t, ""), core.Options{Argon2: cheap})
	ctx := context.Background()
	_, key, err := svc.Signup(ctx, core.SignupInput{Email: "a@example.com", Password: "password1", ConfirmPassword: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	ci := core.ClientInfo{IP: "192.0.2.1", UserAgent: "test/1"}
	if _, _, err := svc.ExchangeToken(ctx, "a@example.com", key, ci); gatehouse.ErrorCode(err) != gatehouse.EINACTIVE {
		t.Fatalf("pending exchange: %v, want EINACTIVE", err)
	}
	svc.ActivateUser(ctx, "a@example.com")
	if _, _, err := svc.ExchangeToken(ctx, "A@Example.com", key+"x", ci); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
		t.Fatalf("bad key: %v, want EUNAUTHORIZED", err)
	}
	if _, _, err := svc.ExchangeToken(ctx, "nobody@example.com", key, ci); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
		t.Fatalf("unknown email: %v, want EUNAUTHORIZED", err)
	}
	if _, _, err := svc.ExchangeToken(ctx, "a@example.com", key, ci); err != nil {
		t.Fatal(err)
	}
	p, _ := svc.Authenticate(ctx, key, core.ClientInfo{})
	ls, err := svc.ListLogins(as(p), 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range ls {
		if l.IP != ci.IP || l.UserAgent != ci.UserAgent || l.Kind != gatehouse.LoginToken {
			t.Errorf("login row %+v", l)
		}
		got = append(got, fmt.Sprint(l.Success))
	}
	if strings.Join(got, ",") != "true,false,false" {
		t.Fatalf("logins newest first = %v, want true,false,false", got)
	}
}

// The password-hash cap turns a sign-up flood into quick refusals instead
// of unbounded memory.
func TestHashConcurrencyCap(t *testing.T) {
	svc := core.New(openStore(t, ""), core.Options{
		Argon2:              password.Params{Memory: 8 * 1024, Time: 3, Threads: 1, SaltLen: 16, KeyLen: 32},
		MaxConcurrentHashes: 1,
		HashWait:            time.Millisecond,
	})
	var ok, busy atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			email := fmt.Sprintf("u%d@example.com", i)
			_, _, err := svc.Signup(context.Background(), core.SignupInput{Email: email, Password: "password1", ConfirmPassword: "password1"})
			switch gatehouse.ErrorCode(err) {
			case "":
				ok.Add(1)
			case gatehouse.EUNAVAILABLE:
				busy.Add(1)
			default:
				t.Errorf("signup: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() == 0 || busy.Load() == 0 {
		t.Fatalf("ok=%d busy=%d: want both some successes and some refusals", ok.Load(), busy.Load())
	}
}

// core must not depend on HTTP or on a storage backend (docs/architecture.md, "Layers and import direction").
func TestCoreImports(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(build.Default.GOROOT, "bin", "go")
	}
	out, err := exec.Command(gobin, "list", "-deps", "github.com/gatehouse/gatehouse/internal/core").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v: %s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "net/http" || strings.Contains(dep, "internal/store") || strings.Contains(dep, "internal/api") || strings.Contains(dep, "sqlite") {
			t.Errorf("internal/core depends on %s", dep)
		}
	}
}

func TestThrottles(t *testing.T) {
	clk := newClock()
	svc := core.New(openStore(t, ""), core.Options{Argon2: cheap, Now: clk.Now})
	ctx := context.Background()
	key, _ := activeUser(t, svc, "a@example.com")
	bad := credential.NewAPIKey()

	// Failed exchanges from one IP for one e-mail: ten, then throttled
	// until the bucket refills. The right key is never refused for them:
	// not from another IP, not from that IP.
	attacker := core.ClientInfo{IP: "192.0.2.1"}
	for i := range 10 {
		if _, _, err := svc.ExchangeToken(ctx, "a@example.com", bad, attacker); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
			t.Fatalf("failure %d: %v, want EUNAUTHORIZED", i, err)
		}
	}
	if _, _, err := svc.ExchangeToken(ctx, "a@example.com", bad, attacker); gatehouse.ErrorCode(err) != gatehouse.ERATELIMIT {
		t.Fatalf("failure 11: %v, want ERATELIMIT", err)
	}
	for _, ci := range []core.ClientInfo{{IP: "198.51.100.1"}, attacker} {
		if _, _, err := svc.ExchangeToken(ctx, "a@example.com", key, ci); err != nil {
			t.Fatalf("the right key from %s after 11 failures from %s: %v", ci.IP, attacker.IP, err)
		}
	}
	clk.Add(6 * time.Second)
	if _, _, err := svc.ExchangeToken(ctx, "a@example.com", bad, attacker); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
		t.Fatalf("after the refill: %v, want EUNAUTHORIZED", err)
	}

	// Sign-ups per IP: a burst of 20, then one per 6 s.
	ci := core.ClientInfo{IP: "203.0.113.9"}
	signup := func(i int) error {
		_, _, err := svc.Signup(ctx, core.SignupInput{Email: fmt.Sprintf("s%d@example.com", i), Password: "password1", ConfirmPassword: "password1", Client: ci})
		return err
	}
	for i := range 20 {
		if err := signup(i); err != nil {
			t.Fatalf("signup %d: %v", i, err)
		}
	}
	if err := signup(20); gatehouse.ErrorCode(err) != gatehouse.ERATELIMIT {
		t.Fatalf("signup 21: %v, want ERATELIMIT", err)
	}
	clk.Add(6 * time.Second)
	if err := signup(21); err != nil {
		t.Fatalf("signup after refill: %v", err)
	}
}

// The master key is checked against the database: the same key passes,
// again and again; another key is refused before it can seal or open
// anything.
func TestCheckMasterKey(t *testing.T) {
	store := openStore(t, "")
	key := func(b byte) []byte {
		k := make([]byte, seal.MasterKeyLen)
		for i := range k {
			k[i] = b
		}
		return k
	}
	a := core.New(store, core.Options{Argon2: cheap, MasterKey: key(1)})
	for range 2 {
		if err := a.CheckMasterKey(context.Background()); err != nil {
			t.Fatalf("first key: %v", err)
		}
	}
	if err := core.New(store, core.Options{Argon2: cheap, MasterKey: key(1)}).CheckMasterKey(context.Background()); err != nil {
		t.Fatalf("same key, another service: %v", err)
	}
	err := core.New(store, core.Options{Argon2: cheap, MasterKey: key(2)}).CheckMasterKey(context.Background())
	if gatehouse.ErrorCode(err) != gatehouse.EINVALID || !strings.Contains(apierror.Text(err), "master key differs") {
		t.Fatalf("another key: %v, want the master-key refusal", err)
	}
}

// A node trusts its cache only once its revocation feed has read the log:
// a revocation made by another process before that first read (before Run,
// or between a verification and Run's start) is never missed.
func TestCacheUntrustedBeforeFirstFeedRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := newDatabase(t)
		a := core.New(openStore(t, db), core.Options{Argon2: cheap})
		b := core.New(openStore(t, db), core.Options{Argon2: cheap})
		ctx := context.Background()
		_, p := activeUser(t, b, "a@example.com")
		k1, key1, err := b.CreateKey(as(p), "one")
		if err != nil {
			t.Fatal(err)
		}
		k2, key2, err := b.CreateKey(as(p), "two")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{key1, key2} { // node a verifies (and caches) both
			if _, err := a.Authenticate(ctx, c, core.ClientInfo{}); err != nil {
				t.Fatal(err)
			}
		}

		// Another process deletes key 1 while a's feed has not started.
		if err := b.DeleteKey(as(p), k1.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, key1, core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
			t.Errorf("before the feed's first read, a deleted key: %v, want EUNAUTHORIZED", err)
		}

		// Key 2 is deleted after a verified it but before a's feed starts:
		// the feed's first read must not make the stale entry trusted.
		if _, err := a.Authenticate(ctx, key2, core.ClientInfo{}); err != nil {
			t.Fatal(err)
		}
		if err := b.DeleteKey(as(p), k2.ID); err != nil {
			t.Fatal(err)
		}
		runFeed(t, a)
		if _, err := a.Authenticate(ctx, key2, core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
			t.Fatalf("after the feed's first read, a key deleted before it: %v, want EUNAUTHORIZED", err)
		}
	})
}
