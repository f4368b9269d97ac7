package httpserver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// The path routes as sent (docs/security.md 23a): an encoded "/" or "\", an
// encoded or literal dot segment, or any other percent-encoding never
// becomes structure. Such a request is answered 404 for the path as sent,
// in the envelope of the surface its first segment names, byte for byte the
// answer to any unknown path of that surface; no handler runs, nothing
// redirects, and the access log names the path as sent.

// pathEncoding is one way of hiding structure in a path.
type pathEncoding struct {
	name string
	// climb is what takes a path one level up ("../" in its disguise); sep
	// joins the segments after it. A single-dot encoding climbs nowhere:
	// its climb is a "./" that a cleaner would drop.
	climb, sep string
}

var pathEncodings = []pathEncoding{
	{"%2f", "..%2f", "%2f"},
	{"%2F", "..%2F", "%2F"},
	{"%2e%2e", "%2e%2e/", "/"},
	{"%2E%2E", "%2E%2E/", "/"},
	{".%2e", ".%2e/", "/"},
	{"%2e.", "%2e./", "/"},
	{"%2e", "%2e/", "/"},
	{"%5c", "..%5c", "%5c"},
	{"literal ..", "../", "/"},
	{"literal .", "./", "/"},
	{"%252f", "..%252f", "%252f"},
}

// pathPrefix is where an attack path starts, and the envelope its answer
// must come in.
type pathPrefix struct {
	prefix   string // ends in "/"
	envelope string // asksage, sunshine, sumtyme, root
}

// attackTarget is a request of another (or the same) surface that an
// attack path tries to reach, with a body it would act on.
type attackTarget struct {
	method string
	path   string // relative: "user/user-api-key"
	body   string
}

// notFoundBodies are the answers to an ordinary unknown path of each
// surface: a refused path must answer exactly these bytes.
func notFoundBodies(t *testing.T, e *env) map[string]string {
	t.Helper()
	out := map[string]string{}
	for env, p := range map[string]string{"asksage": "/user/no-such-route", "sunshine": "/v2/no-such-route", "sumtyme": "/signup/no-such-route", "root": "/no-such-route"} {
		r := e.call(t, http.MethodGet, p, nil, "")
		if r.status != http.StatusNotFound {
			t.Fatalf("GET %s: %s, want 404", p, r)
		}
		out[env] = string(r.body)
	}
	return out
}

// checkRefused asserts r is the 404 of envelope, byte for byte as an
// unknown path of that surface answers.
func checkRefused(t *testing.T, where, envelope string, want map[string]string, r result) {
	t.Helper()
	if r.status != http.StatusNotFound {
		t.Errorf("%s: %s, want 404", where, r)
		return
	}
	if loc := r.header.Get("Location"); loc != "" {
		t.Errorf("%s: Location %q on a refused path", where, loc)
	}
	switch envelope {
	case "asksage":
		checkEnvelope(t, where, r)
	case "sunshine":
		checkSunshine(t, where, r)
		if c, _ := errorOf(t, r); c != "not_found" {
			t.Errorf("%s: Sunshine code %q, want not_found", where, c)
		}
	case "sumtyme":
		checkDetail(t, where, r)
	case "root":
		var m map[string]string
		if err := json.Unmarshal(r.body, &m); err != nil || m["error"] != "not found" || len(m) != 1 {
			t.Errorf("%s: want the root 404 {\"error\":\"not found\"}, got %s", where, r)
		}
	}
	if got := string(r.body); got != want[envelope] {
		t.Errorf("%s: body %q, want the %s 404 %q", where, got, envelope, want[envelope])
	}
}

// pathFixture is an account holding one of everything an attack could
// create, list or delete, with both of its credentials in one header set.
type pathFixture struct {
	acct    sunAccount
	headers []string // x-access-tokens token AND Basic account key
	keyID   int64    // an Ask Sage key a DELETE could remove
	appID   string   // a Sunshine app
	appKey  sunKey   // a key of that app
	email   string   // an address attacks try to sign up; must stay free
}

