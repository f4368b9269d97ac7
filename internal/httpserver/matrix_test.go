package httpserver_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// dataRoute is one route that holds a user's data (datasets, chats, the
// prompt log, the Server API), with what its bad-input classes need.
type dataRoute struct {
	path       string
	allow      []string // methods served
	limit      int      // body limit
	valid      string   // a body it accepts
	atLimit    int      // the status for valid padded to exactly limit
	wrongTypes []string // bodies with a field of the wrong type: 400
	unknown    []string // bodies naming ids that do not exist (for the caller): 404
}

const (
	mib        = 1 << 20
	userLimit  = 1 * mib
	queryLimit = 4 * mib
)

// dataRoutes lists every data route. full is the caller's dataset, sid the
// caller's session, email another account.
func dataRoutes(t *testing.T, full, sid, email, stranger string) []dataRoute {
	j := func(v any) string { return mustJSON(t, v) }
	post := []string{"POST"}
	postGet := []string{"POST", "GET"}
	return []dataRoute{
		{addDatasetPath, post, userLimit, `{"dataset": "pad-add-set"}`, 200,
			[]string{`{"dataset": 5}`, `{"dataset": true}`, `{"dataset": {"a": 1}}`, `{"dataset": "abcd", "classification": 5}`, `{"dataset": "abcd", "classification": ["CUI"]}`},
			nil},
		{deleteDatasetPath, post, userLimit, `{"dataset": "no-such-set"}`, 404,
			[]string{`{"dataset": 5}`, `{"dataset": ["x"]}`, `{"dataset": false}`},
			[]string{`{"dataset": "no-such-set"}`, `{"dataset": "user_custom_999999_no-such-set_content"}`, `{"dataset": "user_custom_0_abcd_content"}`,
				`{"dataset": "garbage!!"}`, `{"dataset": "user_custom_USERID_DATASETNAME_content"}`}},
		{assignDatasetPath, post, userLimit, j(map[string]string{"dataset": full, "email": email}), 200,
			[]string{j(map[string]any{"dataset": 5, "email": email}), j(map[string]any{"dataset": full, "email": 5}), j(map[string]any{"dataset": full, "email": email, "permission": 5}),
				j(map[string]any{"dataset": full, "email": email, "permissions": []string{"read"}})},
			[]string{j(map[string]string{"dataset": "no-such-set", "email": email}), j(map[string]string{"dataset": "user_custom_999999_no-such-set_content", "email": email})}},
		{updatePermPath, post, userLimit, j(map[string]string{"dataset": full, "email": email, "permission": "read"}), 200,
			[]string{j(map[string]any{"dataset": full, "email": email, "permission": true}), j(map[string]any{"dataset": []string{full}, "email": email}),
				j(map[string]any{"dataset": full, "email": []string{email}})},
			[]string{j(map[string]string{"dataset": "no-such-set", "email": email, "permission": "read"})}},
		{deassignPath, post, userLimit, j(map[string]string{"dataset": full, "email": stranger}), 404,
			[]string{j(map[string]any{"dataset": full, "email": true}), j(map[string]any{"dataset": 5, "email": email})},
			[]string{j(map[string]string{"dataset": "no-such-set", "email": email}), j(map[string]string{"dataset": full, "email": stranger})}},
		{datasetsPermsPath, postGet, userLimit, `{"check_permissions": true}`, 200,
			[]string{`{"check_permissions": "maybe"}`, `{"check_permissions": [true]}`, `{"check_permissions": {}}`, `{"check_permissions": 2}`},
			nil},
		{getChatsPath, post, userLimit, `{"response": "string"}`, 200, nil, nil},
		{getChatPath, post, userLimit, j(map[string]string{"session_id": sid}), 200,
			[]string{`{"session_id": 5}`, `{"session_id": ["x"]}`, `{"session_id": {}}`, `{"session_id": true}`},
			[]string{`{"session_id": "` + unknownUUID + `"}`, `{"session_id": "nope"}`, `{"session_id": "your_session_id"}`}},
		{deleteChatPath, post, userLimit, `{"session_id": "` + unknownUUID + `"}`, 404,
			[]string{`{"session_id": 5}`, `{"session_id": [1]}`},
			[]string{`{"session_id": "` + unknownUUID + `"}`, `{"session_id": "nope"}`}},
		{createChatPath, post, userLimit, `{"title": "padded"}`, 200,
			[]string{`{"title": 5}`, `{"chat_title": [1]}`, `{"title": {}}`},
			nil},
		{appendChatPath, post, queryLimit, j(map[string]string{"session_id": sid, "message": "padded"}), 200,
			[]string{j(map[string]any{"session_id": 5, "message": "x"}), j(map[string]any{"session_id": sid, "message": 5}), j(map[string]any{"session_id": sid, "message": map[string]int{}}),
				`{"chats": "x"}`, `{"chats": {"chats": "x"}}`, `{"chat_title": 5, "chats": [{"user": "me", "message": "x"}]}`, `{"chats": {"chats": [{"user": 5, "message": "x"}]}}`},
			[]string{`{"session_id": "` + unknownUUID + `", "message": "x"}`, `{"session_id": "nope", "message": "x"}`,
				`{"session_id": "` + unknownUUID + `", "chats": {"chats": [{"user": "me", "message": "x"}]}}`}},
		{logsPath, post, userLimit, `{"limit": 5}`, 200,
			[]string{`{"limit": "x"}`, `{"limit": [1]}`, `{"limit": false}`, `{"limit": 1.5}`, `{"limit": {}}`},
			nil},
		{queryPath, post, queryLimit, `{"message": "padded"}`, 200,
			[]string{`{"message": 5}`, `{"message": {}}`, `{"message": true}`, `{"message": [5]}`, `{"message": [{"user": "me", "message": 5}]}`,
				`{"message": "x", "session_id": 5}`, `{"message": "x", "model": 5}`, `{"message": "x", "system_prompt": 5}`,
				`{"message": "x", "temperature": "warm"}`, `{"message": "x", "temperature": {}}`},
			[]string{`{"message": "x", "session_id": "` + unknownUUID + `"}`, `{"message": "x", "session_id": "nope"}`}},
		{modelsPath, postGet, userLimit, `{}`, 200, nil, nil},
		{serverDatasetsPath, postGet, userLimit, `{}`, 200, nil, nil},
	}
}

