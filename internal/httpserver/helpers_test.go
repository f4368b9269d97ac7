package httpserver_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
	"github.com/golang-jwt/jwt/v5"
)

// cheapArgon2 keeps password hashing out of the test's run time; the
// production parameters are checked elsewhere.
var cheapArgon2 = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

const ctJSON = "application/json"

// apiKeyRE is the sumtyme key shape the seed shows.
var apiKeyRE = regexp.MustCompile(`^stai-[A-Za-z0-9_-]{38}$`)

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
	logSink = &lockedBuffer{}
	testLog = slog.New(slog.NewJSONHandler(logSink, &slog.HandlerOptions{Level: slog.LevelDebug}))
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
	srv    *httptest.Server
	client *http.Client
	svc    *core.Service
	store  gatehouse.Store

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
var unthrottled = core.Limits{SignupPerIP: core.Unlimited, ExchangePerIP: core.Unlimited, FailuresPerIP: core.Unlimited, ExchangeFailuresPerIPAccount: core.Unlimited}

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
	st := openStore(t, db)
	opt := core.Options{Argon2: cheapArgon2, Logger: testLog, Limits: unthrottled}
	for _, o := range opts {
		o(&opt)
	}
	return startEnv(t, st, core.New(st, opt), sopt)
}

// startEnv serves svc (over st) as a test server, with its background work
// (revocation feed, last-used flush) running as in production; both stop
// before the store closes.
func startEnv(t *testing.T, st gatehouse.Store, svc *core.Service, sopt httpserver.Options) *env {
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

	e.srv = httptest.NewServer(httpserver.NewServer(testLog, svc, sopt))
	t.Cleanup(e.srv.Close)
	e.client = e.srv.Client()
	e.client.Timeout = 30 * time.Second
	// A redirect is always a failure here: surface it instead of following it.
	e.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return e
}

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

// withToken is the header set of every seed example: x-access-tokens and a
// JSON content type.
func withToken(cred string) []string {
	return []string{"x-access-tokens", cred, "Content-Type", ctJSON}
}

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
	req, err := http.NewRequestWithContext(t.Context(), method, e.srv.URL+path, rd)
	if err != nil {
		return result{}, err
	}
	if len(headers)%2 != 0 {
		return result{}, fmt.Errorf("odd header list %q", headers)
	}
	for i := 0; i < len(headers); i += 2 {
		req.Header[headers[i]] = append(req.Header[headers[i]], headers[i+1])
	}
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
	}
}

// checkSunshine asserts the Sunshine v2 wire rules (spec/sunshine.md §1):
// every answer is a JSON object served as application/json, and every error
// is exactly {"errors":[{"code","title"}]}, one item unless it is a 400.
func checkSunshine(t *testing.T, where string, r result) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, ctJSON) {
		t.Errorf("%s: Content-Type %q, want %s", where, ct, ctJSON)
	}
	// "The Sunshine Conversations API will not return CORS headers for app
	// and account scoped credentials" (spec §5.4 notes).
	if v := r.header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("%s: Access-Control-Allow-Origin %q on /v2", where, v)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil || m == nil {
		t.Errorf("%s: not a JSON object (%v): %s", where, err, r)
		return
	}
	if r.status < 400 {
		return
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(m["errors"], &items); err != nil || len(m) != 1 || len(items) == 0 {
		t.Errorf("%s: want exactly {\"errors\":[{\"code\",\"title\"}]}, got %s", where, r)
		return
	}
	if len(items) > 1 && r.status != http.StatusBadRequest {
		t.Errorf("%s: %d errors in a %d; only a 400 may carry several: %s", where, len(items), r.status, r)
	}
	for _, it := range items {
		var code, title string
		if len(it) != 2 || json.Unmarshal(it["code"], &code) != nil || json.Unmarshal(it["title"], &title) != nil || code == "" || title == "" {
			t.Errorf("%s: error item must be exactly {\"code\": string, \"title\": string}, got %s", where, r)
		}
	}
}

// upstreamFault reports whether status is an expected model-server fault
// answer of a /server route.
func (e *env) upstreamFault(path string, status int) bool {
	if !e.upstreamFaults.Load() || !strings.HasPrefix(collapse(path), "/server/") {
		return false
	}
	switch status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// checkServerAnswer asserts a successful Server API answer: a JSON object
// with "response" and an integer "status" equal to the HTTP status. Unlike
// the User API's envelope it may carry more keys (query's message, uuid,
// usage; get-models' object and data).
func checkServerAnswer(t *testing.T, where string, r result) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Errorf("%s: not a JSON object (%v): %s", where, err, r)
		return
	}
	if _, ok := m["response"]; !ok {
		t.Errorf("%s: no \"response\" key: %s", where, r)
	}
	var status int
	if err := json.Unmarshal(m["status"], &status); err != nil || status != r.status {
		t.Errorf("%s: status %s, want the integer %d: %s", where, m["status"], r.status, r)
	}
}

