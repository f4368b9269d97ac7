//go:build !no_console

package httpserver_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/api/console"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpserver"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

// consoleBuilt says this build serves the web console (console_on.go).
const consoleBuilt = true

// browser is a console client: its own cookie jar, redirects not followed
// (each test reads them), and forms sent as a browser sends them from the
// console's own page (Sec-Fetch-Site: same-origin).
type browser struct {
	t      *testing.T
	e      *env
	client *http.Client
}

func newBrowser(t *testing.T, e *env) *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, e: e, client: c}
}

type cpage struct {
	status int
	header http.Header
	body   string
}

func (b *browser) send(method, path string, form url.Values, site string) cpage {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.t.Context(), method, b.e.url+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if site != "" {
		req.Header.Set("Sec-Fetch-Site", site)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	p := cpage{status: resp.StatusCode, header: resp.Header, body: string(raw)}
	if p.status >= 500 {
		b.t.Errorf("%s %s: %d %s", method, path, p.status, p.body)
	}
	if p.status != http.StatusSeeOther && p.status != http.StatusFound && !strings.HasPrefix(path, "/console/static/") {
		if ct := p.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			b.t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
		if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
			b.t.Errorf("%s %s: CSP %q", method, path, csp)
		}
	}
	return p
}

func (b *browser) get(path string) cpage { b.t.Helper(); return b.send("GET", path, nil, "") }
func (b *browser) post(path string, kv ...string) cpage {
	b.t.Helper()
	f := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	return b.send("POST", path, f, "same-origin")
}

// login logs the browser in and fails the test unless it worked.
func (b *browser) login(email, pw string) {
	b.t.Helper()
	p := b.post("/console/login", "email", email, "password", pw)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/" {
		b.t.Fatalf("login %s: %d %q %s", email, p.status, p.header.Get("Location"), p.body)
	}
}

var (
	revealRE = regexp.MustCompile(`<code id="secret" class="secret">([^<]+)</code>`)
	keyRowRE = regexp.MustCompile(`data-key-id="(\d+)"`)
)

func wantPage(t *testing.T, what string, p cpage, status int) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: %d, want %d: %s", what, p.status, status, p.body)
	}
}

// consoleAdmin creates an active admin as `gatehouse users create --admin
// --active` does and returns its e-mail and password.
func consoleAdmin(t *testing.T, e *env) (string, string) {
	t.Helper()
	email, pw := newEmail(), newPassword()
	if _, _, err := e.svc.CreateUser(t.Context(), email, pw, true, true); err != nil {
		t.Fatal(err)
	}
	return email, pw
}