// padTo is body with a padding field, to a total of n bytes.
func padTo(body string, n int) []byte {
	head := strings.TrimSuffix(strings.TrimSpace(body), "}")
	if strings.TrimSpace(head) != "{" {
		head += ", "
	}
	head += `"pad": "`
	return []byte(head + strings.Repeat("a", n-len(head)-2) + `"}`)
}

// TestDataRoutesBadInput sends every bad-input class to every data route:
// malformed JSON and wrong types (400), bodies over the limit (413;
// /server/query and append-chat take 4 MiB), missing or bad credentials
// (401), wrong methods (405 with Allow), unknown ids (404); all in the
// envelope (env.do checks it), none reaching the model server.
func TestDataRoutesBadInput(t *testing.T) {
	t.Parallel()
	e, up := newEnvWithUpstream(t)
	u, other, stranger := e.newUser(t), e.newUser(t), e.newUser(t)
	full := e.addDataset(t, u.token, "own-set")
	sid := e.createChat(t, u.token, "")
	h := withToken(u.token)
	deep := strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200)

	var scs []scenario
	add := func(rt dataRoute, class, method string, headers []string, body []byte, status int) {
		sc := scenario{name: rt.path + ": " + class, method: method, path: rt.path, headers: headers, rawBody: body, wantStatus: status,
			want: []string{`"status":` + strconv.Itoa(status)}}
		if status == http.StatusMethodNotAllowed {
			sc.wantHeader = map[string]string{"Allow": strings.Join(rt.allow, ", ")}
		}
		if status == http.StatusUnauthorized {
			sc.wantHeader = map[string]string{"WWW-Authenticate": `APIKey header="x-access-tokens"`}
		}
		scs = append(scs, sc)
	}
	routes := dataRoutes(t, full, sid, other.email, stranger.email)
	for _, rt := range routes {
		post := http.MethodPost
		// Malformed JSON.
		for class, b := range map[string]string{
			"malformed":          `{"dataset":`,
			"unterminated":       `{"message": "abc`,
			"single quotes":      `{'message': 'x'}`,
			"trailing garbage":   rt.valid + ` []`,
			"two objects":        `{}{}`,
			"trailing comma":     `{"a": 1,}`,
			"array body":         `[` + rt.valid + `]`,
			"null body":          `null`,
			"string body":        `"{}"`,
			"number body":        `5`,
			"duplicate keys":     `{"session_id": "a", "session_id": "b"}`,
			"invalid UTF-8":      "{\"message\": \"\xff\xfe\"}",
			"NUL outside string": "{\x00}",
			"nested too deep":    deep,
		} {
			add(rt, class, post, h, []byte(b), 400)
		}
		// Wrong types.
		for _, b := range rt.wrongTypes {
			add(rt, "wrong type "+b, post, h, []byte(b), 400)
		}
		// Sizes.
		add(rt, "limit+1", post, h, padTo(rt.valid, rt.limit+1), 413)
		add(rt, "2×limit", post, h, padTo(rt.valid, 2*rt.limit), 413)
		add(rt, "exactly the limit", post, h, padTo(rt.valid, rt.limit), rt.atLimit)
		if rt.limit > userLimit {
			add(rt, "2 MiB (over the /user default)", post, h, padTo(rt.valid, 2*mib), rt.atLimit)
		}
		// Credentials.
		for class, hs := range map[string][]string{
			"no credential":             hdr("Content-Type", ctJSON),
			"empty credential":          withToken(""),
			"garbage credential":        withToken("not-a-credential"),
			"well-formed, unknown key":  withToken("stai-" + strings.Repeat("A", 38)),
			"key as Bearer only":        hdr("Authorization", "Bearer "+u.key, "Content-Type", ctJSON),
			"two different credentials": hdr("x-access-tokens", u.token, "x-access-tokens", other.token, "Content-Type", ctJSON),
		} {
			add(rt, class, post, hs, []byte(rt.valid), 401)
		}
		// Methods.
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if slices.Contains(rt.allow, m) {
				continue
			}
			add(rt, m, m, h, []byte(rt.valid), 405)
			add(rt, m+" without credential", m, hdr("Content-Type", ctJSON), nil, 405)
		}
		// Unknown ids.
		for _, b := range rt.unknown {
			add(rt, "unknown "+b, post, h, []byte(b), 404)
		}
	}
	// Form-encoded and multipart queries have the same 4 MiB limit.
	formHdr := hdr("x-access-tokens", u.key, "Content-Type", ctForm)
	big := url.Values{"message": {"hi"}, "pad": {strings.Repeat("a", queryLimit)}}.Encode()
	scs = append(scs,
		scenario{name: "query form over 4 MiB", path: queryPath, headers: formHdr, body: big, wantStatus: 413},
		scenario{name: "query form 2 MiB", path: queryPath, headers: formHdr, body: url.Values{"message": {"hi"}, "pad": {strings.Repeat("a", 2*mib)}}.Encode(), wantStatus: 200},
	)
	mb, ct := multipartBody(t, [][2]string{{"message", "hi"}}, "big.bin", strings.Repeat("z", queryLimit+1))
	scs = append(scs, scenario{name: "query multipart over 4 MiB", path: queryPath, headers: hdr("x-access-tokens", u.key, "Content-Type", ct), rawBody: mb, wantStatus: 413})
	mb, ct = multipartBody(t, [][2]string{{"message", "hi"}}, "ok.bin", strings.Repeat("z", 2*mib))
	scs = append(scs, scenario{name: "query multipart 2 MiB", path: queryPath, headers: hdr("x-access-tokens", u.key, "Content-Type", ct), rawBody: mb, wantStatus: 200})
	// Unknown /server paths: 404 in the envelope, never a redirect (a
	// client following one may resend its POST as a GET, or resend the body
	// elsewhere), with or without a credential, for any method.
	for _, p := range []string{"/server/", "/server/nope", "/server/query/extra", "/server/GET-MODELS", "//server/nope"} {
		for _, m := range []string{http.MethodPost, http.MethodGet} {
			scs = append(scs,
				scenario{name: m + " unknown " + p, method: m, path: p, headers: h, body: `{}`, wantStatus: 404, want: []string{`"status":404`}},
				scenario{name: m + " unknown " + p + " without credential", method: m, path: p, headers: hdr("Content-Type", ctJSON), body: `{}`, wantStatus: 404})
		}
	}
	// Doubled slashes are served, not redirected.
	scs = append(scs,
		scenario{name: "//server//query", path: "//server//query", headers: h, body: `{"message": "slashes"}`, wantStatus: 200},
		scenario{name: "//user//get-chats", path: "//user//get-chats", headers: h, body: `{}`, wantStatus: 200},
	)

	// Only the scenarios meant to succeed may reach the model server.
	before := len(up.chats())
	e.run(t, scs)
	wantCalls := 0
	for _, sc := range scs {
		if collapse(sc.path) == queryPath && sc.wantStatus == 200 {
			wantCalls++
		}
	}
	if got := len(up.chats()) - before; got != wantCalls {
		t.Errorf("the model server got %d chat completions, want %d (one per accepted query)", got, wantCalls)
	}
	// The refusals changed nothing for the other account.
	if rows := e.datasets(t, other.token); len(rows) != 1 || rows[0].Dataset != full || rows[0].Permissions != "read" {
		t.Errorf("other's listing = %+v, want the one read share the valid bodies granted", rows)
	}
}

