// Generic helpers of the handler tests: one server over the real core and a
// real database (SQLite file, or PostgreSQL with GATEHOUSE_TEST_STORE),
// requests, the invariants every answer must meet, and scenario tables.
// Each surface's scenario helpers are in <surface>_helpers_test.go:
// sumtyme (sign-up), asksage (/user and /server), sunshine (/v2).

package httpserver_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpserver"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// cheapArgon2 keeps password hashing out of the test's run time; the
// production parameters are checked elsewhere.
var cheapArgon2 = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

const ctJSON = "application/json"

// ---------------------------------------------------------------------------
// Suite-wide log capture (see loghygiene_test.go).

// lockedBuffer is the one sink of every logger in this package's tests.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	// requestsSent counts the requests the suite's envs sent, so the log
	// scan knows whether an empty access log means a broken capture or a
	// run (a benchmark, a fuzz target) that sent none through them.
	requestsSent atomic.Int64
	logSink      = &lockedBuffer{}
	testLog      = slog.New(slog.NewJSONHandler(logSink, &slog.HandlerOptions{Level: slog.LevelDebug}))
)

// passwords holds every password the suite sends, so the log scan and the
// response invariants can look for them.
var passwords struct {
	mu  sync.Mutex
	all []string
}

func rememberPassword(pw string) {
	passwords.mu.Lock()
	passwords.all = append(passwords.all, pw)
	passwords.mu.Unlock()
}

func allPasswords() []string {
	passwords.mu.Lock()
	defer passwords.mu.Unlock()
	return append([]string(nil), passwords.all...)
}

// keySecrets holds every app and account key secret the suite has seen (and
// the Basic credentials made from them), so the log scan can look for them
// and the response invariants can keep them out of answers not meant to
// carry them.
var keySecrets struct {
	mu  sync.Mutex
	all []string
}

func rememberKeySecret(s ...string) {
	keySecrets.mu.Lock()
	keySecrets.all = append(keySecrets.all, s...)
	keySecrets.mu.Unlock()
}

func allKeySecrets() []string {
	keySecrets.mu.Lock()
	defer keySecrets.mu.Unlock()
	return append([]string(nil), keySecrets.all...)
}

// newPassword returns a fresh, unique password (hex only, so it cannot match
// the forbidden-word checks by chance).
func newPassword() string {
	var b [12]byte
	rand.Read(b[:])
	pw := "pw-" + hex.EncodeToString(b[:])
	rememberPassword(pw)
	return pw
}

var emailSeq atomic.Int64

// newEmail returns a fresh address.
func newEmail() string {
	return fmt.Sprintf("user%d@example.com", emailSeq.Add(1))
}

// ---------------------------------------------------------------------------
// Storage backend: the suite runs on SQLite files, or, with
// GATEHOUSE_TEST_STORE=postgres, on PostgreSQL (the server named by
// GATEHOUSE_TEST_POSTGRES, one fresh schema per database).

// onPostgres is set when GATEHOUSE_TEST_STORE=postgres.
var onPostgres = os.Getenv("GATEHOUSE_TEST_STORE") == "postgres"

// backendProblem says why the backend the environment asks for cannot be
// used, or "" when it can. TestMain fails the whole run on it: asking for
// PostgreSQL without naming a server must not quietly run (or skip) the
// suite on something else.
func backendProblem() string {
	switch os.Getenv("GATEHOUSE_TEST_STORE") {
	case "", "sqlite":
		return ""
	case "postgres":
		if !pgtest.Configured() {
			return "GATEHOUSE_TEST_STORE=postgres but GATEHOUSE_TEST_POSTGRES is unset: " + pgtest.SkipMessage
		}
		return ""
	default:
		return fmt.Sprintf("GATEHOUSE_TEST_STORE=%q: want sqlite (the default) or postgres", os.Getenv("GATEHOUSE_TEST_STORE"))
	}
}

// newDatabase is an empty database, gone when t ends: a SQLite file path,
// or a PostgreSQL DSN of a fresh schema. Nodes opened on one database share
// it, as several servers share one database in production.
func newDatabase(t *testing.T) string {
	t.Helper()
	if onPostgres {
		if !pgtest.Configured() {
			t.Fatal(backendProblem())
		}
		return pgtest.SchemaDSN(t)
	}
	return filepath.Join(t.TempDir(), "g.db")
}