// TestConsoleJourney: sign up in the console (the key shown once), wait
// for activation, an admin activates in the console, log in, create a key
// (revealed once) that works against the API, delete it (refused at once),
// make a token, log out (the session is dead server-side).
func TestConsoleJourney(t *testing.T) {
	e := newEnv(t)
	if p := newBrowser(t, e).get("/"); p.status != http.StatusFound || p.header.Get("Location") != console.Prefix {
		t.Fatalf("GET /: %d %q", p.status, p.header.Get("Location"))
	}
	u := newBrowser(t, e)
	email, pw := newEmail(), newPassword()
	p := u.post("/console/signup", "email", email, "password", pw, "confirm_password", pw)
	wantPage(t, "signup", p, http.StatusOK)
	m := revealRE.FindStringSubmatch(p.body)
	if m == nil || !strings.Contains(p.body, "you will not see this again") || !strings.Contains(p.body, "waiting for an administrator") {
		t.Fatalf("sign-up page: %s", p.body)
	}
	firstKey := m[1]

	// Pending: the right password says so; a wrong one gets the same words
	// as an unknown e-mail.
	p = u.post("/console/login", "email", email, "password", pw)
	wantPage(t, "pending login", p, http.StatusForbidden)
	if !strings.Contains(p.body, "waiting for an administrator") {
		t.Errorf("pending login page: %s", p.body)
	}
	wrong := u.post("/console/login", "email", email, "password", pw+"x")
	unknown := u.post("/console/login", "email", newEmail(), "password", pw)
	wantPage(t, "wrong password", wrong, http.StatusUnauthorized)
	wantPage(t, "unknown e-mail", unknown, http.StatusUnauthorized)
	errOf := func(s string) string { return regexp.MustCompile(`id="form-error">([^<]*)<`).FindString(s) }
	if errOf(wrong.body) == "" || errOf(wrong.body) != errOf(unknown.body) {
		t.Errorf("wrong password says %q, unknown e-mail %q", errOf(wrong.body), errOf(unknown.body))
	}

	// The admin activates it in the console; a non-admin may not.
	admEmail, admPw := consoleAdmin(t, e)
	adm := newBrowser(t, e)
	adm.login(admEmail, admPw)
	p = adm.get("/console/admin")
	wantPage(t, "admin page", p, http.StatusOK)
	if !strings.Contains(p.body, `data-email="`+email+`"`) {
		t.Fatalf("pending account not listed: %s", p.body)
	}
	wantPage(t, "activate", adm.post("/console/admin/activate", "email", email), http.StatusSeeOther)

	u.login(email, pw)
	wantPage(t, "non-admin on admin page", u.get("/console/admin"), http.StatusForbidden)
	wantPage(t, "non-admin activates", u.post("/console/admin/deactivate", "email", admEmail), http.StatusForbidden)

	// The first key works now.
	if r := e.call(t, "POST", "/user/get-user-logins", hdr("x-access-tokens", firstKey, "Content-Type", ctJSON), `{}`); r.status != http.StatusOK {
		t.Fatalf("sign-up key after activation: %s", r)
	}

	p = u.post("/console/keys", "name", "ci")
	wantPage(t, "create key", p, http.StatusOK)
	m = revealRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no key revealed: %s", p.body)
	}
	key := m[1]
	if r := e.call(t, "POST", "/user/get-user-logins", hdr("x-access-tokens", key, "Content-Type", ctJSON), `{}`); r.status != http.StatusOK {
		t.Fatalf("console key: %s", r)
	}
	p = u.get("/console/keys")
	if strings.Contains(p.body, key) || strings.Contains(p.body, firstKey) {
		t.Fatal("the keys page shows a key again")
	}
	ids := keyRowRE.FindAllStringSubmatch(p.body, -1)
	if len(ids) != 2 {
		t.Fatalf("keys page lists %d keys: %s", len(ids), p.body)
	}
	newest := ids[1][1]
	wantPage(t, "confirm delete", u.get("/console/keys/"+newest+"/delete"), http.StatusOK)
	p = u.post("/console/keys/" + newest + "/delete")
	if p.status != http.StatusSeeOther {
		t.Fatalf("delete key: %d %s", p.status, p.body)
	}
	if r := e.call(t, "POST", "/user/get-user-logins", hdr("x-access-tokens", key, "Content-Type", ctJSON), `{}`); r.status != http.StatusUnauthorized {
		t.Fatalf("deleted key: %s", r)
	}

	p = u.post("/console/token", "key_id", ids[0][1])
	m = revealRE.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil || !strings.HasPrefix(m[1], "gat_") {
		t.Fatalf("token: %d %s", p.status, p.body)
	}
	if r := e.call(t, "POST", "/user/get-user-logins", hdr("x-access-tokens", m[1], "Content-Type", ctJSON), `{}`); r.status != http.StatusOK {
		t.Fatalf("console token: %s", r)
	}

	// Login history shows the console logins, failed and successful.
	p = u.get("/console/activity")
	if !strings.Contains(p.body, "console login") || !strings.Contains(p.body, "failed: invalid password") || !strings.Contains(p.body, "failed: account pending") {
		t.Errorf("activity: %s", p.body)
	}

	// Logout kills the session on the server: the old cookie is refused.
	stolen := u.client.Jar.Cookies(mustURL(t, e.url+"/console/"))
	wantPage(t, "logout", u.post("/console/logout"), http.StatusSeeOther)
	replay := newBrowser(t, e)
	replay.client.Jar.SetCookies(mustURL(t, e.url+"/console/"), stolen)
	if p := replay.get("/console/keys"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/console/login") {
		t.Fatalf("old session after logout: %d %q", p.status, p.header.Get("Location"))
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestConsoleRefusals: cross-site forms, another user's ids, no session,
// a deactivated account's session, open redirects, cookie attributes.
func TestConsoleRefusals(t *testing.T) {
	e := newEnv(t)
	admEmail, admPw := consoleAdmin(t, e)
	adm := newBrowser(t, e)
	adm.login(admEmail, admPw)

	a, b := newBrowser(t, e), newBrowser(t, e)
	aEmail, aPw := newEmail(), newPassword()
	bEmail, bPw := newEmail(), newPassword()
	for _, u := range []struct{ e, p string }{{aEmail, aPw}, {bEmail, bPw}} {
		if _, _, err := e.svc.CreateUser(t.Context(), u.e, u.p, false, true); err != nil {
			t.Fatal(err)
		}
	}
	a.login(aEmail, aPw)
	b.login(bEmail, bPw)

	// The cookie: HttpOnly, SameSite=Lax, scoped to the console.
	p := b.post("/console/login", "email", bEmail, "password", bPw)
	ck := p.header.Get("Set-Cookie")
	for _, want := range []string{console.CookieName + "=ghs_", "Path=/console/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(ck, want) {
			t.Errorf("Set-Cookie %q lacks %q", ck, want)
		}
	}

	// A form from another site is refused and changes nothing.
	f := url.Values{"name": {"evil"}}
	if p := a.send("POST", "/console/keys", f, "cross-site"); p.status != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", p.status)
	}
	keys := keyRowRE.FindAllStringSubmatch(a.get("/console/keys").body, -1)
	if len(keys) != 1 {
		t.Fatalf("a has %d keys after a cross-site form", len(keys))
	}

	// b cannot see or delete a's key.
	wantPage(t, "b confirms a's key", b.get("/console/keys/"+keys[0][1]+"/delete"), http.StatusNotFound)
	wantPage(t, "b deletes a's key", b.post("/console/keys/"+keys[0][1]+"/delete"), http.StatusNotFound)
	wantPage(t, "b tokens a's key", b.post("/console/token", "key_id", keys[0][1]), http.StatusNotFound)
	if n := len(keyRowRE.FindAllString(a.get("/console/keys").body, -1)); n != 1 {
		t.Errorf("a has %d keys after b's attempts", n)
	}

	// No session: pages redirect to the login, forms get 401.
	anon := newBrowser(t, e)
	if p := anon.get("/console/keys"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/login?next=%2Fconsole%2Fkeys" {
		t.Errorf("anonymous GET: %d %q", p.status, p.header.Get("Location"))
	}
	wantPage(t, "anonymous POST", anon.post("/console/keys", "name", "x"), http.StatusUnauthorized)
	garbage := newBrowser(t, e)
	garbage.client.Jar.SetCookies(mustURL(t, e.url+"/console/"), []*http.Cookie{{Name: console.CookieName, Value: "ghs_nonsense"}})
	wantPage(t, "garbage cookie POST", garbage.post("/console/keys", "name", "x"), http.StatusUnauthorized)

	// After login, only a console path is a destination.
	for next, want := range map[string]string{"/console/keys": "/console/keys", "https://evil.example/": "/console/", "//evil.example/": "/console/", "/console/\\evil": "/console/"} {
		c := newBrowser(t, e)
		p := c.post("/console/login", "email", aEmail, "password", aPw, "next", next)
		if p.header.Get("Location") != want {
			t.Errorf("next=%q: Location %q, want %q", next, p.header.Get("Location"), want)
		}
	}

	// Deactivation by the admin ends a's session at once; the admin cannot
	// deactivate itself.
	wantPage(t, "deactivate a", adm.post("/console/admin/deactivate", "email", aEmail), http.StatusSeeOther)
	wantPage(t, "a after deactivation", a.post("/console/keys", "name", "x"), http.StatusUnauthorized)
	wantPage(t, "admin deactivates itself", adm.post("/console/admin/deactivate", "email", admEmail), http.StatusBadRequest)

	// Unknown pages and bad forms.
	wantPage(t, "unknown page", b.get("/console/nope"), http.StatusNotFound)
	big := strings.Repeat("x", 20<<10)
	wantPage(t, "huge form", b.post("/console/keys", "name", big), http.StatusRequestEntityTooLarge)
	wantPage(t, "empty key name", b.post("/console/keys", "name", ""), http.StatusBadRequest)
	if p := b.get("/console/static/console.css"); p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %q", p.status, p.header.Get("Content-Type"))
	}
	if p := b.get("/console/static/"); p.status != http.StatusNotFound || strings.Contains(p.body, "console.js") {
		t.Errorf("the static directory is listed: %d", p.status)
	}
}