// checkEnvelope asserts the Ask Sage envelope: exactly {"response": ...,
// "status": <int>} with the HTTP status equal to "status".
func checkEnvelope(t *testing.T, where string, r result) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Errorf("%s: not a JSON object (%v): %s", where, err, r)
		return
	}
	if _, ok := m["response"]; !ok || len(m) != 2 {
		t.Errorf("%s: envelope keys %v, want exactly response and status: %s", where, keys(m), r)
	}
	var status int
	if err := json.Unmarshal(m["status"], &status); err != nil {
		t.Errorf("%s: envelope status %s is not an integer: %s", where, m["status"], r)
		return
	}
	if status != r.status {
		t.Errorf("%s: envelope status %d != HTTP status %d", where, status, r.status)
	}
}

// checkDetail asserts the sumtyme error shape {"detail": "<message>"}.
func checkDetail(t *testing.T, where string, r result) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Errorf("%s: not a JSON object (%v): %s", where, err, r)
		return
	}
	var detail string
	if err := json.Unmarshal(m["detail"], &detail); err != nil || detail == "" || len(m) != 1 {
		t.Errorf("%s: want exactly {\"detail\": \"...\"}, got %s", where, r)
	}
}

func keys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// envelopeOf decodes the envelope's response into v (or fails the test).
func envelopeOf(t *testing.T, r result, v any) {
	t.Helper()
	var env struct {
		Response json.RawMessage `json:"response"`
		Status   int             `json:"status"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("decode envelope: %v: %s", err, r)
	}
	if err := json.Unmarshal(env.Response, v); err != nil {
		t.Fatalf("decode response %s into %T: %v", env.Response, v, err)
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

// ---------------------------------------------------------------------------
// Account helpers.

// user is an account with its first API key and, once active, a token.
type user struct {
	email    string
	password string
	key      string // the key sign-up returned
	token    string // empty until exchanged
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return string(b)
}

// signup signs up through POST /signup, as the seed's example does, and
// returns the pending account.
func (e *env) signup(t *testing.T) user {
	t.Helper()
	return e.signupAs(t, newEmail())
}

// signupAs is signup with a chosen e-mail address.
func (e *env) signupAs(t *testing.T, email string) user {
	t.Helper()
	u := user{email: email, password: newPassword()}
	body := mustJSON(t, map[string]string{"email": u.email, "password": u.password, "confirm_password": u.password})
	r := e.call(t, http.MethodPost, "/signup", hdr("Content-Type", ctJSON), body)
	if r.status != http.StatusOK {
		t.Fatalf("signup %s: %s", u.email, r)
	}
	var out struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || !apiKeyRE.MatchString(out.APIKey) {
		t.Fatalf("signup %s: bad answer (%v): %s", u.email, err, r)
	}
	u.key = out.APIKey
	return u
}

// activate activates the account as the operator would.
func (e *env) activate(t *testing.T, email string) {
	t.Helper()
	if _, err := e.svc.ActivateUser(t.Context(), email); err != nil {
		t.Fatalf("ActivateUser %s: %v", email, err)
	}
}

// exchangeResult calls get-token-with-api-key.
func (e *env) exchangeResult(t *testing.T, email, key string) result {
	t.Helper()
	return e.call(t, http.MethodPost, "/user/get-token-with-api-key", hdr("Content-Type", ctJSON),
		mustJSON(t, map[string]string{"email": email, "api_key": key}))
}

// exchange trades a key for a token, which must succeed.
func (e *env) exchange(t *testing.T, email, key string) string {
	t.Helper()
	r := e.exchangeResult(t, email, key)
	if r.status != http.StatusOK {
		t.Fatalf("exchange for %s: %s", email, r)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	envelopeOf(t, r, &out)
	if out.AccessToken == "" {
		t.Fatalf("exchange for %s: empty access_token: %s", email, r)
	}
	return out.AccessToken
}

// newUser is a signed-up, activated account holding one token.
func (e *env) newUser(t *testing.T) user {
	t.Helper()
	return e.newUserAs(t, newEmail())
}

// newUserAs is newUser with a chosen e-mail address.
func (e *env) newUserAs(t *testing.T, email string) user {
	t.Helper()
	u := e.signupAs(t, email)
	e.activate(t, u.email)
	u.token = e.exchange(t, u.email, u.key)
	return u
}

// createdKey is the answer of POST /user/user-api-key.
type createdKey struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	APIKey string `json:"api_key"`
}

// createKey creates a key with cred, which must succeed.
func (e *env) createKey(t *testing.T, cred, name string) createdKey {
	t.Helper()
	r := e.call(t, http.MethodPost, "/user/user-api-key", withToken(cred), mustJSON(t, map[string]string{"name": name}))
	if r.status != http.StatusOK {
		t.Fatalf("create key %q: %s", name, r)
	}
	var k createdKey
	envelopeOf(t, r, &k)
	if k.ID <= 0 || !apiKeyRE.MatchString(k.APIKey) || k.Name != name {
		t.Fatalf("create key %q: bad answer %s", name, r)
	}
	return k
}

// keyRow is one entry of get-user-api-keys.
type keyRow struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Hint       string  `json:"hint"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
}

// listKeys lists cred's keys, which must succeed.
func (e *env) listKeys(t *testing.T, cred string) ([]keyRow, result) {
	t.Helper()
	r := e.call(t, http.MethodPost, "/user/get-user-api-keys", withToken(cred), "{}")
	if r.status != http.StatusOK {
		t.Fatalf("list keys: %s", r)
	}
	var rows []keyRow
	envelopeOf(t, r, &rows)
	return rows, r
}

// deleteKey deletes key id with cred and returns the answer.
func (e *env) deleteKey(t *testing.T, cred string, id int64) result {
	t.Helper()
	return e.call(t, http.MethodDelete, "/user/user-api-key", withToken(cred), fmt.Sprintf(`{"id": %d}`, id))
}

// probe calls an authenticated read with cred and returns the status.
func (e *env) probe(t *testing.T, cred string) result {
	t.Helper()
	return e.call(t, http.MethodPost, "/user/get-user-api-keys", withToken(cred), "{}")
}

// loginRow is one entry of get-user-logins.
type loginRow struct {
	ID       int64  `json:"id"`
	DateTime string `json:"date_time"`
	IP       string `json:"IP"`
	Status   string `json:"status"`
	Type     string `json:"type"`
}

func (e *env) listLogins(t *testing.T, cred, body string) ([]loginRow, result) {
	t.Helper()
	r := e.call(t, http.MethodPost, "/user/get-user-logins", withToken(cred), body)
	if r.status != http.StatusOK {
		t.Fatalf("list logins: %s", r)
	}
	var rows []loginRow
	envelopeOf(t, r, &rows)
	return rows, r
}

// ids returns the ids of rows.
func ids(rows []keyRow) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// ---------------------------------------------------------------------------
// Sunshine helpers (/v2).

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

// unauthorizedBody is the one Sunshine answer to every bad credential.
const unauthorizedBody = `{"errors":[{"code":"unauthorized","title":"Authorization is required"}]}`

// objectIDRE is an app id; appKeyIDRE and accountKeyIDRE key ids.
var (
	objectIDRE     = regexp.MustCompile(`^[0-9a-f]{24}$`)
	appKeyIDRE     = regexp.MustCompile(`^app_[0-9a-f]{24}$`)
	accountKeyIDRE = regexp.MustCompile(`^act_[0-9a-f]{24}$`)
	keySecretRE    = regexp.MustCompile(`^[A-Za-z0-9_-]{43,}$`) // ≥ 256 bits, header-safe
)

// sunKey is an app (app_) or account (act_) key.
type sunKey struct {
	id, secret string
}

// remember registers k's secret and its Basic credential with the scans.
func (k sunKey) remember() sunKey {
	rememberKeySecret(k.secret, basicValue(k.id, k.secret))
	return k
}

// basicValue is base64(id ":" secret), as Basic auth sends it.
func basicValue(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))
}