// openStore opens the store at db (from newDatabase), closed when t ends.
func openStore(t *testing.T, db string) gatehouse.Store {
	t.Helper()
	var st gatehouse.Store
	var err error
	if onPostgres {
		st, err = postgres.Open(t.Context(), db, postgres.Options{MaxConns: 8})
	} else {
		st, err = sqlite.Open(t.Context(), db, sqlite.Options{})
	}
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// ---------------------------------------------------------------------------
// Test environment: real core over a real database behind httptest.

type env struct {
	srv     *httptest.Server   // nil inside a synctest bubble (newBubbleNode)
	handler *httpserver.Server // what srv (or the bubble's transport) serves
	url     string             // where requests go: srv.URL, or a name of no host in a bubble
	client  *http.Client
	svc     *core.Service
	store   gatehouse.Store

	stopOnce sync.Once
	stop     func()
	// dbDown is set once the test closed the store on purpose: from then on a
	// 503 is the expected answer instead of a fault.
	dbDown atomic.Bool
	// upstreamFaults is set by tests that provoke model-server faults: from
	// then on 502, 503 and 504 from a /server route are expected answers
	// (still checked for the envelope) instead of faults.
	upstreamFaults atomic.Bool
}

// withModels is a core option: the model server /server/query forwards to.
func withModels(m gatehouse.ModelServer) func(*core.Options) {
	return func(o *core.Options) { o.Models = m }
}

// unthrottled turns off the sign-up, exchange and failure throttles, which a suite
// sending hundreds of requests from 127.0.0.1 would otherwise trip; the
// throttles have their own test (throttle_test.go).
var unthrottled = core.Limits{SignupPerIP: core.Unlimited, ExchangePerIP: core.Unlimited, FailuresPerIP: core.Unlimited, ExchangeFailuresPerIPAccount: core.Unlimited,
	LoginFailuresPerIP: core.Unlimited, LoginFailuresPerIPAccount: core.Unlimited, LoginFailuresPerAccount: core.Unlimited}

// newEnv is one server over a fresh database, unthrottled; opts adjust the
// core options.
func newEnv(t *testing.T, opts ...func(*core.Options)) *env {
	t.Helper()
	return newNode(t, newDatabase(t), httpserver.Options{}, opts...)
}

// newNode is one gatehouse node over the database db (from newDatabase);
// two nodes on one database behave like two servers sharing it.
func newNode(t *testing.T, db string, sopt httpserver.Options, opts ...func(*core.Options)) *env {
	t.Helper()
	st, svc := newService(t, db, opts...)
	return startEnv(t, st, svc, sopt)
}

// newService is a core over the store at db, unthrottled; opts adjust the
// core options.
func newService(t *testing.T, db string, opts ...func(*core.Options)) (gatehouse.Store, *core.Service) {
	t.Helper()
	st := openStore(t, db)
	opt := core.Options{Argon2: cheapArgon2, Logger: testLog, Limits: unthrottled}
	for _, o := range opts {
		o(&opt)
	}
	return st, core.New(st, opt)
}

// startEnv serves svc (over st) as a test server, with its background work
// (revocation feed, last-used flush) running as in production; both stop
// before the store closes.
func startEnv(t *testing.T, st gatehouse.Store, svc *core.Service, sopt httpserver.Options) *env {
	t.Helper()
	e := startWork(t, st, svc)
	e.handler = newHandler(t, svc, sopt)
	e.srv = httptest.NewServer(e.handler)
	t.Cleanup(e.srv.Close)
	e.url = e.srv.URL
	e.client = e.srv.Client()
	e.client.Timeout = 30 * time.Second
	// A redirect is always a failure here: surface it instead of following it.
	e.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return e
}

// newBubbleNode is newNode for a test inside a testing/synctest bubble,
// where the clock moves only while every goroutine of the bubble waits:
// no socket, since a goroutine waiting on the network keeps the clock
// still (and is outside what synctest.Wait waits for). Requests go through
// the same client code, but its transport hands them to the handler
// directly, from 127.0.0.1 as a test server's would come. The timers of
// the background work (the revocation feed's poll, the last-used flush)
// and the core's default clock are the bubble's.
func newBubbleNode(t *testing.T, db string, sopt httpserver.Options, opts ...func(*core.Options)) *env {
	t.Helper()
	st, svc := newService(t, db, opts...)
	return startBubbleEnv(t, st, svc, sopt)
}

// startBubbleEnv is startEnv for a test inside a synctest bubble (see
// newBubbleNode).
func startBubbleEnv(t *testing.T, st gatehouse.Store, svc *core.Service, sopt httpserver.Options) *env {
	t.Helper()
	e := startWork(t, st, svc)
	e.url = "http://gatehouse.test"
	e.handler = newHandler(t, svc, sopt)
	e.client = &http.Client{Transport: handlerTransport{e.handler}}
	e.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return e
}

// newHandler is NewServer over svc logging to the suite's log, its access
// log formatted by itself as cmd/gatehouse's is (testLog is a JSON handler
// over logSink; at Info, its options change nothing). The access log is
// drained and stopped when t ends (inside t's synctest bubble, if any,
// where its goroutine lives), after the servers registered later.
func newHandler(t *testing.T, svc *core.Service, sopt httpserver.Options) *httpserver.Server {
	t.Helper()
	if sopt.AccessLog.Writer == nil {
		sopt.AccessLog = httpserver.AccessLogOutput{Writer: logSink, Format: "json"}
	}
	h := httpserver.NewServer(testLog, svc, sopt)
	t.Cleanup(func() {
		if err := h.Close(context.Background()); err != nil {
			t.Errorf("close the access log: %v", err)
		}
	})
	return h
}

// flushLog waits until the access-log line of every request e has
// answered is in the suite's log.
func (e *env) flushLog(t *testing.T) {
	t.Helper()
	if err := e.handler.Flush(t.Context()); err != nil {
		t.Fatalf("flush the access log: %v", err)
	}
}

// handlerTransport answers a client's requests by calling a handler, as a
// server would, with no connection.
type handlerTransport struct{ h http.Handler }

func (ht handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	u, err := url.ParseRequestURI(req.URL.RequestURI())
	if err != nil {
		return nil, err
	}
	sr := req.Clone(req.Context())
	sr.URL, sr.RequestURI, sr.Host = u, req.URL.RequestURI(), req.URL.Host
	sr.Proto, sr.ProtoMajor, sr.ProtoMinor = "HTTP/1.1", 1, 1
	sr.RemoteAddr = "127.0.0.1:40000"
	// As a server reads them: names canonical (the client sends the map's
	// keys as written), values in order.
	sr.Header = http.Header{}
	for k, vs := range req.Header {
		for _, v := range vs {
			sr.Header.Add(k, v)
		}
	}
	if sr.Body == nil {
		sr.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	ht.h.ServeHTTP(rec, sr)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// startWork runs svc's background work until t ends (or e.stop).
func startWork(t *testing.T, st gatehouse.Store, svc *core.Service) *env {
	t.Helper()
	e := &env{svc: svc, store: st}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := svc.Run(runCtx); err != nil && runCtx.Err() == nil {
			testLog.Error("test: svc.Run", "err", err)
		}
	}()
	e.stop = func() { e.stopOnce.Do(func() { cancel(); <-done }) }
	t.Cleanup(e.stop)
	return e
}

// testClock is an injectable clock (core.Options.Now): frozen at a whole
// second, moved only by the test.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(time.Now().Truncate(time.Second).UnixNano())
	return c
}

func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
func (c *testClock) option() func(*core.Options) {
	return func(o *core.Options) { o.Now = c.Now }
}

// ---------------------------------------------------------------------------
// Accounts: signup (sumtyme_helpers_test.go) makes one, newUser
// (asksage_helpers_test.go) makes one that holds a token.

// user is an account with its first API key and, once active, a token.
type user struct {
	email    string
	password string
	key      string // the key sign-up returned
	token    string // empty until exchanged
}

// activate activates the account as the operator would.
func (e *env) activate(t *testing.T, email string) {
	t.Helper()
	if _, err := e.svc.ActivateUser(t.Context(), email); err != nil {
		t.Fatalf("ActivateUser %s: %v", email, err)
	}
}

// ---------------------------------------------------------------------------
// Requests, and the invariants every answer must meet.

// result is one HTTP answer.
type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) String() string { return fmt.Sprintf("HTTP %d %s", r.status, bytes.TrimSpace(r.body)) }