// consoleUser creates an active account and a browser logged in as it.
func consoleUser(t *testing.T, e *env) (*browser, string, string) {
	t.Helper()
	email, pw := newEmail(), newPassword()
	_, key, err := e.svc.CreateUser(t.Context(), email, pw, false, true)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e)
	b.login(email, pw)
	return b, email, key
}

// TestConsoleData: datasets (create, the CUI rule, share by e-mail, the
// other user sees it, change, remove, delete), chats (list, read, delete)
// and prompt logs, each refused on another user's ids.
func TestConsoleData(t *testing.T) {
	e := newEnv(t)
	a, _, aKey := consoleUser(t, e)
	b, bEmail, _ := consoleUser(t, e)
	c, _, _ := consoleUser(t, e)

	p := a.post("/console/datasets", "name", "reports", "classification", "Unclassified")
	wantPage(t, "create dataset", p, http.StatusOK)
	full := regexp.MustCompile(`data-dataset="(user_custom_\d+_reports_content)"`).FindStringSubmatch(p.body)
	if full == nil {
		t.Fatalf("dataset not listed: %s", p.body)
	}
	ref := full[1]
	if p := a.post("/console/datasets", "name", "x"); p.status != http.StatusBadRequest || !strings.Contains(p.body, `class="field-error"`) {
		t.Errorf("a short name: %d, want 400 with the error by the field", p.status)
	}
	if p := a.post("/console/datasets", "name", "secret", "classification", "CUI"); p.status != http.StatusForbidden && p.status != 407 {
		t.Errorf("a CUI dataset without CAC: %d", p.status)
	}
	wantPage(t, "share", a.post("/console/datasets/"+ref+"/share", "email", bEmail, "permission", "edit"), http.StatusSeeOther)
	if p := a.get("/console/datasets/" + ref); !strings.Contains(p.body, `data-email="`+bEmail+`"`) {
		t.Errorf("the share is not listed: %s", p.body)
	}
	if p := b.get("/console/datasets"); !strings.Contains(p.body, ref) || !strings.Contains(p.body, ">edit<") {
		t.Errorf("b does not see the shared dataset: %s", p.body)
	}
	// c has no access: the dataset is a 404 and its forms change nothing.
	wantPage(t, "c reads a's dataset", c.get("/console/datasets/"+ref), http.StatusNotFound)
	if p := c.post("/console/datasets/"+ref+"/share", "email", bEmail, "permission", "admin"); p.status != http.StatusNotFound {
		t.Errorf("c shares a's dataset: %d", p.status)
	}
	wantPage(t, "c deletes a's dataset", c.post("/console/datasets/"+ref+"/delete"), http.StatusNotFound)
	// b (edit) may not share or delete, but may leave.
	if p := b.post("/console/datasets/" + ref + "/delete"); p.status != http.StatusForbidden {
		t.Errorf("b deletes: %d, want 403", p.status)
	}
	wantPage(t, "change to read", a.post("/console/datasets/"+ref+"/share", "email", bEmail, "permission", "read"), http.StatusSeeOther)
	if p := b.get("/console/datasets"); !strings.Contains(p.body, ">read<") {
		t.Errorf("b's access after the change: %s", p.body)
	}
	wantPage(t, "remove", a.post("/console/datasets/"+ref+"/unshare", "email", bEmail), http.StatusSeeOther)
	if p := b.get("/console/datasets"); strings.Contains(p.body, ref) {
		t.Error("b still sees the dataset after the share was removed")
	}
	wantPage(t, "confirm delete", a.get("/console/datasets/"+ref+"/delete"), http.StatusOK)
	wantPage(t, "delete", a.post("/console/datasets/"+ref+"/delete"), http.StatusSeeOther)
	if p := a.get("/console/datasets"); strings.Contains(p.body, ref) {
		t.Error("the deleted dataset is still listed")
	}

	// Chats made through the API.
	r := e.call(t, "POST", "/user/create-chat-session", hdr("x-access-tokens", aKey, "Content-Type", ctJSON), `{"title":"Plans"}`)
	if r.status != http.StatusOK {
		t.Fatalf("create chat: %s", r)
	}
	var created struct {
		Response struct {
			SessionID string `json:"session_id"`
		} `json:"response"`
	}
	if err := json.Unmarshal(r.body, &created); err != nil || created.Response.SessionID == "" {
		t.Fatalf("create chat: %s", r)
	}
	id := created.Response.SessionID
	if r := e.call(t, "POST", "/user/append-chat", hdr("x-access-tokens", aKey, "Content-Type", ctJSON),
		`{"session_id":"`+id+`","chats":[{"user":"me","message":"<b>hello</b> there"}]}`); r.status != http.StatusOK {
		t.Fatalf("append: %s", r)
	}
	if p := a.get("/console/chats"); !strings.Contains(p.body, `data-chat="`+id+`"`) || !strings.Contains(p.body, "Plans") {
		t.Errorf("chat list: %s", p.body)
	}
	p = a.get("/console/chats/" + id)
	if p.status != http.StatusOK || !strings.Contains(p.body, "&lt;b&gt;hello&lt;/b&gt; there") {
		t.Errorf("chat page (escaped text): %d %s", p.status, p.body)
	}
	wantPage(t, "b reads a's chat", b.get("/console/chats/"+id), http.StatusNotFound)
	wantPage(t, "b deletes a's chat", b.post("/console/chats/"+id+"/delete"), http.StatusNotFound)
	wantPage(t, "a deletes the chat", a.post("/console/chats/"+id+"/delete"), http.StatusSeeOther)
	wantPage(t, "the deleted chat", a.get("/console/chats/"+id), http.StatusNotFound)
	wantPage(t, "activity", a.get("/console/activity"), http.StatusOK)
}