// scope is the JWT scope k's kind must claim.
func (k sunKey) scope() string {
	if strings.HasPrefix(k.id, "act_") {
		return "account"
	}
	return "app"
}

// basic is the header set of a Basic request with k.
func (k sunKey) basic() []string {
	return hdr("Authorization", "Basic "+basicValue(k.id, k.secret), "Content-Type", ctJSON)
}

// jwt is the header set of a Bearer request with a JWT signed by k, as the
// official samples sign it: {"scope": ...}, kid in the header, no exp.
func (k sunKey) jwt(t *testing.T) []string {
	t.Helper()
	return bearer(signJWT(t, k.id, k.secret, jwt.MapClaims{"scope": k.scope()}))
}

// creds are both ways of presenting k, named.
func (k sunKey) creds(t *testing.T) map[string][]string {
	return map[string][]string{"Basic": k.basic(), "JWT": k.jwt(t)}
}

// bearer is the header set of a Bearer request.
func bearer(token string) []string {
	return hdr("Authorization", "Bearer "+token, "Content-Type", ctJSON)
}

// signJWT signs claims with HS256 over secret's UTF-8 bytes, kid in the
// header.
func signJWT(t *testing.T, kid, secret string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString([]byte(secret))
	if err != nil {
		t.Fatalf("sign JWT: %v", err)
	}
	return s
}