// hdr builds a header list: name, value pairs, sent exactly as written and
// in order, so a name may repeat.
func hdr(kv ...string) []string { return kv }

// do sends one request and checks the invariants every answer must meet.
func (e *env) do(t *testing.T, method, path string, headers []string, body []byte) result {
	t.Helper()
	r, err := e.tryDo(t, method, path, headers, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// tryDo is do for goroutines other than the test's: a transport failure is
// returned, never t.Fatal'ed; invariant violations are reported with
// t.Errorf, which is safe from any goroutine.
func (e *env) tryDo(t *testing.T, method, path string, headers []string, body []byte) (result, error) {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, e.url+path, rd)
	if err != nil {
		return result{}, err
	}
	if len(headers)%2 != 0 {
		return result{}, fmt.Errorf("odd header list %q", headers)
	}
	for i := 0; i < len(headers); i += 2 {
		req.Header[headers[i]] = append(req.Header[headers[i]], headers[i+1])
	}
	requestsSent.Add(1)
	resp, err := e.client.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, fmt.Errorf("read body: %w", err)
	}
	r := result{status: resp.StatusCode, header: resp.Header, body: b}
	e.checkInvariants(t, method, path, headers, body, r)
	return r, nil
}

// call is do with a string body (nil when empty is wanted as "no body").
func (e *env) call(t *testing.T, method, path string, headers []string, body string) result {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	return e.do(t, method, path, headers, b)
}