var appIDRE = regexp.MustCompile(`/console/apps/([0-9a-f]{24})`)

// TestConsoleApps: apps (create, rename, delete), their keys (create,
// reveal, delete; the key works with the Sunshine API until deleted),
// account keys, and another user's app refused.
func TestConsoleApps(t *testing.T) {
	e := newEnv(t)
	a, _, _ := consoleUser(t, e)
	b, _, _ := consoleUser(t, e)
	p := a.post("/console/apps", "name", "Support")
	if p.status != http.StatusSeeOther {
		t.Fatalf("create app: %d %s", p.status, p.body)
	}
	m := appIDRE.FindStringSubmatch(p.header.Get("Location"))
	if m == nil {
		t.Fatalf("create app went to %q", p.header.Get("Location"))
	}
	app := m[1]
	wantPage(t, "rename", a.post("/console/apps/"+app+"/rename", "name", "Help desk"), http.StatusSeeOther)
	if p := a.get("/console/apps"); !strings.Contains(p.body, "Help desk") {
		t.Errorf("renamed app not listed: %s", p.body)
	}
	p = a.post("/console/apps/"+app+"/keys", "name", "bot")
	keyID := regexp.MustCompile(`data-key="(app_[0-9a-f]{24})"`).FindStringSubmatch(p.body)
	secret := revealRE.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || keyID == nil || secret == nil {
		t.Fatalf("create app key: %d %s", p.status, p.body)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(keyID[1]+":"+secret[1]))
	if r := e.call(t, "GET", "/v2/apps/"+app, hdr("Authorization", basic), ""); r.status != http.StatusOK {
		t.Fatalf("the console's app key on the API: %s", r)
	}
	if p := a.get("/console/apps/" + app); strings.Contains(p.body, secret[1]) {
		t.Error("the app page shows the secret without Reveal")
	}
	if p := a.post("/console/apps/" + app + "/keys/" + keyID[1] + "/reveal"); !strings.Contains(p.body, secret[1]) {
		t.Errorf("reveal: %d", p.status)
	}
	// b: another user's app is a 404 everywhere.
	wantPage(t, "b reads a's app", b.get("/console/apps/"+app), http.StatusNotFound)
	wantPage(t, "b reveals a's key", b.post("/console/apps/"+app+"/keys/"+keyID[1]+"/reveal"), http.StatusNotFound)
	wantPage(t, "b deletes a's key", b.post("/console/apps/"+app+"/keys/"+keyID[1]+"/delete"), http.StatusNotFound)
	wantPage(t, "b renames a's app", b.post("/console/apps/"+app+"/rename", "name", "mine"), http.StatusNotFound)
	wantPage(t, "b deletes a's app", b.post("/console/apps/"+app+"/delete"), http.StatusNotFound)

	wantPage(t, "delete key", a.post("/console/apps/"+app+"/keys/"+keyID[1]+"/delete"), http.StatusSeeOther)
	if r := e.call(t, "GET", "/v2/apps/"+app, hdr("Authorization", basic), ""); r.status != http.StatusUnauthorized {
		t.Fatalf("the deleted app key: %s", r)
	}

	p = a.post("/console/account-keys", "name", "ops")
	act := regexp.MustCompile(`Key id <code>(act_[0-9a-f]{24})</code>`).FindStringSubmatch(p.body)
	sec := revealRE.FindStringSubmatch(p.body)
	if act == nil || sec == nil {
		t.Fatalf("account key: %d %s", p.status, p.body)
	}
	acctBasic := "Basic " + base64.StdEncoding.EncodeToString([]byte(act[1]+":"+sec[1]))
	if r := e.call(t, "GET", "/v2/apps", hdr("Authorization", acctBasic), ""); r.status != http.StatusOK || !strings.Contains(string(r.body), app) {
		t.Fatalf("the console's account key on the API: %s", r)
	}
	if p := a.get("/console/account-keys"); strings.Contains(p.body, sec[1]) {
		t.Error("the account key secret is shown again")
	}
	wantPage(t, "b deletes a's account key", b.post("/console/account-keys/"+act[1]+"/delete"), http.StatusNotFound)
	wantPage(t, "delete account key", a.post("/console/account-keys/"+act[1]+"/delete"), http.StatusSeeOther)
	wantPage(t, "confirm app delete", a.get("/console/apps/"+app+"/delete"), http.StatusOK)
	wantPage(t, "delete app", a.post("/console/apps/"+app+"/delete"), http.StatusSeeOther)
	wantPage(t, "the deleted app", a.get("/console/apps/"+app), http.StatusNotFound)
}