// issueAccountKey makes an account key for email as the operator would
// (svc.IssueAccountKey, what "gatehouse account-keys create" calls).
func (e *env) issueAccountKey(t *testing.T, email string) sunKey {
	t.Helper()
	v, err := e.svc.IssueAccountKey(t.Context(), email, "test")
	if err != nil {
		t.Fatalf("IssueAccountKey %s: %v", email, err)
	}
	k := sunKey{id: v.Key.ID, secret: v.Secret}.remember()
	if !accountKeyIDRE.MatchString(k.id) || !keySecretRE.MatchString(k.secret) {
		t.Fatalf("IssueAccountKey: bad key %q / secret of %d characters", k.id, len(k.secret))
	}
	return k
}

// sunAccount is an active account with an account key.
type sunAccount struct {
	user
	key sunKey
}

// newSunAccount signs up and activates an account and issues it an
// account key.
func (e *env) newSunAccount(t *testing.T) sunAccount {
	t.Helper()
	u := e.newUser(t)
	return sunAccount{user: u, key: e.issueAccountKey(t, u.email)}
}

// wireApp is the Sunshine app object.
type wireApp struct {
	ID          string         `json:"id"`
	DisplayName string         `json:"displayName"`
	Settings    map[string]any `json:"settings"`
	Metadata    map[string]any `json:"metadata"`
}

// wireKey is the Sunshine app key object.
type wireKey struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Secret      string `json:"secret"`
}

func (k wireKey) key() sunKey { return sunKey{id: k.ID, secret: k.Secret} }

// decodeInto decodes a whole answer into v (or fails the test).
func decodeInto(t *testing.T, r result, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, r)
	}
}

// appOf decodes {"app": {...}}.
func appOf(t *testing.T, r result) wireApp {
	t.Helper()
	var out struct {
		App *wireApp `json:"app"`
	}
	decodeInto(t, r, &out)
	if out.App == nil {
		t.Fatalf("no app in %s", r)
	}
	return *out.App
}

// keyOf decodes {"key": {...}} and registers its secret with the scans.
func keyOf(t *testing.T, r result) wireKey {
	t.Helper()
	var out struct {
		Key *wireKey `json:"key"`
	}
	decodeInto(t, r, &out)
	if out.Key == nil {
		t.Fatalf("no key in %s", r)
	}
	out.Key.key().remember()
	return *out.Key
}

// createApp makes an app with cred (an account key's headers).
func (e *env) createApp(t *testing.T, cred []string, name string) wireApp {
	t.Helper()
	r := e.call(t, http.MethodPost, "/v2/apps", cred, mustJSON(t, map[string]string{"displayName": name}))
	if r.status != http.StatusCreated {
		t.Fatalf("create app %q: %s", name, r)
	}
	a := appOf(t, r)
	if !objectIDRE.MatchString(a.ID) || a.DisplayName != name {
		t.Fatalf("create app %q: bad answer %s", name, r)
	}
	return a
}

// createAppKey makes a key of app appID with cred.
func (e *env) createAppKey(t *testing.T, cred []string, appID, name string) sunKey {
	t.Helper()
	r := e.call(t, http.MethodPost, "/v2/apps/"+appID+"/keys", cred, mustJSON(t, map[string]string{"displayName": name}))
	if r.status != http.StatusCreated {
		t.Fatalf("create key %q of %s: %s", name, appID, r)
	}
	k := keyOf(t, r)
	if !appKeyIDRE.MatchString(k.ID) || k.DisplayName != name || !keySecretRE.MatchString(k.Secret) {
		t.Fatalf("create key %q: bad answer %s", name, r)
	}
	return k.key()
}

// errorOf decodes a Sunshine error answer into its one code and title.
func errorOf(t *testing.T, r result) (code, title string) {
	t.Helper()
	var out struct {
		Errors []struct {
			Code  string `json:"code"`
			Title string `json:"title"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || len(out.Errors) == 0 {
		t.Errorf("not a Sunshine error (%v): %s", err, r)
		return "", ""
	}
	return out.Errors[0].Code, out.Errors[0].Title
}

// wantError asserts r is status with error code (and title, when given).
func wantError(t *testing.T, what string, r result, status int, code string, title ...string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: %s, want %d %s", what, r, status, code)
		return
	}
	c, ti := errorOf(t, r)
	if c != code {
		t.Errorf("%s: code %q, want %q: %s", what, c, code, r)
	}
	if len(title) > 0 && ti != title[0] {
		t.Errorf("%s: title %q, want %q", what, ti, title[0])
	}
}

// wantUnauthorized asserts r is the one generic Sunshine 401, byte for byte.
func wantUnauthorized(t *testing.T, what string, r result) {
	t.Helper()
	if r.status != http.StatusUnauthorized || string(bytes.TrimSpace(r.body)) != unauthorizedBody {
		t.Errorf("%s: %s, want 401 %s", what, r, unauthorizedBody)
	}
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