// TestDataRoutesDatabaseDown: with the database gone, every data route
// answers 503 with Retry-After in the envelope, never 200 and never a
// hang (get-models needs no database: 200 while the credential is cached).
func TestDataRoutesDatabaseDown(t *testing.T) {
	t.Parallel()
	e, _ := newEnvWithUpstream(t)
	u, other, stranger := e.newUser(t), e.newUser(t), e.newUser(t)
	full := e.addDataset(t, u.token, "own-set")
	sid := e.createChat(t, u.token, "")
	e.closeStore(t)
	var scs []scenario
	for _, rt := range dataRoutes(t, full, sid, other.email, stranger.email) {
		sc := scenario{name: rt.path, path: rt.path, headers: withToken(u.token), body: rt.valid, wantStatus: 503,
			want: []string{`"status":503`}, wantHeader: map[string]string{"Retry-After": "1"}}
		if rt.path == modelsPath {
			sc.anyStatus, sc.want, sc.wantHeader = []int{200, 503}, nil, nil
		}
		scs = append(scs, sc)
	}
	scs = append(scs, scenario{name: "query into a session", path: queryPath, headers: withToken(u.token),
		body: mustJSON(t, map[string]string{"message": "x", "session_id": sid}), wantStatus: 503})
	e.run(t, scs)
}