// TestConsoleCrossSite: every state-changing console route refuses a form
// sent from another site (Sec-Fetch-Site: cross-site, or an Origin that is
// not the console's host), before it reads the session or the form.
func TestConsoleCrossSite(t *testing.T) {
	e := newEnv(t)
	a, email, _ := consoleUser(t, e)
	for _, path := range []string{
		"/console/login", "/console/signup", "/console/logout", "/console/keys", "/console/keys/1/delete", "/console/token",
		"/console/datasets", "/console/datasets/x/share", "/console/datasets/x/unshare", "/console/datasets/x/delete",
		"/console/chats/x/delete", "/console/apps", "/console/apps/x/rename", "/console/apps/x/delete", "/console/apps/x/keys",
		"/console/apps/x/keys/y/reveal", "/console/apps/x/keys/y/delete", "/console/account-keys", "/console/account-keys/x/delete",
		"/console/admin/activate", "/console/admin/deactivate", "/console/admin/cac",
	} {
		form := url.Values{"email": {email}, "name": {"x"}}
		if p := a.send("POST", path, form, "cross-site"); p.status != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d, want 403", path, p.status)
		}
		req, _ := http.NewRequestWithContext(t.Context(), "POST", e.url+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		resp, err := a.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s with a foreign Origin: %d, want 403", path, resp.StatusCode)
		}
	}
	// The session survived all of that.
	wantPage(t, "keys after the refusals", a.get("/console/keys"), http.StatusOK)
}