func newPathFixture(t *testing.T, e *env) pathFixture {
	t.Helper()
	f := pathFixture{acct: e.newSunAccount(t), email: newEmail()}
	f.headers = append(withToken(f.acct.token), "Authorization", "Basic "+basicValue(f.acct.key.id, f.acct.key.secret))
	f.keyID = e.createKey(t, f.acct.token, "victim").ID
	f.appID = e.createApp(t, f.acct.key.basic(), "victim app").ID
	f.appKey = e.createAppKey(t, f.acct.key.basic(), f.appID, "victim key")
	// Both credentials, sent together, are good: a refusal below is the
	// path's doing.
	for _, c := range []struct{ method, path, body string }{
		{http.MethodPost, "/user/get-user-api-keys", "{}"},
		{http.MethodGet, "/v2/apps", ""},
	} {
		if r := e.call(t, c.method, c.path, f.headers, c.body); r.status != http.StatusOK {
			t.Fatalf("control %s %s with both credentials: %s", c.method, c.path, r)
		}
	}
	return f
}

// counts is what the fixture's account holds.
type counts struct{ keys, apps, appKeys int }

func (f pathFixture) counts(t *testing.T, e *env) counts {
	t.Helper()
	rows, _ := e.listKeys(t, f.acct.token)
	c := counts{keys: len(rows)}
	var apps struct {
		Apps []json.RawMessage `json:"apps"`
	}
	decodeInto(t, e.call(t, http.MethodGet, "/v2/apps", f.acct.key.basic(), ""), &apps)
	var keys struct {
		Keys []json.RawMessage `json:"keys"`
	}
	decodeInto(t, e.call(t, http.MethodGet, "/v2/apps/"+f.appID+"/keys", f.acct.key.basic(), ""), &keys)
	c.apps, c.appKeys = len(apps.Apps), len(keys.Keys)
	return c
}

// targets are the requests an attack tries to reach, per method.
func (f pathFixture) targets(t *testing.T) []attackTarget {
	t.Helper()
	signup := mustJSON(t, map[string]string{"email": f.email, "password": "pw-intruder-0123456789", "confirm_password": "pw-intruder-0123456789"})
	return []attackTarget{
		{http.MethodPost, "user/user-api-key", `{"name": "intruder"}`},
		{http.MethodPost, "user/get-user-api-keys", `{}`},
		{http.MethodPost, "v2/apps", `{"displayName": "intruder"}`},
		{http.MethodPost, "v2/apps/" + f.appID + "/keys", `{"displayName": "intruder"}`},
		{http.MethodPost, "signup", signup},
		{http.MethodDelete, "user/user-api-key", fmt.Sprintf(`{"id": %d}`, f.keyID)},
		{http.MethodDelete, "v2/apps/" + f.appID, ""},
		{http.MethodDelete, "v2/apps/" + f.appID + "/keys/" + f.appKey.id, ""},
		{http.MethodGet, "v2/apps", ""},
		{http.MethodGet, "v2/apps/" + f.appID + "/keys", ""},
		{http.MethodGet, "user/get-datasets-with-permissions", ""},
		{http.MethodGet, "healthz", ""},
	}
}

// attackPath is prefix, then enough disguised climbs to reach the root,
// then the target's segments joined by the disguised separator.
func attackPath(prefix string, enc pathEncoding, target string) string {
	depth := strings.Count(prefix, "/") // one more than needed: a cleaner stops at the root
	return prefix + strings.Repeat(enc.climb, depth) + strings.ReplaceAll(target, "/", enc.sep)
}

// refusedLog collects (request id, path) of refused requests so their
// access-log lines can be checked in one pass.
type refusedLog struct {
	mu   sync.Mutex
	want map[string]string // request id → path as sent
}

