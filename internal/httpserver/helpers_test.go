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
	"github.com/gatehouse/gatehouse/internal/secret"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// cheapArgon2 keeps password hashing out of the test's run time; the
// production parameters are checked elsewhere.
var cheapArgon2 = secret.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

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
// Test environment: real core over a real SQLite file behind httptest.

type env struct {
	srv    *httptest.Server
	client *http.Client
	svc    *core.Service
	store  *sqlite.Store

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

// unthrottled turns off the sign-up and exchange throttles, which a suite
// sending hundreds of requests from 127.0.0.1 would otherwise trip; the
// throttles have their own test (throttle_test.go).
var unthrottled = core.Limits{SignupPerIP: core.Unlimited, ExchangePerIP: core.Unlimited, ExchangeFailuresPerAccount: core.Unlimited}

// newEnv is one server over a fresh database, unthrottled; opts adjust the
// core options.
func newEnv(t *testing.T, opts ...func(*core.Options)) *env {
	t.Helper()
	return newNode(t, filepath.Join(t.TempDir(), "g.db"), httpserver.Options{}, opts...)
}

// newNode is one gatehouse node over the SQLite file at path; two nodes on
// one file behave like two servers sharing a database.
func newNode(t *testing.T, path string, sopt httpserver.Options, opts ...func(*core.Options)) *env {
	t.Helper()
	st, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	opt := core.Options{Argon2: cheapArgon2, Logger: testLog, Limits: unthrottled}
	for _, o := range opts {
		o(&opt)
	}
	svc := core.New(st, opt)

	e := &env{svc: svc, store: st}
	// The background work (revocation feed, last-used flush) runs as in
	// production; it must stop before the store closes.
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

// credRE finds credentials and key hints, which are random and so could
// contain any short word; they are blanked before the forbidden-word check.
var credRE = regexp.MustCompile(`(stai-|gat_|…)[A-Za-z0-9_-]*`)

// forbidden are words no answer may contain: they betray a stack trace or
// database text.
var forbidden = []string{"goroutine", "panic", "sql", "sqlite"}

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
	switch {
	case p == "/user" || strings.HasPrefix(p, "/user/"):
		checkEnvelope(t, where, r)
	case (p == "/server" || strings.HasPrefix(p, "/server/")) && r.status != http.StatusOK:
		checkEnvelope(t, where, r)
	case p == "/server" || strings.HasPrefix(p, "/server/"):
		checkServerAnswer(t, where, r)
	case p == "/signup" && r.status != http.StatusOK:
		checkDetail(t, where, r)
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