// TestConsoleSessionsAcrossNodes: a session started on one node works on
// another; logging out on the second ends it on the first at once; an
// idle session ends on every node.
func TestConsoleSessionsAcrossNodes(t *testing.T) {
	db := newDatabase(t)
	clk := newTestClock()
	n1 := newNode(t, db, httpserver.Options{}, clk.option())
	n2 := newNode(t, db, httpserver.Options{}, clk.option())
	email, pw := newEmail(), newPassword()
	if _, _, err := n1.svc.CreateUser(t.Context(), email, pw, false, true); err != nil {
		t.Fatal(err)
	}
	on1 := newBrowser(t, n1)
	on1.login(email, pw)
	cookies := on1.client.Jar.Cookies(mustURL(t, n1.url+"/console/"))
	on2 := newBrowser(t, n2)
	on2.client.Jar.SetCookies(mustURL(t, n2.url+"/console/"), cookies)
	wantPage(t, "the session on node 2", on2.get("/console/keys"), http.StatusOK)
	wantPage(t, "logout on node 2", on2.post("/console/logout"), http.StatusSeeOther)
	if p := on1.get("/console/keys"); p.status != http.StatusSeeOther {
		t.Fatalf("node 1 after logout on node 2: %d", p.status)
	}

	on1.login(email, pw)
	wantPage(t, "a fresh session", on1.get("/console/keys"), http.StatusOK)
	clk.Advance(gatehouse.SessionIdle + time.Second)
	if p := on1.get("/console/keys"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/console/login") {
		t.Fatalf("after the idle limit: %d %q", p.status, p.header.Get("Location"))
	}
}

// TestConsoleLoginThrottled: past the per-IP-and-e-mail budget the log-in
// page answers 429 with Retry-After, as every surface's throttles do, and
// the same for an unknown e-mail.
func TestConsoleLoginThrottled(t *testing.T) {
	lim := unthrottled
	lim.LoginFailuresPerIPAccount = ratelimit.Limit{Every: time.Minute, Burst: 2}
	e := newEnv(t, func(o *core.Options) { o.Limits = lim })
	_, email, _ := consoleUser(t, e)
	for _, who := range []string{email, newEmail()} {
		b := newBrowser(t, e)
		for range 2 {
			wantPage(t, "a wrong password", b.post("/console/login", "email", who, "password", "wrong-password"), http.StatusUnauthorized)
		}
		p := b.post("/console/login", "email", who, "password", "wrong-password")
		wantPage(t, "past the budget", p, http.StatusTooManyRequests)
		if ra := p.header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Errorf("%s: 429 with Retry-After %q", who, ra)
		}
	}
}