func (l *refusedLog) add(t *testing.T, path string, r result) {
	t.Helper()
	id := r.header.Get("X-Request-Id")
	if id == "" {
		t.Errorf("%s: no X-Request-Id", path)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.want == nil {
		l.want = map[string]string{}
	}
	l.want[id] = path
}

// check asserts each collected request's access-log line, from e,
// records the path exactly as sent.
func (l *refusedLog) check(t *testing.T, e *env) {
	t.Helper()
	e.flushLog(t)
	l.mu.Lock()
	defer l.mu.Unlock()
	got := map[string]string{}
	for line := range strings.SplitSeq(logSink.String(), "\n") {
		if !strings.Contains(line, `"msg":"request"`) {
			continue
		}
		var rec struct {
			RequestID string `json:"requestId"`
			Route     string `json:"route"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil {
			if _, ok := l.want[rec.RequestID]; ok {
				got[rec.RequestID] = rec.Route
			}
		}
	}
	for id, p := range l.want {
		route, ok := got[id]
		switch {
		case !ok:
			t.Errorf("request %s (%s): no access-log line", id, p)
		case route != p:
			t.Errorf("request %s: access log route %q, want the path as sent %q", id, route, p)
		}
	}
}

// TestPathEncodedSeparators sends every prefix × every encoding × every
// method, aimed at routes of every surface, with an API token and a
// Sunshine Basic credential attached: each is the 404 of the prefix's
// surface, no redirect, nothing created, listed or deleted, and the access
// log names the path as sent.
func TestPathEncodedSeparators(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want := notFoundBodies(t, e)
	f := newPathFixture(t, e)
	before := f.counts(t, e)
	prefixes := []pathPrefix{
		{"/user/", "asksage"},
		{"/server/", "asksage"},
		{"/v2/apps/", "sunshine"},
		{"/v2/apps/" + f.appID + "/keys/", "sunshine"},
		{"/signup/", "sumtyme"},
		{"/healthz/", "root"},
		{"/readyz/", "root"},
		{"/", "root"},
	}
	var logs refusedLog
	t.Run("attacks", func(t *testing.T) {
		for _, pre := range prefixes {
			for _, enc := range pathEncodings {
				t.Run(pre.prefix+" "+enc.name, func(t *testing.T) {
					t.Parallel()
					for _, tg := range f.targets(t) {
						p := attackPath(pre.prefix, enc, tg.path)
						r := e.call(t, tg.method, p, f.headers, tg.body)
						checkRefused(t, tg.method+" "+p, pre.envelope, want, r)
						logs.add(t, p, r)
					}
				})
			}
		}
	})
	if after := f.counts(t, e); after != before {
		t.Errorf("the account held %+v before the attacks and %+v after: a handler ran", before, after)
	}
	// No attack signed the address up: it is still free.
	e.signupAs(t, f.email)
	logs.check(t, e)
}

// TestPathDotSegmentsInRoutes puts a dot segment or an encoded separator
// inside every kind of real route: a cleaner would route each to the real
// route; as sent, each is the 404 of its surface.
func TestPathDotSegmentsInRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want := notFoundBodies(t, e)
	f := newPathFixture(t, e)
	before := f.counts(t, e)
	routes := []struct {
		method, path, body, envelope string
	}{
		{http.MethodPost, "/user/user-api-key", `{"name": "intruder"}`, "asksage"},
		{http.MethodDelete, "/user/user-api-key", fmt.Sprintf(`{"id": %d}`, f.keyID), "asksage"},
		{http.MethodPost, "/user/get-user-api-keys", `{}`, "asksage"},
		{http.MethodGet, "/server/get-models", "", "asksage"},
		{http.MethodGet, "/v2/apps", "", "sunshine"},
		{http.MethodPost, "/v2/apps", `{"displayName": "intruder"}`, "sunshine"},
		{http.MethodGet, "/v2/apps/" + f.appID, "", "sunshine"},
		{http.MethodDelete, "/v2/apps/" + f.appID + "/keys/" + f.appKey.id, "", "sunshine"},
		{http.MethodPost, "/signup", mustJSON(t, map[string]string{"email": f.email, "password": "pw-intruder-0123456789", "confirm_password": "pw-intruder-0123456789"}), "sumtyme"},
		{http.MethodGet, "/healthz", "", "root"},
		{http.MethodGet, "/readyz", "", "root"},
	}
	var logs refusedLog
	t.Run("routes", func(t *testing.T) {
		for _, rt := range routes {
			segs := strings.Split(rt.path[1:], "/")
			var variants []string
			for i := 1; i <= len(segs); i++ {
				head, tail := "/"+strings.Join(segs[:i], "/"), strings.Join(segs[i:], "/")
				for _, dot := range []string{".", "%2e", "%2E"} {
					// "/v2/./apps", "/v2/apps/.": a "." segment, anywhere.
					v := head + "/" + dot
					if tail != "" {
						v += "/" + tail
					}
					variants = append(variants, v)
					// "/v2/apps/x/../x": a climb that lands on the route.
					v = head + "/x/" + dot + dot
					if tail != "" {
						v += "/" + tail
					}
					variants = append(variants, v)
				}
				if tail != "" {
					for _, sep := range []string{"%2f", "%2F", "%5c", "%5C", "%252f"} {
						// "/user%2fuser-api-key": the separator itself encoded.
						variants = append(variants, head+sep+tail)
					}
				}
			}
			for _, v := range variants {
				t.Run(rt.method+" "+v, func(t *testing.T) {
					t.Parallel()
					r := e.call(t, rt.method, v, f.headers, rt.body)
					checkRefused(t, rt.method+" "+v, rt.envelope, want, r)
					logs.add(t, v, r)
				})
			}
		}
	})
	if after := f.counts(t, e); after != before {
		t.Errorf("the account held %+v before and %+v after: a handler ran", before, after)
	}
	e.signupAs(t, f.email)
	logs.check(t, e)
}

// TestPathEveryEncodedByte: a literal segment spelled with escapes names no
// route, so "/%75ser/..." is not "/user/..." and a proxy rule on the path as
// sent holds.
func TestPathEveryEncodedByte(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want := notFoundBodies(t, e)
	f := newPathFixture(t, e)
	before := f.counts(t, e)
	for _, c := range []struct{ method, path, body, envelope string }{
		{http.MethodPost, "/%75ser/user-api-key", `{"name": "intruder"}`, "root"},
		{http.MethodPost, "/user/user-%61pi-key", `{"name": "intruder"}`, "asksage"},
		{http.MethodPost, "/user/user-api-key%20", `{"name": "intruder"}`, "asksage"},
		{http.MethodGet, "/v%32/apps", "", "root"},
		{http.MethodGet, "/v2/%61pps", "", "sunshine"},
		{http.MethodGet, "/v2/%61pps/" + f.appID, "", "sunshine"},
		{http.MethodDelete, "/v2/apps/" + f.appID + "/%6beys/" + f.appKey.id, "", "sunshine"},
		{http.MethodGet, "/healthz%3f", "", "root"},
		{http.MethodPost, "/sign%75p", `{}`, "root"},
		{http.MethodPost, "/signup%2f", `{}`, "sumtyme"},
		{http.MethodGet, "/%2e%2e/%2e%2e/v2/apps", "", "root"},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			checkRefused(t, c.method+" "+c.path, c.envelope, want, e.call(t, c.method, c.path, f.headers, c.body))
		})
	}
	if after := f.counts(t, e); after != before {
		t.Errorf("the account held %+v before and %+v after: a handler ran", before, after)
	}
}

// TestPathValueEncodedIDs: an app or key id carrying an encoded separator
// is an unknown id, answered 404 in the Sunshine envelope, never a 500 and
// never another app's answer.
func TestPathValueEncodedIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want := notFoundBodies(t, e)
	f := newPathFixture(t, e)
	before := f.counts(t, e)
	app, key := f.appID, f.appKey.id
	for _, p := range []string{
		"/v2/apps/abc%2fdef",
		"/v2/apps/" + app + "%2f",
		"/v2/apps/" + app + "%2fkeys",
		"/v2/apps/" + app + "%2Fkeys%2F" + key,
		"/v2/apps/x%2f..%2f" + app,
		"/v2/apps/%2e%2e",
		"/v2/apps/%2e%2e/keys",
		"/v2/apps/" + app + "/keys/" + key + "%2f",
		"/v2/apps/" + app + "/keys/%2e%2e",
		"/v2/apps/" + app + "/keys/x%2f..%2f" + key,
		"/v2/apps/" + app + "/keys/" + key + "%5c",
		"/v2/apps/" + app + "/keys/" + key + "%252f",
		// Bytes no id has, which PostgreSQL would refuse and SQLite not:
		// refused before any store sees them, alike on both.
		"/v2/apps/" + app + "%00",
		"/v2/apps/%ff%fe",
		"/v2/apps/" + app + "/keys/" + key + "%00",
		"/v2/apps/" + app + "/keys/" + key + "%0a",
		"/v2/apps/" + app + "/keys/" + key + "%7f",
		"/v2/apps/" + app + "/keys/" + key + "%c2%85",
		"/v2/apps/" + app + "/keys/%c0%af",
	} {
		for _, m := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete, http.MethodPost} {
			t.Run(m+" "+p, func(t *testing.T) {
				body := ""
				if m == http.MethodPatch || m == http.MethodPost {
					body = `{"displayName": "renamed"}`
				}
				checkRefused(t, m+" "+p, "sunshine", want, e.call(t, m, p, f.acct.key.basic(), body))
			})
		}
	}
	if after := f.counts(t, e); after != before {
		t.Errorf("the account held %+v before and %+v after: a handler ran", before, after)
	}
	r := e.call(t, http.MethodGet, "/v2/apps/"+app, f.acct.key.basic(), "")
	if a := appOf(t, r); a.DisplayName != "victim app" {
		t.Errorf("the app was renamed to %q", a.DisplayName)
	}
}

// TestPathValueEscapedData: in a wildcard segment an escape that hides no
// structure is data: decoded once, it makes an id that is not one of ours,
// answered as any unknown id (app_not_found for an app, as the Sunshine
// examples show), never a 500.
func TestPathValueEscapedData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newPathFixture(t, e)
	before := f.counts(t, e)
	app, key := f.appID, f.appKey.id
	for _, c := range []struct {
		path    string
		methods []string
		code    string
	}{
		{"/v2/apps/a%20b", []string{http.MethodGet, http.MethodPatch, http.MethodDelete}, "app_not_found"},
		{"/v2/apps/caf%C3%A9", []string{http.MethodGet, http.MethodPatch, http.MethodDelete}, "app_not_found"},
		{"/v2/apps/%27%20OR%201%3D1%20--/keys", []string{http.MethodGet, http.MethodPost}, "app_not_found"},
		{"/v2/apps/" + app + "/keys/" + key + "%20", []string{http.MethodGet, http.MethodDelete}, ""},
		{"/v2/apps/" + app + "/keys/%61pp_x", []string{http.MethodGet, http.MethodDelete}, ""},
	} {
		for _, m := range c.methods {
			t.Run(m+" "+c.path, func(t *testing.T) {
				body := ""
				if m == http.MethodPatch || m == http.MethodPost {
					body = `{"displayName": "renamed"}`
				}
				r := e.call(t, m, c.path, f.acct.key.basic(), body)
				if r.status != http.StatusNotFound {
					t.Fatalf("%s %s: %s, want 404", m, c.path, r)
				}
				if code, _ := errorOf(t, r); c.code != "" && code != c.code {
					t.Errorf("%s %s: code %q, want %q", m, c.path, code, c.code)
				}
			})
		}
	}
	if after := f.counts(t, e); after != before {
		t.Errorf("the account held %+v before and %+v after: a handler acted on another id", before, after)
	}
}

// TestPathDoubledSlashesStillRoute: collapsing "//" creates no traversal
// and keeps the JS client's "//v2/..." working; combined with a dot
// segment it is still refused.
func TestPathDoubledSlashesStillRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want := notFoundBodies(t, e)
	f := newPathFixture(t, e)
	for _, c := range []struct{ method, path, body string }{
		{http.MethodGet, "//v2/apps", ""},
		{http.MethodGet, "/v2//apps//" + f.appID, ""},
		{http.MethodPost, "//user//get-user-api-keys", "{}"},
		{http.MethodGet, "//healthz", ""},
	} {
		if r := e.call(t, c.method, c.path, f.headers, c.body); r.status != http.StatusOK {
			t.Errorf("%s %s: %s, want 200", c.method, c.path, r)
		}
	}
	for _, c := range []struct{ path, envelope string }{
		{"//v2/../user/get-user-api-keys", "sunshine"},
		{"//v2//..//user/get-user-api-keys", "sunshine"},
		{"//user/.//get-user-api-keys", "asksage"},
		{"//..//user/get-user-api-keys", "root"},
	} {
		checkRefused(t, c.path, c.envelope, want, e.call(t, http.MethodPost, c.path, f.headers, "{}"))
	}
}

// TestPathRawRequestLine writes request lines on a TCP connection, so
// nothing between the test and the server can normalise them: origin form,
// absolute form, literal backslashes, CONNECT and an empty path.
func TestPathRawRequestLine(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want := notFoundBodies(t, e)
	f := newPathFixture(t, e)
	before := f.counts(t, e)
	host := strings.TrimPrefix(e.srv.URL, "http://")
	for _, c := range []struct {
		method, target, body, envelope string
	}{
		{"POST", "/healthz/..%2fuser/user-api-key", `{"name": "intruder"}`, "root"},
		{"POST", "/v2/apps/..%2f..%2fuser%2fget-user-api-keys", `{}`, "sunshine"},
		{"POST", "/signup/..%2fuser%2fget-user-api-keys", `{}`, "sumtyme"},
		{"POST", "/signup/..%2fuser%2fuser-api-key", `{"name": "intruder"}`, "sumtyme"},
		{"DELETE", "/server/%2e%2e/user/user-api-key", fmt.Sprintf(`{"id": %d}`, f.keyID), "asksage"},
		{"GET", "/v2/../v2/apps", "", "sunshine"},
		{"GET", "/v2/./apps", "", "sunshine"},
		{"POST", "/v2/.%2e/user/user-api-key", `{"name": "intruder"}`, "sunshine"},
		{"POST", `/v2\..\user\user-api-key`, `{"name": "intruder"}`, "sunshine"},
		{"POST", `/healthz\..\user/user-api-key`, `{"name": "intruder"}`, "root"},
		{"POST", "http://" + host + "/healthz/..%2fuser/user-api-key", `{"name": "intruder"}`, "root"},
		{"POST", "http://" + host + "/user/../user/user-api-key", `{"name": "intruder"}`, "asksage"},
		{"GET", "http://" + host, "", "root"},
		{"CONNECT", "/healthz/..%2fuser/user-api-key", `{"name": "intruder"}`, "root"},
		{"CONNECT", "/v2/../v2/apps", "", "sunshine"},
		{"POST", "/%75ser/user-api-key", `{"name": "intruder"}`, "root"},
		{"POST", "/user/user%2dapi-key", `{"name": "intruder"}`, "asksage"},
		{"GET", "*", "", "root"},
	} {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			r := rawRequest(t, host, c.method, c.target, f.headers, c.body)
			checkRefused(t, c.method+" "+c.target, c.envelope, want, r)
		})
	}
	if after := f.counts(t, e); after != before {
		t.Errorf("the account held %+v before and %+v after: a handler ran", before, after)
	}
}

// rawRequest writes one HTTP/1.1 request with target exactly as given and
// reads the answer.
func rawRequest(t *testing.T, host, method, target string, headers []string, body string) result {
	t.Helper()
	conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(t.Context(), "tcp", host)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, host)
	for i := 0; i+1 < len(headers); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", headers[i], headers[i+1])
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	if _, err := conn.Write(b.Bytes()); err != nil {
		t.Fatalf("write: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: rb}
}

// TestPathNeverRedirects: ServeMux redirects a path to its cleaned form and
// "/tree" to "/tree/"; neither may ever happen. Every route shape, with and
// without a trailing slash, doubled slashes and every method: no 3xx (each
// answer is checked by checkInvariants) and each path that is no route
// answers the 404 of its surface.
func TestPathNeverRedirects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want := notFoundBodies(t, e)
	f := newPathFixture(t, e)
	app, key := f.appID, f.appKey.id
	for _, c := range []struct{ path, envelope string }{
		{"/user", "asksage"}, {"/server", "asksage"}, {"/v2", "sunshine"}, {"/signup", "sumtyme"},
		{"/healthz", "root"}, {"/readyz", "root"}, {"/user/user-api-key", "asksage"},
		{"/user/get-user-api-keys", "asksage"}, {"/server/get-datasets", "asksage"}, {"/v2/apps", "sunshine"},
		{"/v2/apps/" + app, "sunshine"}, {"/v2/apps/" + app + "/keys", "sunshine"},
		{"/v2/apps/" + app + "/keys/" + key, "sunshine"},
	} {
		for _, p := range []string{c.path, c.path + "/", "/" + c.path, c.path + "//"} {
			for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPatch, http.MethodPut, http.MethodOptions} {
				r := e.call(t, m, p, f.headers, "")
				if strings.HasSuffix(p, "/") && r.status == http.StatusNotFound {
					checkRefused(t, m+" "+p, c.envelope, want, r)
				}
			}
		}
	}
	// OPTIONS of the root is no CORS preflight answer either.
	if r := e.call(t, http.MethodOptions, "/", nil, ""); r.status != http.StatusNotFound {
		t.Errorf("OPTIONS /: %s, want 404", r)
	}
}
