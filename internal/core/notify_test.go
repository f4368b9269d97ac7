package core_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
)

// TestRevocationNoticesAcrossNodes (PostgreSQL): two nodes on one database,
// each with its revocation feed listening for notices. A key deleted on
// one is refused by the other, which had it cached, within 50 ms at the
// median over 100 trials: the notice, not the feed's poll, told it (a poll
// alone takes up to 200 ms, about 100 at the median). The median, not the
// 99th percentile, is what it asserts: on a loaded 2-core CI machine a few
// trials wait for the scheduler (p99 54 ms once, with p50 8 ms), and the
// bound on every trial is the feed's contract, a second. The p99 is
// logged. Skips without a PostgreSQL server (fails under
// GATEHOUSE_TEST_REQUIRE=1).
func TestRevocationNoticesAcrossNodes(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	a, _ := listeningNode(t, dsn)
	b, _ := listeningNode(t, dsn)
	ctx := context.Background()
	_, p := activeUser(t, a, "a@example.com")
	user := as(p)
	time.Sleep(300 * time.Millisecond) // both listeners are up (each wakes its feed once on connecting)
	var lat []time.Duration
	for i := range 100 {
		k, key, err := a.CreateKey(user, "k")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Authenticate(ctx, key, core.ClientInfo{}); err != nil { // cached on b
			t.Fatal(err)
		}
		start := time.Now()
		if err := a.DeleteKey(user, k.ID); err != nil {
			t.Fatal(err)
		}
		for {
			_, err := b.Authenticate(ctx, key, core.ClientInfo{})
			if gatehouse.ErrorCode(err) == gatehouse.EUNAUTHORIZED {
				break
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("trial %d: node b still accepts the key 5 s after its deletion (%v)", i, err)
			}
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	p50, p99, worst := lat[49], lat[98], lat[99]
	t.Logf("revocation seen by the other node: p50 %v, p99 %v, max %v over %d trials", p50, p99, worst, len(lat))
	if p50 > 50*time.Millisecond {
		t.Errorf("p50 %v, want at most 50ms: the other node learnt of the deletion by polling, not by notice", p50)
	}
	if worst > time.Second {
		t.Errorf("max %v, want at most the feed's 1 s", worst)
	}
}

// TestRevocationLateCommitReachesCache (PostgreSQL): a key's deletion that
// commits after a later revocation has already been applied still reaches
// every node's cache. A transaction on node A deletes key 1 and logs it,
// and stays open; meanwhile node A deletes key 2 (a later seq, committed at
// once), and node B, which has both cached, refuses key 2. When the first
// transaction commits, B refuses key 1 too. A feed that moved past "the
// last seq it read" would keep accepting key 1 from its cache for as long as
// it stays cached.
func TestRevocationLateCommitReachesCache(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	a, storeA := listeningNode(t, dsn)
	b, _ := listeningNode(t, dsn)
	ctx := context.Background()
	_, p := activeUser(t, a, "a@example.com")
	user := as(p)
	k1, key1, err := a.CreateKey(user, "one")
	if err != nil {
		t.Fatal(err)
	}
	k2, key2, err := a.CreateKey(user, "two")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{key1, key2} {
		if _, err := b.Authenticate(ctx, key, core.ClientInfo{}); err != nil { // cached on b
			t.Fatal(err)
		}
	}
	refused := func(key string) bool {
		_, err := b.Authenticate(ctx, key, core.ClientInfo{})
		return gatehouse.ErrorCode(err) == gatehouse.EUNAUTHORIZED
	}
	waitRefused := func(what, key string) {
		t.Helper()
		for start := time.Now(); !refused(key); time.Sleep(time.Millisecond) {
			if time.Since(start) > 2*time.Second {
				t.Fatalf("node b still accepts %s 2 s after its deletion committed", what)
			}
		}
	}
	logged, release, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		held <- storeA.Update(ctx, func(tx gatehouse.Tx) error {
			if err := tx.Keys().DeleteKey(ctx, p.UserID, k1.ID); err != nil {
				return err
			}
			if err := tx.Revocations().CreateRevocation(ctx, &gatehouse.Revocation{Kind: gatehouse.RevokeKey, SubjectID: k1.ID, At: time.Now().UTC()}); err != nil {
				return err
			}
			close(logged)
			<-release
			return nil
		})
	}()
	<-logged
	if err := a.DeleteKey(user, k2.ID); err != nil {
		close(release)
		t.Fatal(err)
	}
	waitRefused("key 2", key2)
	time.Sleep(3 * 200 * time.Millisecond) // a few of b's polls, with key 1's deletion in flight
	if refused(key1) {
		t.Fatal("node b refused key 1 before its deletion committed")
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	waitRefused("key 1", key1)
}

// listeningNode is a node on the PostgreSQL database dsn whose revocation
// feed runs, listening for notices, and has read the log once.
func listeningNode(t *testing.T, dsn string) (*core.Service, *postgres.Store) {
	t.Helper()
	st, err := postgres.Open(context.Background(), dsn, postgres.Options{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	svc := core.New(st, core.Options{Argon2: cheap, RevocationNotices: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })
	for !core.FeedRead(svc) {
		time.Sleep(time.Millisecond)
	}
	return svc, st
}