// credRE finds credentials, key hints and app/account key secrets, which
// are random and so could contain any short word; they are blanked before
// the forbidden-word check.
var credRE = regexp.MustCompile(`(stai-|gat_|…)[A-Za-z0-9_-]*|"secret":"[^"]*"`)

// forbidden are words no answer may contain: they betray a stack trace or
// database text.
var forbidden = []string{"goroutine", "panic", "sql", "sqlite", "postgres"}

// collapse is what the server's path cleaning does to "//".
func collapse(p string) string {
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

func (e *env) checkInvariants(t *testing.T, method, path string, reqHeaders []string, reqBody []byte, r result) {
	t.Helper()
	where := method + " " + path
	switch {
	case r.status >= 500 && !(e.dbDown.Load() && r.status == http.StatusServiceUnavailable) && !e.upstreamFault(path, r.status):
		t.Errorf("%s: server error: %s", where, r)
	case method == http.MethodGet && path == "/" && r.status == http.StatusFound && r.header.Get("Location") == "/console/":
		return // the one redirect: / to the web console (console_on.go)
	case r.status >= 300 && r.status < 400:
		t.Errorf("%s: redirect %d to %q; no route may redirect", where, r.status, r.header.Get("Location"))
	}
	low := strings.ToLower(credRE.ReplaceAllString(string(r.body), "<cred>"))
	for _, w := range forbidden {
		if strings.Contains(low, w) {
			t.Errorf("%s: body contains %q: %s", where, w, r)
		}
	}
	for _, pw := range allPasswords() {
		if bytes.Contains(r.body, []byte(pw)) {
			t.Errorf("%s: body contains a password: %s", where, r)
		}
	}
	// A credential header is never echoed back.
	for i := 0; i+1 < len(reqHeaders); i += 2 {
		switch http.CanonicalHeaderKey(reqHeaders[i]) {
		case "X-Access-Tokens", "X-Api-Key", "Authorization":
			if v := strings.TrimSpace(reqHeaders[i+1]); len(v) >= 8 && bytes.Contains(r.body, []byte(v)) {
				t.Errorf("%s: body echoes the credential header %s: %s", where, reqHeaders[i], r)
			}
		}
	}
	if len(r.body) > 0 && !strings.HasPrefix(r.header.Get("Content-Type"), ctJSON) {
		t.Errorf("%s: Content-Type %q, want %s", where, r.header.Get("Content-Type"), ctJSON)
	}
	p := collapse(path)
	// App and account key secrets appear only in the answers that are meant
	// to carry them: the Sunshine key routes and the account key creation.
	// Where they do appear, the answer must not be stored by caches.
	secretsAllowed := strings.HasPrefix(p, "/v2/apps/") && strings.Contains(p, "/keys") || p == "/user/account-keys" && method == http.MethodPost
	for _, s := range allKeySecrets() {
		if !bytes.Contains(r.body, []byte(s)) {
			continue
		}
		if !secretsAllowed {
			t.Errorf("%s: body contains an app or account key secret: %s", where, r)
		} else if !strings.Contains(r.header.Get("Cache-Control"), "no-store") {
			t.Errorf("%s: answer carries a key secret with Cache-Control %q, want no-store", where, r.header.Get("Cache-Control"))
		}
		break
	}
	switch {
	case p == "/user" || strings.HasPrefix(p, "/user/"):
		checkEnvelope(t, where, r)
	case (p == "/server" || strings.HasPrefix(p, "/server/")) && r.status != http.StatusOK:
		checkEnvelope(t, where, r)
	case p == "/server" || strings.HasPrefix(p, "/server/"):
		checkServerAnswer(t, where, r)
	case p == "/signup" && r.status != http.StatusOK:
		checkDetail(t, where, r)
	case p == "/v2" || strings.HasPrefix(p, "/v2/"):
		checkSunshine(t, where, r)
	case p == "/auth" || strings.HasPrefix(p, "/auth/"):
		checkGate(t, method, where, r)
	}
}

func keys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return string(b)
}

