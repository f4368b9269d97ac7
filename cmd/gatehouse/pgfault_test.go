package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The tests here restart and kill -9 a PostgreSQL server under a running
// gatehouse node, so each starts a throwaway cluster of its own with
// .ci/start-postgres.sh (which needs root and the Debian/Ubuntu postgresql
// package) and never touches the one GATEHOUSE_TEST_POSTGRES names.

// faultRecoveryBound is how soon after the database accepts connections
// again gatehouse must serve writes, without being restarted.
const faultRecoveryBound = 2 * time.Second

// dbProbe dials the database every 10 ms, as a new client would, and
// records which attempts succeeded.
type dbProbe struct {
	mu       sync.Mutex
	attempts []probeAttempt
}

type probeAttempt struct {
	start, end time.Time
	ok         bool
}

func (p *dbProbe) run(ctx context.Context, dsn string) {
	for ctx.Err() == nil {
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		conn, err := pgx.Connect(cctx, dsn)
		if err == nil {
			conn.Close(cctx)
		}
		cancel()
		if ctx.Err() != nil {
			return
		}
		p.mu.Lock()
		p.attempts = append(p.attempts, probeAttempt{start, time.Now(), err == nil})
		p.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
}

// upAgain returns when the database accepted connections again after the
// last failed attempt since since: the start of the first successful
// attempt after it. ok is false when no attempt failed.
func (p *dbProbe) upAgain(since time.Time) (down, up time.Time, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	last := -1
	for i, a := range p.attempts {
		if !a.ok && !a.start.Before(since) {
			if down.IsZero() {
				down = a.start
			}
			last = i
		}
	}
	if last < 0 {
		return time.Time{}, time.Time{}, false
	}
	for _, a := range p.attempts[last+1:] {
		if a.ok {
			return down, a.start, true
		}
	}
	return down, time.Time{}, false
}

// loadResult is one answer the client loops saw, with the test phase it
// was sent in.
type loadResult struct {
	kind  string // "write", "read" or "readyz"
	phase int32
	httpResult
}

// faultLoad drives a node with writers (POST /user/user-api-key, the id
// recorded only from a 200), a reader of a cached key's listing and a
// /readyz poller, and records every answer.
type faultLoad struct {
	t     *testing.T
	base  atomic.Pointer[string]
	phase atomic.Int32
	http  *http.Client

	accounts []string // API keys, one per account
	mu       sync.Mutex
	next     int             // account the next write goes to
	used     []int           // write attempts per account
	acked    map[int][]int64 // account → key ids acknowledged with 200
	results  []loadResult

	stop context.CancelFunc
	wg   sync.WaitGroup
}

// maxWritesPerAccount keeps each account under the 100-key limit (its
// sign-up key, plus writes that answered 503 but may have committed).
const maxWritesPerAccount = 95

func newFaultLoad(t *testing.T, base string, accounts []string) *faultLoad {
	l := &faultLoad{
		t:        t,
		http:     &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}},
		accounts: accounts,
		used:     make([]int, len(accounts)),
		acked:    map[int][]int64{},
	}
	l.base.Store(&base)
	return l
}

func (l *faultLoad) record(kind string, phase int32, r httpResult) {
	l.mu.Lock()
	l.results = append(l.results, loadResult{kind, phase, r})
	l.mu.Unlock()
}