// TestServerBarePath: "/server" without a trailing slash is an unknown
// path like any other: 404 in the envelope, never ServeMux's 307 to
// "/server/" ("/user" is already handled so).
func TestServerBarePath(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	var scs []scenario
	for _, p := range []string{"/server", "//server", "/user"} {
		for _, m := range []string{http.MethodPost, http.MethodGet, http.MethodDelete} {
			scs = append(scs,
				scenario{name: m + " " + p, method: m, path: p, headers: withToken(u.token), body: `{}`, wantStatus: 404, want: []string{`"status":404`}},
				scenario{name: m + " " + p + " without credential", method: m, path: p, headers: hdr("Content-Type", ctJSON), body: `{}`, wantStatus: 404, want: []string{`"status":404`}})
		}
	}
	e.run(t, scs)
}

// TestCrossUserMatrix: on every /user and /server route, user B naming user
// A's identifiers (A's dataset full name, A's chat session id, A's API key
// id, A's e-mail) gets a 4xx where the route acts on them, and only B's own
// data where it lists; no answer contains A's data, and A's data is
// unchanged afterwards.
func TestCrossUserMatrix(t *testing.T) {
	t.Parallel()
	e, up := newEnvWithUpstream(t)
	a, b, c := e.newUser(t), e.newUser(t), e.newUser(t)
	var rnd [6]byte
	rand.Read(rnd[:])
	tag := hex.EncodeToString(rnd[:])

	// A's data: a dataset shared read with C, a chat (via a query and an
	// append), an API key, a prompt log.
	short := "alpha-secret-" + tag
	full := e.addDataset(t, a.token, short)
	wantStatus(t, "A shares with C", e.share(t, a.token, assignDatasetPath, map[string]string{"dataset": full, "email": c.email}), 200)
	chatText := "alpha chat text " + tag
	q := e.query(t, a.token, mustJSON(t, map[string]string{"message": chatText}))
	aSID := q.SessionID
	e.appendChat(t, a.token, mustJSON(t, map[string]string{"session_id": aSID, "message": "alpha appended " + tag}))
	keyName := "alpha-key-" + tag
	aKey := e.createKey(t, a.token, keyName)

	type snapshot struct {
		datasets, cDatasets, chats, keys string
		logs                             int
	}
	snap := func() snapshot {
		ks, _ := e.listKeys(t, a.token)
		var kd []string
		for _, k := range ks {
			kd = append(kd, strconv.FormatInt(k.ID, 10)+"/"+k.Name+"/"+k.Hint)
		}
		return snapshot{
			datasets: mustJSON(t, e.datasets(t, a.token)), cDatasets: mustJSON(t, e.datasets(t, c.token)),
			chats: e.chatsJSON(t, a.token), keys: strings.Join(kd, ","), logs: len(e.promptLogs(t, a.token, "")),
		}
	}
	before := snap()
	upBefore := len(up.chats())

	secrets := []string{short, chatText, tag, a.email, keyName, aSID}
	bt, bk := withToken(b.token), withToken(b.key)
	idKey := strconv.FormatInt(aKey.ID, 10)
	j := func(v any) string { return mustJSON(t, v) }
	type cse struct {
		name, method, path string
		headers            []string
		body               string
		status             int // 0: any 4xx
	}
	cases := []cse{
		// Account routes.
		{"exchange: A's email, B's key", "POST", tokenPath, hdr("Content-Type", ctJSON), j(map[string]string{"email": a.email, "api_key": b.key}), 0},
		{"logins naming A", "POST", loginsPath, bt, `{"limit": 5, "email": "` + a.email + `", "id": ` + idKey + `}`, 200},
		{"keys naming A", "POST", keysPath, bt, `{"email": "` + a.email + `", "id": ` + idKey + `}`, 200},
		{"delete A's key", "DELETE", keyPath, bt, `{"id": ` + idKey + `}`, 404},
		{"delete A's key (string id)", "DELETE", keyPath, bk, `{"id": "` + idKey + `"}`, 404},
		{"create key naming A", "POST", keyPath, bt, `{"name": "b-key", "id": ` + idKey + `, "email": "` + a.email + `"}`, 200},
		// Datasets.
		{"add A's full name", "POST", addDatasetPath, bt, j(map[string]string{"dataset": full}), 400},
		{"delete A's dataset", "POST", deleteDatasetPath, bt, j(map[string]string{"dataset": full}), 404},
		{"delete A's dataset by key", "POST", deleteDatasetPath, bk, j(map[string]string{"dataset": full}), 404},
		{"assign A's dataset to B", "POST", assignDatasetPath, bt, j(map[string]string{"dataset": full, "email": b.email}), 404},
		{"assign A's dataset to C", "POST", assignDatasetPath, bt, j(map[string]string{"dataset": full, "email": c.email, "permission": "admin"}), 404},
		{"raise B on A's dataset", "POST", updatePermPath, bt, j(map[string]string{"dataset": full, "email": b.email, "permissions": "admin"}), 404},
		{"change C on A's dataset", "POST", updatePermPath, bt, j(map[string]string{"dataset": full, "email": c.email, "permission": "admin"}), 404},
		{"deassign C from A's dataset", "POST", deassignPath, bt, j(map[string]string{"dataset": full, "email": c.email}), 404},
		{"deassign A from A's dataset", "POST", deassignPath, bt, j(map[string]string{"dataset": full, "email": a.email}), 404},
		{"deassign B from A's dataset", "POST", deassignPath, bt, j(map[string]string{"dataset": full, "email": b.email}), 404},
		{"list naming A's dataset", "POST", datasetsPermsPath, bt, j(map[string]any{"check_permissions": true, "dataset": full, "email": a.email}), 200},
		{"list (GET)", "GET", datasetsPermsPath, hdr("x-access-tokens", b.token), "", 200},
		{"server datasets naming A", "POST", serverDatasetsPath, bt, j(map[string]string{"dataset": full, "email": a.email}), 200},
		{"server datasets (GET)", "GET", serverDatasetsPath, hdr("x-access-tokens", b.key), "", 200},
		// Chats.
		{"get-chats naming A's session", "POST", getChatsPath, bt, j(map[string]string{"session_id": aSID, "email": a.email}), 200},
		{"get A's session", "POST", getChatPath, bt, j(map[string]string{"session_id": aSID}), 404},
		{"get A's session by key", "POST", getChatPath, bk, j(map[string]string{"session_id": aSID}), 404},
		{"delete A's session", "POST", deleteChatPath, bt, j(map[string]string{"session_id": aSID}), 404},
		{"append to A's session", "POST", appendChatPath, bt, j(map[string]string{"session_id": aSID, "message": "intrusion"}), 404},
		{"append to A's session (python shape)", "POST", appendChatPath, bt,
			j(map[string]any{"session_id": aSID, "chat_title": "x", "chats": map[string]any{"chats": []map[string]string{{"user": "me", "message": "intrusion"}}}}), 404},
		{"create naming A's session", "POST", createChatPath, bt, j(map[string]string{"session_id": aSID, "title": "b-chat"}), 200},
		{"logs naming A", "POST", logsPath, bt, j(map[string]string{"session_id": aSID, "email": a.email}), 200},
		// Server API.
		{"query into A's session", "POST", queryPath, bt, j(map[string]string{"message": "intrusion", "session_id": aSID}), 404},
		{"query into A's session (form)", "POST", queryPath, hdr("x-access-tokens", b.key, "Content-Type", ctForm), url.Values{"message": {"intrusion"}, "session_id": {aSID}}.Encode(), 404},
		{"query with A's dataset", "POST", queryPath, bt, j(map[string]string{"message": "intrusion", "session_id": aSID, "dataset": full}), 404},
		{"models naming A", "POST", modelsPath, bt, j(map[string]string{"email": a.email}), 200},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, tc.method, tc.path, tc.headers, tc.body)
			covered[tc.path] = true
			switch {
			case tc.status == 0 && (r.status < 400 || r.status > 499):
				t.Errorf("%s, want a 4xx", r)
			case tc.status != 0 && r.status != tc.status:
				t.Errorf("%s, want %d", r, tc.status)
			}
			for _, s := range secrets {
				if bytes.Contains(r.body, []byte(s)) {
					t.Errorf("the answer contains A's %q: %s", s, r)
				}
			}
		})
	}
	// Every /user and /server route is in the matrix.
	for _, p := range []string{tokenPath, loginsPath, keysPath, keyPath, logsPath, addDatasetPath, deleteDatasetPath, assignDatasetPath, updatePermPath,
		deassignPath, datasetsPermsPath, getChatsPath, getChatPath, deleteChatPath, createChatPath, appendChatPath, queryPath, modelsPath, serverDatasetsPath} {
		if !covered[p] {
			t.Errorf("route %s is not in the matrix", p)
		}
	}

	if len(up.chats()) != upBefore {
		t.Errorf("B's refused queries reached the model server")
	}
	if after := snap(); after != before {
		t.Errorf("A's data changed:\nbefore %+v\nafter  %+v", before, after)
	}
	// A's session still holds exactly A's messages, and A can still use all.
	s := e.chatSession(t, a.token, aSID)
	if !slices.Equal(texts(s.Chats), []string{chatText, "echo: " + chatText, "alpha appended " + tag}) {
		t.Errorf("A's session = %q", texts(s.Chats))
	}
	if permOf(e.datasets(t, c.token), full) != "read" {
		t.Errorf("C lost A's share")
	}
	if rows := e.datasets(t, b.token); len(rows) != 0 {
		t.Errorf("B gained datasets: %+v", rows)
	}
	wantStatus(t, "A deletes A's key", e.deleteKey(t, a.token, aKey.ID), 200)
	wantStatus(t, "A deletes A's dataset", e.call(t, http.MethodPost, deleteDatasetPath, withToken(a.token), j(map[string]string{"dataset": full})), 200)
	wantStatus(t, "A deletes A's session", e.call(t, http.MethodPost, deleteChatPath, withToken(a.token), j(map[string]string{"session_id": aSID})), 200)
}