// decodeInto decodes a whole answer into v (or fails the test).
func decodeInto(t *testing.T, r result, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, r)
	}
}

// ---------------------------------------------------------------------------
// Scenario tables.

// scenario is one request and what its answer must be.
type scenario struct {
	name       string
	method     string // POST when empty
	path       string
	headers    []string // name, value pairs, sent as written
	body       string   // sent as is; empty means no body
	rawBody    []byte   // overrides body (for invalid UTF-8 and big bodies)
	wantStatus int
	anyStatus  []int    // when set, any of these statuses instead of wantStatus
	want       []string // substrings the body must contain
	notWant    []string // substrings it must not contain
	wantHeader map[string]string
	check      func(t *testing.T, r result)
}

// run runs each scenario as a subtest, in order.
func (e *env) run(t *testing.T, scs []scenario) []result {
	t.Helper()
	out := make([]result, len(scs))
	for i, sc := range scs {
		t.Run(sc.name, func(t *testing.T) {
			out[i] = e.runOne(t, sc)
		})
	}
	return out
}

func (e *env) runOne(t *testing.T, sc scenario) result {
	t.Helper()
	method := sc.method
	if method == "" {
		method = http.MethodPost
	}
	body := sc.rawBody
	if body == nil && sc.body != "" {
		body = []byte(sc.body)
	}
	r := e.do(t, method, sc.path, sc.headers, body)
	if len(sc.anyStatus) > 0 {
		if !slices.Contains(sc.anyStatus, r.status) {
			t.Errorf("%s %s: status %d, want one of %v; body %s", method, sc.path, r.status, sc.anyStatus, bytes.TrimSpace(r.body))
		}
	} else if r.status != sc.wantStatus {
		t.Errorf("%s %s: status %d, want %d; body %s", method, sc.path, r.status, sc.wantStatus, bytes.TrimSpace(r.body))
	}
	for _, w := range sc.want {
		if !bytes.Contains(r.body, []byte(w)) {
			t.Errorf("%s %s: body lacks %q: %s", method, sc.path, w, bytes.TrimSpace(r.body))
		}
	}
	for _, w := range sc.notWant {
		if w != "" && bytes.Contains(r.body, []byte(w)) {
			t.Errorf("%s %s: body contains %q: %s", method, sc.path, w, bytes.TrimSpace(r.body))
		}
	}
	for k, v := range sc.wantHeader {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s %s: header %s = %q, want %q", method, sc.path, k, got, v)
		}
	}
	if sc.check != nil && !t.Failed() {
		sc.check(t, r)
	}
	return r
}
