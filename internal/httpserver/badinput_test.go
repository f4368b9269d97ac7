package httpserver_test

import (
	"net/http"
	"strings"
	"testing"
)

// userRoute is one /user route with a body that is valid for it.
type userRoute struct {
	method, path string
	auth         bool
	valid        string   // a valid body (for the size boundary)
	wrongTypes   []string // bodies with a field of the wrong type
	allow        string   // its Allow header on 405
}

func userRoutes(email, key string) []userRoute {
	return []userRoute{
		{http.MethodPost, tokenPath, false, `{"email": "` + email + `", "api_key": "` + key + `"}`,
			[]string{`{"email": 5, "api_key": "x"}`, `{"email": "a@example.com", "api_key": ["x"]}`, `{"email": true, "api_key": {}}`}, "POST"},
		{http.MethodPost, loginsPath, true, `{"limit": 5}`,
			[]string{`{"limit": "x"}`, `{"limit": [1]}`, `{"limit": false}`}, "POST"},
		{http.MethodPost, keysPath, true, `{}`, nil, "POST"},
		{http.MethodPost, keyPath, true, `{"name": "big"}`,
			[]string{`{"name": 1}`, `{"name": ["a"]}`, `{"name": {"a": "b"}}`}, "POST, DELETE"},
		{http.MethodDelete, keyPath, true, `{"id": 987654}`,
			[]string{`{"id": "x"}`, `{"id": [1]}`, `{"id": {}}`, `{"id": false}`}, "POST, DELETE"},
	}
}

// TestBadInput400 sends malformed bodies to every /user route: each answers
// 400 in the envelope (never 5xx; env.do checks the envelope and the
// forbidden words for every answer).
func TestBadInput400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	deep := strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200)
	deepArr := `{"a":` + strings.Repeat(`[`, 200) + strings.Repeat(`]`, 200) + `}`
	var scs []scenario
	for _, rt := range userRoutes(u.email, u.key) {
		h := hdr("Content-Type", ctJSON)
		if rt.auth {
			h = withToken(u.token)
		}
		add := func(name string, body []byte) {
			scs = append(scs, scenario{name: rt.method + " " + rt.path + ": " + name, method: rt.method, path: rt.path,
				headers: h, rawBody: body, wantStatus: http.StatusBadRequest, want: []string{`"status":400`}, notWant: []string{"access_token", "stai-"}})
		}
		add("malformed JSON", []byte(`{"limit":`))
		add("unterminated string", []byte(`{"name": "abc`))
		add("single quotes", []byte(`{'name': 'x'}`))
		add("trailing garbage {}{}", []byte(`{}{}`))
		add("trailing garbage after a valid body", []byte(rt.valid+` []`))
		add("trailing comma", []byte(`{"a": 1,}`))
		add("array body", []byte(`[]`))
		add("array of objects", []byte(`[`+rt.valid+`]`))
		add("null body", []byte(`null`))
		add("number body", []byte(`5`))
		add("string body", []byte(`"{}"`))
		add("duplicate keys", []byte(`{"email":"a","email":"b"}`))
		add("duplicate nested keys", []byte(`{"x": {"k": 1, "k": 2}}`))
		add("invalid UTF-8", []byte("{\"name\": \"\xff\xfe\"}"))
		add("invalid UTF-8 in a key", []byte("{\"\xc3\x28\": 1}"))
		add("NUL byte outside a string", []byte("{\x00}"))
		add("nested too deep (objects)", []byte(deep))
		add("nested too deep (arrays)", []byte(deepArr))
		for _, b := range rt.wrongTypes {
			add("wrong type "+b, []byte(b))
		}
	}
	e.run(t, scs)
}

// TestBadInput413 sends bodies over 1 MiB to every /user route, and one just
// under the limit that must pass.
func TestBadInput413(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	var scs []scenario
	for _, rt := range userRoutes(u.email, u.key) {
		h := hdr("Content-Type", ctJSON)
		if rt.auth {
			h = withToken(u.token)
		}
		// The valid body with a padding field, to a total of n bytes.
		pad := func(n int) []byte {
			head := strings.TrimSuffix(strings.TrimSpace(rt.valid), "}")
			if head != "{" {
				head += ", "
			}
			head += `"pad": "`
			return []byte(head + strings.Repeat("a", n-len(head)-2) + `"}`)
		}
		scs = append(scs, scenario{name: rt.method + " " + rt.path + ": over 1 MiB", method: rt.method, path: rt.path, headers: h,
			rawBody: pad(1<<20 + 1), wantStatus: http.StatusRequestEntityTooLarge, want: []string{`"status":413`}})
		scs = append(scs, scenario{name: rt.method + " " + rt.path + ": 2 MiB", method: rt.method, path: rt.path, headers: h,
			rawBody: pad(2 << 20), wantStatus: http.StatusRequestEntityTooLarge, want: []string{`"status":413`}})
		// Exactly 1 MiB is within the limit: the route answers as for the
		// valid body (the delete's id is unknown: 404).
		want := http.StatusOK
		if rt.method == http.MethodDelete {
			want = http.StatusNotFound
		}
		scs = append(scs, scenario{name: rt.method + " " + rt.path + ": exactly 1 MiB", method: rt.method, path: rt.path, headers: h,
			rawBody: pad(1 << 20), wantStatus: want})
	}
	e.run(t, scs)
}