// start runs writers writer loops (one request every pace each), a reader
// and a /readyz poller until stopLoad.
func (l *faultLoad) start(writers int, pace time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	l.stop = cancel
	for range writers {
		l.wg.Go(func() {
			for ctx.Err() == nil {
				l.mu.Lock()
				for l.next < len(l.accounts) && l.used[l.next] >= maxWritesPerAccount {
					l.next++
				}
				if l.next == len(l.accounts) {
					l.mu.Unlock()
					l.t.Errorf("writers ran out of accounts (%d × %d writes); the test needs more accounts or a slower pace", len(l.accounts), maxWritesPerAccount)
					return
				}
				acct := l.next
				l.used[acct]++
				l.mu.Unlock()
				phase := l.phase.Load()
				r := callHTTP(l.http, http.MethodPost, *l.base.Load()+"/user/user-api-key", xAccess(l.accounts[acct]), map[string]string{"name": "fault"})
				l.record("write", phase, r)
				if r.err == nil && r.status == http.StatusOK {
					var out struct {
						Response createdAPIKey `json:"response"`
						Status   int           `json:"status"`
					}
					if err := json.Unmarshal(r.body, &out); err != nil || out.Response.ID == 0 || out.Status != http.StatusOK {
						l.t.Errorf("a 200 write without a key id: %s (%v)", r, err)
					} else {
						l.mu.Lock()
						l.acked[acct] = append(l.acked[acct], out.Response.ID)
						l.mu.Unlock()
					}
				}
				time.Sleep(pace)
			}
		})
	}
	l.wg.Go(func() {
		for ctx.Err() == nil {
			phase := l.phase.Load()
			l.record("read", phase, callHTTP(l.http, http.MethodPost, *l.base.Load()+"/user/get-user-api-keys", xAccess(l.accounts[0]), map[string]any{}))
			time.Sleep(pace)
		}
	})
	l.wg.Go(func() {
		for ctx.Err() == nil {
			phase := l.phase.Load()
			l.record("readyz", phase, callHTTP(l.http, http.MethodGet, *l.base.Load()+"/readyz", nil, nil))
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func (l *faultLoad) stopLoad() {
	l.stop()
	l.wg.Wait()
}

func (l *faultLoad) snapshot() []loadResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]loadResult(nil), l.results...)
}

// waitWriteOK waits until a write sent after after answered 200 and
// returns when that answer arrived.
func (l *faultLoad) waitWriteOK(after time.Time, timeout time.Duration) (time.Time, bool) {
	deadline := time.Now().Add(timeout)
	for {
		for _, r := range l.snapshot() {
			if r.kind == "write" && r.err == nil && r.status == http.StatusOK && !r.sent.Before(after) {
				return r.recv, true
			}
		}
		if time.Now().After(deadline) {
			return time.Time{}, false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// firstWriteOKAfter is when the first 200 write answered after t.
func firstWriteOKAfter(rs []loadResult, t time.Time) (time.Time, bool) {
	var first time.Time
	for _, r := range rs {
		if r.kind == "write" && r.err == nil && r.status == http.StatusOK && r.recv.After(t) && (first.IsZero() || r.recv.Before(first)) {
			first = r.recv
		}
	}
	return first, !first.IsZero()
}

// checkAnswers asserts every answer was 200 or a 503 in the Ask Sage
// envelope ({"response": ..., "status": 503}); a transport error is
// allowed only for a request that failed between errorsFrom and errorsTo
// (a node being killed and started again; zero times: never). It returns
// the counts per outcome.
func (l *faultLoad) checkAnswers(rs []loadResult, errorsFrom, errorsTo time.Time) map[string]int {
	t := l.t
	t.Helper()
	counts := map[string]int{}
	bad := 0
	report := func(format string, args ...any) {
		bad++
		if bad <= 10 {
			t.Errorf(format, args...)
		}
	}
	for _, r := range rs {
		switch {
		case r.err != nil:
			counts[r.kind+" error"]++
			if errorsFrom.IsZero() || r.recv.Before(errorsFrom) || r.recv.After(errorsTo) {
				report("%s (phase %d) sent at %s: %v; the node must answer 200 or 503 while the database is away", r.kind, r.phase, r.sent.Format("15:04:05.000"), r)
			}
		case r.status == http.StatusOK:
			counts[r.kind+" 200"]++
		case r.status == http.StatusServiceUnavailable:
			counts[r.kind+" 503"]++
			if r.kind == "readyz" {
				continue // /readyz has its own body
			}
			var env struct {
				Response json.RawMessage `json:"response"`
				Status   int             `json:"status"`
			}
			if err := json.Unmarshal(r.body, &env); err != nil || env.Status != http.StatusServiceUnavailable || len(env.Response) == 0 || string(env.Response) == "null" {
				report("%s (phase %d): 503 not in the Ask Sage envelope {\"response\": ..., \"status\": 503}: %s", r.kind, r.phase, r)
			}
		default:
			counts[fmt.Sprintf("%s %d", r.kind, r.status)]++
			report("%s (phase %d) at %s: %s; want 200, or 503 while the database is away (never 500 or another code)", r.kind, r.phase, r.sent.Format("15:04:05.000"), r)
		}
	}
	if bad > 10 {
		t.Errorf("... and %d more bad answers", bad-10)
	}
	return counts
}

// checkAcked lists every account's keys through the node at base and
// asserts that every key id a write acknowledged with 200 is there.
func (l *faultLoad) checkAcked(base string) (acked, present int) {
	t := l.t
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for acct, ids := range l.acked {
		r := callHTTP(l.http, http.MethodPost, base+"/user/get-user-api-keys", xAccess(l.accounts[acct]), map[string]any{})
		if r.err != nil || r.status != http.StatusOK {
			t.Fatalf("listing account %d's keys after recovery: %s, want 200", acct, r)
		}
		var out struct {
			Response []struct {
				ID int64 `json:"id"`
			} `json:"response"`
		}
		mustUnmarshal(t, r.body, &out)
		have := map[int64]bool{}
		for _, k := range out.Response {
			have[k.ID] = true
		}
		present += len(have) - 1 // not the sign-up key
		missing := 0
		for _, id := range ids {
			acked++
			if !have[id] {
				missing++
				if missing <= 5 {
					t.Errorf("account %d: key id %d was acknowledged with 200 but is not in get-user-api-keys after recovery (a 200 without a durable commit)", acct, id)
				}
			}
		}
		if missing > 5 {
			t.Errorf("account %d: %d acknowledged key ids missing in all", acct, missing)
		}
	}
	return acked, present
}

// signupAccounts signs up n accounts on c and returns their API keys.
func signupAccounts(t *testing.T, c *apiClient, prefix string, n int) []string {
	t.Helper()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = signupVia(t, c, fmt.Sprintf("%s.%d@example.com", prefix, i), "correct horse battery staple")
	}
	return keys
}

// killNode kill -9s a node and waits for it to be gone.
func killNode(t *testing.T, s *server) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill -9 gatehouse: %v", err)
	}
	<-s.done
	s.exited = true
}

func readyzStatus(c *http.Client, base string) int {
	r := callHTTP(c, http.MethodGet, base+"/readyz", nil, nil)
	if r.err != nil {
		return 0
	}
	return r.status
}

// TestPostgresRestart restarts PostgreSQL (the cluster's own fast restart)
// under a node serving reads and writes: every answer is 200, for a write
// only if it committed, or 503 in the Ask Sage envelope, never 500;
// /readyz answers 503 while the database is away and 200 after; writes
// succeed again within 2 s of the database accepting connections, with no
// restart of gatehouse.
func TestPostgresRestart(t *testing.T) {
	cl := startPrivateCluster(t)
	h := newE2E(t)
	h.env = append(h.env, "GATEHOUSE_MASTER_KEY="+newMasterKeyHex(t))
	node := h.startServerFlags(t.TempDir(), "--db", cl.dsn, "--open-signup")
	base := "http://" + node.addr
	c := &apiClient{t: t, base: base, http: &http.Client{Timeout: 10 * time.Second}}
	c.waitHealthy()
	if st := readyzStatus(c.http, base); st != http.StatusOK {
		t.Fatalf("GET /readyz before the restart: %d, want 200", st)
	}
	accounts := signupAccounts(t, c, "restart", 8)
	// The reader's key is verified once, so the loop below reads with a
	// cached key.
	if st, body := c.do(http.MethodPost, "/user/get-user-api-keys", accounts[0], map[string]any{}); st != http.StatusOK {
		t.Fatalf("get-user-api-keys: status %d; body %s", st, body)
	}

	probeCtx, stopProbe := context.WithCancel(context.Background())
	probe := &dbProbe{}
	var probeWG sync.WaitGroup
	probeWG.Go(func() { probe.run(probeCtx, cl.dsn) })
	defer func() { stopProbe(); probeWG.Wait() }()

	load := newFaultLoad(t, base, accounts)
	load.start(2, 10*time.Millisecond)
	stopped := false
	defer func() {
		if !stopped {
			load.stopLoad()
		}
	}()
	if _, ok := load.waitWriteOK(time.Now(), 10*time.Second); !ok {
		t.Fatalf("no write answered 200 before the restart")
	}
	time.Sleep(500 * time.Millisecond)

	load.phase.Store(1)
	restartAt := time.Now()
	cl.mustRun("restart")
	scriptDone := time.Now()
	load.phase.Store(2)

	firstOK, ok := load.waitWriteOK(scriptDone, 10*time.Second)
	if !ok {
		t.Errorf("no write answered 200 within 10 s of the restart finishing (gatehouse did not recover without a restart)")
	}
	time.Sleep(time.Second)
	load.stopLoad()
	stopped = true
	stopProbe()
	probeWG.Wait()

	rs := load.snapshot()
	counts := load.checkAnswers(rs, time.Time{}, time.Time{})
	t.Logf("answers: %v", counts)
	logPanics(t, h)

	down, up, sawOutage := probe.upAgain(restartAt)
	switch {
	case sawOutage:
		t.Logf("database refused connections from %v to %v after the restart began (script returned at %v)",
			down.Sub(restartAt).Round(time.Millisecond), up.Sub(restartAt).Round(time.Millisecond), scriptDone.Sub(restartAt).Round(time.Millisecond))
	case down.IsZero():
		t.Logf("the probe never saw the database refuse a connection; measuring from the restart script's return")
	default:
		t.Logf("the probe saw no connection succeed after the last refusal; measuring from the restart script's return")
	}
	if !sawOutage {
		up = scriptDone
	}
	if ok {
		if f, found := firstWriteOKAfter(rs, up); found {
			firstOK = f
		}
		recovery := max(firstOK.Sub(up), 0)
		t.Logf("RECOVERY restart: first 200 write %v after the database accepted connections again", recovery.Round(time.Millisecond))
		if recovery > faultRecoveryBound {
			t.Errorf("RECOVERY restart: first 200 write %v after the database accepted connections, want ≤ %v", recovery.Round(time.Millisecond), faultRecoveryBound)
		}
	}
	// Once recovered, it stays recovered: no 503 for anything sent later
	// than the bound after the database came back.
	for _, r := range rs {
		if r.err == nil && r.status == http.StatusServiceUnavailable && r.sent.After(up.Add(faultRecoveryBound)) {
			t.Errorf("%s sent %v after the database accepted connections again still answered 503: %s", r.kind, r.sent.Sub(up).Round(time.Millisecond), r)
			break
		}
	}
	// /readyz saw the outage and the recovery.
	readyz503 := 0
	for _, r := range rs {
		if r.kind == "readyz" && r.err == nil && r.status == http.StatusServiceUnavailable && !r.sent.Before(restartAt) {
			readyz503++
		}
	}
	if readyz503 == 0 {
		t.Errorf("GET /readyz never answered 503 while the database restarted (%d polls); it must reflect database reachability", counts["readyz 200"]+counts["readyz 503"])
	}
	if st := readyzStatus(c.http, base); st != http.StatusOK {
		t.Errorf("GET /readyz after the restart: %d, want 200", st)
	}
	if counts["write 503"]+counts["read 503"] == 0 {
		t.Logf("note: no request answered 503; the outage fell between requests")
	}
	select {
	case err := <-node.done:
		node.exited = true
		t.Fatalf("gatehouse exited during the restart: %v", err)
	default:
	}

	acked, present := load.checkAcked(base)
	t.Logf("writes acknowledged with 200: %d; keys present afterwards: %d (more when a 503 write had committed)", acked, present)
	node.stop()
}

// TestPostgresKill9 runs writes, each acknowledged only after its commit,
// through a crash of PostgreSQL (kill -9 of the postmaster and its
// children, then crash recovery) and then a kill -9 of the gatehouse node
// itself, restarted on the same database: every acknowledged write is
// there afterwards, and the node answered only 200 or 503 throughout.
func TestPostgresKill9(t *testing.T) {
	cl := startPrivateCluster(t)
	h := newE2E(t)
	h.env = append(h.env, "GATEHOUSE_MASTER_KEY="+newMasterKeyHex(t))
	dataDir := t.TempDir()
	node := h.startServerFlags(dataDir, "--db", cl.dsn, "--open-signup")
	base := "http://" + node.addr
	c := &apiClient{t: t, base: base, http: &http.Client{Timeout: 10 * time.Second}}
	c.waitHealthy()
	accounts := signupAccounts(t, c, "kill9", 16)

	load := newFaultLoad(t, base, accounts)
	load.start(3, 10*time.Millisecond)
	stopped := false
	defer func() {
		if !stopped {
			load.stopLoad()
		}
	}()
	if _, ok := load.waitWriteOK(time.Now(), 10*time.Second); !ok {
		t.Fatalf("no write answered 200 before the crash")
	}
	time.Sleep(400 * time.Millisecond)

	// Phase 1: PostgreSQL killed with SIGKILL, down a moment, recovered.
	probeCtx, stopProbe := context.WithCancel(context.Background())
	probe := &dbProbe{}
	var probeWG sync.WaitGroup
	probeWG.Go(func() { probe.run(probeCtx, cl.dsn) })
	defer func() { stopProbe(); probeWG.Wait() }()
	load.phase.Store(1)
	crashAt := time.Now()
	cl.mustRun("crash")
	time.Sleep(300 * time.Millisecond)
	cl.mustRun("start")
	scriptDone := time.Now()
	firstOK, ok := load.waitWriteOK(scriptDone, 10*time.Second)
	if !ok {
		t.Errorf("no write answered 200 within 10 s of PostgreSQL's crash recovery (gatehouse did not recover without a restart)")
	}
	stopProbe()
	probeWG.Wait()
	_, up, sawOutage := probe.upAgain(crashAt)
	if !sawOutage {
		t.Logf("the probe did not see the database go and come back; measuring from the start script's return")
		up = scriptDone
	}
	t.Logf("PostgreSQL killed with SIGKILL; accepting connections again (after crash recovery) %v later; start script returned after %v",
		up.Sub(crashAt).Round(time.Millisecond), scriptDone.Sub(crashAt).Round(time.Millisecond))
	if ok {
		if f, found := firstWriteOKAfter(load.snapshot(), up); found {
			firstOK = f
		}
		recovery := max(firstOK.Sub(up), 0)
		t.Logf("RECOVERY kill -9 of PostgreSQL: first 200 write %v after the database accepted connections again", recovery.Round(time.Millisecond))
		if recovery > faultRecoveryBound {
			t.Errorf("RECOVERY kill -9 of PostgreSQL: first 200 write %v after the database came back, want ≤ %v", recovery.Round(time.Millisecond), faultRecoveryBound)
		}
	}
	time.Sleep(400 * time.Millisecond)
	if st := readyzStatus(c.http, base); st != http.StatusOK {
		t.Errorf("GET /readyz after PostgreSQL's crash recovery: %d, want 200", st)
	}

	// Phase 2: the gatehouse node itself killed with SIGKILL mid-writes,
	// then started again on the same database.
	load.phase.Store(2)
	killAt := time.Now()
	killNode(t, node)
	node2 := h.startServerFlags(dataDir, "--db", cl.dsn, "--open-signup")
	base2 := "http://" + node2.addr
	load.base.Store(&base2)
	load.phase.Store(3)
	restarted := time.Now()
	if _, ok := load.waitWriteOK(restarted, 10*time.Second); !ok {
		t.Errorf("no write answered 200 on the restarted node")
	}
	time.Sleep(400 * time.Millisecond)
	load.stopLoad()
	stopped = true

	rs := load.snapshot()
	// Transport errors are expected only for requests in flight at the
	// node's kill or sent before its successor listened (a writer may
	// still hold the old address a moment); everything else answered 200
	// or 503.
	counts := load.checkAnswers(rs, killAt, restarted.Add(time.Second))
	t.Logf("answers: %v", counts)
	logPanics(t, h)
	if counts["write 503"] == 0 {
		t.Logf("note: no write answered 503 during the PostgreSQL crash")
	}
	if st := readyzStatus(c.http, base2); st != http.StatusOK {
		t.Errorf("GET /readyz on the restarted node: %d, want 200", st)
	}
	acked, present := load.checkAcked(base2)
	t.Logf("writes acknowledged with 200: %d; keys present afterwards: %d (more when an unacknowledged write had committed)", acked, present)
	if acked == 0 {
		t.Errorf("no write was acknowledged; the durability check is vacuous")
	}
	node2.stop()
}

// logPanics reports every line of the processes' stderr that tells of a
// panic (net/http recovers a handler's panic, logs it and drops the
// connection: the client sees EOF, not a status), and logs any line that
// is not one of gatehouse's JSON log lines (net/http's own messages).
func logPanics(t *testing.T, h *e2e) {
	t.Helper()
	lines := strings.Split(h.logs.String(), "\n")
	for i, line := range lines {
		switch {
		case strings.Contains(line, "panic"):
			t.Errorf("a gatehouse process logged a panic: %s", strings.Join(lines[i:min(i+12, len(lines))], "\n"))
			return
		case line != "" && !strings.HasPrefix(line, "{"):
			t.Logf("stderr: %s", line)
		}
	}
}