// TestBadInput405 calls each /user path with methods it does not serve: 405
// in the envelope, with Allow, whether or not a credential is sent.
func TestBadInput405(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	var scs []scenario
	for _, rt := range userRoutes(u.email, u.key) {
		if rt.method == http.MethodDelete {
			continue // same path as the POST
		}
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if strings.Contains(rt.allow, m) {
				continue
			}
			for _, cred := range []string{"", u.token} {
				h := hdr("Content-Type", ctJSON)
				name := m + " " + rt.path
				if cred != "" {
					h, name = withToken(cred), name+" with a token"
				}
				scs = append(scs, scenario{name: name, method: m, path: rt.path, headers: h, body: rt.valid,
					wantStatus: http.StatusMethodNotAllowed, want: []string{`"status":405`}, wantHeader: map[string]string{"Allow": rt.allow}})
			}
		}
		scs = append(scs, scenario{name: "GET //" + rt.path, method: http.MethodGet, path: "/" + rt.path,
			wantStatus: http.StatusMethodNotAllowed, wantHeader: map[string]string{"Allow": rt.allow}})
	}
	e.run(t, scs)
}

// TestBadInput404 covers unknown /user paths: 404 in the envelope, with or
// without a credential, never a redirect.
func TestBadInput404(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	var scs []scenario
	for _, p := range []string{
		"/user/nope",
		"/user/",
		"//user/nope",
		"/user/get-user-logins/extra",
		"/user/GET-USER-LOGINS",
		"/user/get-user-nothing",
		"/user/user-api-key/3",
	} {
		for _, m := range []string{http.MethodPost, http.MethodGet, http.MethodDelete} {
			scs = append(scs,
				scenario{name: m + " " + p, method: m, path: p, headers: hdr("Content-Type", ctJSON), body: `{}`,
					wantStatus: http.StatusNotFound, want: []string{`"status":404`}},
				scenario{name: m + " " + p + " with a token", method: m, path: p, headers: withToken(u.token), body: `{}`,
					wantStatus: http.StatusNotFound, want: []string{`"status":404`}})
		}
	}
	e.run(t, scs)
}

// TestDoubledSlash covers clients that join a base URL ending in "/" with a
// path starting with "/": the request is served, never redirected (a
// redirected POST would come back as a GET).
func TestDoubledSlash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	k := e.createKey(t, u.token, "to delete")
	pw := newPassword()
	e.run(t, []scenario{
		{name: "POST //user/get-user-logins", path: "//user/get-user-logins", headers: withToken(u.token), body: `{"limit": 5}`, wantStatus: 200, want: []string{`"date_time"`}},
		{name: "POST //user//get-user-logins", path: "//user//get-user-logins", headers: withToken(u.token), body: `{"limit": 5}`, wantStatus: 200},
		{name: "POST //user/get-user-api-keys", path: "//user/get-user-api-keys", headers: withToken(u.token), body: `{}`, wantStatus: 200, want: []string{`"hint"`}},
		{name: "POST //user/get-token-with-api-key", path: "//user/get-token-with-api-key", headers: hdr("Content-Type", ctJSON),
			body: mustJSON(t, map[string]string{"email": u.email, "api_key": u.key}), wantStatus: 200, want: []string{`"access_token"`}},
		{name: "POST //user/user-api-key", path: "//user/user-api-key", headers: withToken(u.token), body: `{"name": "slash"}`, wantStatus: 200},
		{name: "DELETE //user/user-api-key", method: http.MethodDelete, path: "//user/user-api-key", headers: withToken(u.token),
			body: mustJSON(t, map[string]int64{"id": k.ID}), wantStatus: 200},
		{name: "POST //signup", path: "//signup", headers: hdr("Content-Type", ctJSON),
			body: mustJSON(t, map[string]string{"email": "slash@example.com", "password": pw, "confirm_password": pw}), wantStatus: 200, want: []string{`"api_key":"stai-`}},
		{name: "POST /user/get-user-logins?limit=1000 (query ignored)", path: "/user/get-user-logins?limit=1000", headers: withToken(u.token), body: `{"limit": 2}`, wantStatus: 200},
	})
}
