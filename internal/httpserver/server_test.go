package httpserver_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const (
	queryPath   = "/server/query"
	modelsPath  = "/server/get-models"
	logsPath    = "/user/get-user-logs"
	ctForm      = "application/x-www-form-urlencoded"
	unknownUUID = "7a0c3d8e-1f2b-4c5d-9e8f-0a1b2c3d4e5f"
)

// queryAnswer is /server/query's answer.
type queryAnswer struct {
	Response   string `json:"response"`
	Message    string `json:"message"`
	UUID       string `json:"uuid"`
	References string `json:"references"`
	Type       string `json:"type"`
	Usage      struct {
		ModelTokens struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
			TotalTokens      int `json:"total_tokens"`
		} `json:"model_tokens"`
		AsksageTokens int `json:"asksage_tokens"`
	} `json:"usage"`
	SessionID string `json:"session_id"`
	Model     string `json:"model"`
	Status    int    `json:"status"`
}

// queryWith posts a query with the given headers and body, which must
// succeed.
func (e *env) queryWith(t *testing.T, headers []string, body []byte) queryAnswer {
	t.Helper()
	r := e.do(t, http.MethodPost, queryPath, headers, body)
	if r.status != http.StatusOK {
		t.Fatalf("query %.200s: %s", body, r)
	}
	var q queryAnswer
	if err := json.Unmarshal(r.body, &q); err != nil {
		t.Fatalf("decode query answer: %v: %s", err, r)
	}
	if q.Response != "OK" || q.Status != 200 || !uuidRE.MatchString(q.UUID) || !uuidRE.MatchString(q.SessionID) {
		t.Fatalf("query answer: %s", r)
	}
	return q
}

// query posts a JSON query, which must succeed.
func (e *env) query(t *testing.T, cred, body string) queryAnswer {
	t.Helper()
	return e.queryWith(t, withToken(cred), []byte(body))
}

// promptRow is one get-user-logs row.
type promptRow struct {
	ID               int64  `json:"id"`
	DateTime         string `json:"date_time"`
	Prompt           string `json:"prompt"`
	Completion       string `json:"completion"`
	Response         string `json:"response"`
	IP               string `json:"IP"`
	IPLower          string `json:"ip"`
	Model            string `json:"model"`
	PromptTokens     int    `json:"prompt_tokens"`
	CompletionTokens int    `json:"completion_tokens"`
	TotalTokens      int    `json:"total_tokens"`
	Teach            bool   `json:"teach"`
	SessionID        string `json:"session_id"`
}

// promptLogs lists cred's prompt log. An empty body is sent as the Python
// client sends it: no body and no Content-Type.
func (e *env) promptLogs(t *testing.T, cred, body string) []promptRow {
	t.Helper()
	h := hdr("x-access-tokens", cred)
	if body != "" {
		h = withToken(cred)
	}
	r := e.call(t, http.MethodPost, logsPath, h, body)
	if r.status != http.StatusOK {
		t.Fatalf("get-user-logs: %s", r)
	}
	var rows []promptRow
	envelopeOf(t, r, &rows)
	if rows == nil {
		t.Fatalf("get-user-logs: response is null, want a list: %s", r)
	}
	return rows
}

// multipartBody builds a multipart/form-data body of fields and, when
// fileName is set, a "file" part, as requests sends query_with_file.
func multipartBody(t *testing.T, fields [][2]string, fileName, fileContent string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(fileContent))
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// pythonQueryForm is the form the official client's query() posts for
// message (None fields dropped, numbers as strings).
func pythonQueryForm(message string) url.Values {
	return url.Values{
		"message": {message}, "persona": {"default"}, "dataset": {"all"},
		"temperature": {"0.0"}, "live": {"0"}, "model": {"openai_gpt"},
	}
}

// TestQueryAnswer: the Server API answer shape, model choice, temperature
// and the fields gatehouse accepts and ignores.
func TestQueryAnswer(t *testing.T) {
	t.Parallel()
	e, up := newEnvWithUpstream(t)
	u := e.newUser(t)

	r := e.call(t, http.MethodPost, queryPath, withToken(u.token), `{"message": "hello model"}`)
	if r.status != 200 {
		t.Fatalf("query: %s", r)
	}
	var raw map[string]json.RawMessage
	json.Unmarshal(r.body, &raw)
	for _, k := range []string{"response", "message", "uuid", "references", "type", "embedding_down", "vectors_down", "added_obj", "tool_calls", "usage", "tool_responses", "tool_calls_unified", "session_id", "status"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("query answer lacks %q: %s", k, r)
		}
	}
	var q queryAnswer
	json.Unmarshal(r.body, &q)
	chat := up.lastChat(t)
	if q.Response != "OK" || q.Status != 200 || q.Message != "echo: hello model" || q.Type != "completion" || q.References != "" {
		t.Errorf("query answer: %s", r)
	}
	// usage mirrors the model server's counts (prompt: 2 words; answer: 3).
	mt := q.Usage.ModelTokens
	if mt.PromptTokens != 2 || mt.CompletionTokens != 3 || mt.TotalTokens != 5 || q.Usage.AsksageTokens != 5 {
		t.Errorf("usage = %+v", q.Usage)
	}
	// No model named: the server's first listed model.
	if chat.Model != standInModels[0] || q.Model != standInModels[0] {
		t.Errorf("default model: the stand-in got %q, the answer says %q; want %q", chat.Model, q.Model, standInModels[0])
	}
	if chat.Stream {
		t.Errorf("gatehouse asked the model server to stream")
	}
	if !slices.Equal(chat.Messages, []upstreamMessage{{"user", "hello model"}}) {
		t.Errorf("the model received %+v", chat.Messages)
	}
	q2 := e.query(t, u.token, `{"message": "hello again"}`)
	if q2.UUID == q.UUID || q2.SessionID == q.SessionID {
		t.Errorf("two queries share uuid or session: %+v %+v", q, q2)
	}

	// A named model, a temperature (number or numeric string), and the
	// Ask Sage fields gatehouse ignores.
	q3 := e.query(t, u.token, `{"message": "m", "model": "stand-in-large", "temperature": 0.5, "persona": 1, "dataset": "all", "limit_references": 0, "live": 0, "usage": true, "streaming": false, "tools": [], "mode": "chat"}`)
	chat = up.lastChat(t)
	if chat.Model != "stand-in-large" || q3.Model != "stand-in-large" || chat.Temperature == nil || *chat.Temperature != 0.5 {
		t.Errorf("named model/temperature: the stand-in got %+v, answer model %q", chat, q3.Model)
	}
	e.query(t, u.token, `{"message": "m", "temperature": "0.25", "dataset": ["a", "b"], "persona": "default"}`)
	if c := up.lastChat(t); c.Temperature == nil || *c.Temperature != 0.25 {
		t.Errorf("string temperature: the stand-in got %+v", c.Temperature)
	}
	e.query(t, u.token, `{"message": "m", "temperature": null}`)
	if c := up.lastChat(t); c.Temperature != nil {
		t.Errorf("null temperature forwarded as %v", *c.Temperature)
	}

	// The caller's credential never reaches the model server.
	for _, r := range up.requests() {
		for _, name := range []string{"X-Access-Tokens", "X-Api-Key", "Authorization", "Cookie"} {
			if v := r.header.Get(name); v != "" {
				t.Errorf("the model server got %s: %q", name, v)
			}
		}
		if bytes.Contains(r.body, []byte(u.token)) || bytes.Contains(r.body, []byte(u.key)) {
			t.Errorf("the model server got the caller's credential in %s %s", r.method, r.path)
		}
	}

	n := up.count()
	e.run(t, []scenario{
		{name: "temperature 3", path: queryPath, headers: withToken(u.token), body: `{"message": "m", "temperature": 3}`, wantStatus: 400},
		{name: "temperature -1", path: queryPath, headers: withToken(u.token), body: `{"message": "m", "temperature": -1}`, wantStatus: 400},
		{name: "temperature warm", path: queryPath, headers: withToken(u.token), body: `{"message": "m", "temperature": "warm"}`, wantStatus: 400},
	})
	if up.count() != n {
		t.Errorf("refused queries reached the model server")
	}
}

// TestQueryEncodings: the official Python client posts /server/query as a
// url-encoded form (numbers as strings, a history JSON-encoded in
// "message"), or multipart with a file; JSON works too. Each lands in
// get-chats and get-user-logs.
func TestQueryEncodings(t *testing.T) {
	t.Parallel()
	e, up := newEnvWithUpstream(t)
	u := e.newUser(t)
	formHdr := hdr("x-access-tokens", u.key, "Content-Type", ctForm)

	// url-encoded, exactly as query() sends it.
	f := e.queryWith(t, formHdr, []byte(pythonQueryForm("What is Ask Sage?").Encode()))
	chat := up.lastChat(t)
	if f.Message != "echo: What is Ask Sage?" || chat.Model != "openai_gpt" || chat.Temperature == nil || *chat.Temperature != 0 {
		t.Errorf("form query: answer %+v, the stand-in got %+v", f, chat)
	}
	// A history list, JSON-encoded in the form (query() json.dumps a list).
	hist := `[{"user": "me", "message": "Name a colour."}, {"user": "gpt", "message": "Blue."}, {"user": "me", "message": "Another?"}]`
	e.queryWith(t, formHdr, []byte(pythonQueryForm(hist).Encode()))
	if got := up.lastChat(t).Messages; !slices.Equal(got, []upstreamMessage{{"user", "Name a colour."}, {"assistant", "Blue."}, {"user", "Another?"}}) {
		t.Errorf("form history: the stand-in got %+v", got)
	}
	// Continuing a session by form.
	v := pythonQueryForm("and then?")
	v.Set("session_id", f.SessionID)
	if g := e.queryWith(t, formHdr, []byte(v.Encode())); g.SessionID != f.SessionID {
		t.Errorf("form session_id ignored: %s != %s", g.SessionID, f.SessionID)
	}

	// multipart with a file (query_with_file), and without.
	mb, ct := multipartBody(t, [][2]string{{"message", "Summarize the file."}, {"persona", "default"}, {"dataset", "none"}, {"temperature", "0.0"}, {"live", "0"}, {"model", "stand-in-large"}},
		"notes.txt", "Toby and Whiskers became friends.")
	m := e.queryWith(t, hdr("x-access-tokens", u.key, "Content-Type", ct), mb)
	if c := up.lastChat(t); c.Model != "stand-in-large" || c.Messages[len(c.Messages)-1].Content != "Summarize the file." {
		t.Errorf("multipart: the stand-in got %+v", c)
	}
	mb, ct = multipartBody(t, [][2]string{{"message", hist}, {"temperature", "0.3"}}, "", "")
	e.queryWith(t, hdr("x-access-tokens", u.token, "Content-Type", ct), mb)
	if c := up.lastChat(t); len(c.Messages) != 3 || c.Temperature == nil || *c.Temperature != 0.3 {
		t.Errorf("multipart history: the stand-in got %+v", c)
	}
	// JSON with a charset parameter.
	j := e.queryWith(t, hdr("x-access-tokens", u.token, "Content-Type", "application/json; charset=utf-8"), []byte(`{"message": "json prompt"}`))

	n := up.count()
	e.run(t, []scenario{
		{name: "form: temperature not a number", path: queryPath, headers: formHdr, body: "message=hi&temperature=warm", wantStatus: 400},
		{name: "form: no message", path: queryPath, headers: formHdr, body: "model=x", wantStatus: 400},
		{name: "form: bad history", path: queryPath, headers: formHdr, body: url.Values{"message": {`[{"user": "bot", "message": "x"}]`}}.Encode(), wantStatus: 400},
		{name: "form: bad session", path: queryPath, headers: formHdr, body: "message=hi&session_id=" + unknownUUID, wantStatus: 404},
		{name: "form: broken escape", path: queryPath, headers: formHdr, body: "message=%zz", wantStatus: 400},
		{name: "multipart: no boundary", path: queryPath, headers: hdr("x-access-tokens", u.key, "Content-Type", "multipart/form-data"), body: "message=hi", wantStatus: 400},
	})
	if up.count() != n {
		t.Errorf("refused queries reached the model server")
	}

	// Every successful query is in get-chats and get-user-logs.
	logs := e.promptLogs(t, u.token, "")
	if len(logs) != 6 {
		t.Errorf("get-user-logs has %d rows after 6 queries", len(logs))
	}
	if logs[0].Prompt != "json prompt" || logs[0].SessionID != j.SessionID {
		t.Errorf("newest row = %+v", logs[0])
	}
	cs := e.chats(t, u.token)
	for _, sid := range []string{f.SessionID, m.SessionID, j.SessionID} {
		if _, ok := findChat(cs, sid); !ok {
			t.Errorf("session %s not in get-chats", sid)
		}
	}

	// A plain prompt that happens to start with "[" is still a prompt: the
	// client sends a string message as it is, not JSON-encoded.
	for _, prompt := range []string{"[draft] polish this sentence", "[1] and [2] disagree; which is right?"} {
		r := e.call(t, http.MethodPost, queryPath, formHdr, pythonQueryForm(prompt).Encode())
		if r.status != http.StatusOK {
			t.Errorf("form prompt %q: %s, want 200", prompt, r)
			continue
		}
		if got := up.lastChat(t).Messages; !slices.Equal(got, []upstreamMessage{{"user", prompt}}) {
			t.Errorf("form prompt %q: the stand-in got %+v", prompt, got)
		}
	}
}

// TestUserLogs: get-user-logs after queries, newest first, with prompt,
// completion, model, token counts and IP; the body is optional (the Python
// client sends none, without a Content-Type); limit is 1..100.
func TestUserLogs(t *testing.T) {
	t.Parallel()
	e, _ := newEnvWithUpstream(t)
	u, other := e.newUser(t), e.newUser(t)
	if rows := e.promptLogs(t, u.token, ""); len(rows) != 0 {
		t.Fatalf("a new user has prompt logs: %+v", rows)
	}
	var answers []queryAnswer
	answers = append(answers, e.query(t, u.token, `{"message": "first prompt"}`))
	answers = append(answers, e.query(t, u.token, mustJSON(t, map[string]string{"message": "second prompt here", "session_id": answers[0].SessionID, "model": "stand-in-large"})))
	answers = append(answers, e.queryWith(t, hdr("x-access-tokens", u.key, "Content-Type", ctForm), []byte(url.Values{"message": {"third"}}.Encode())))
	// A refused query leaves no row.
	wantStatus(t, "refused query", e.call(t, http.MethodPost, queryPath, withToken(u.token), `{"message": "nope", "session_id": "`+unknownUUID+`"}`), 404)

	rows := e.promptLogs(t, u.token, "")
	if len(rows) != 3 {
		t.Fatalf("get-user-logs has %d rows, want 3: %+v", len(rows), rows)
	}
	prompts := []string{"third", "second prompt here", "first prompt"}
	for i, row := range rows {
		a := answers[2-i]
		if row.Prompt != prompts[i] || row.Completion != "echo: "+prompts[i] || row.Response != row.Completion {
			t.Errorf("row %d = %+v, want prompt %q (newest first)", i, row, prompts[i])
		}
		if row.Model != a.Model || row.PromptTokens != a.Usage.ModelTokens.PromptTokens || row.CompletionTokens != a.Usage.ModelTokens.CompletionTokens ||
			row.TotalTokens != a.Usage.ModelTokens.TotalTokens || row.TotalTokens == 0 {
			t.Errorf("row %d = %+v; the query answered %+v", i, row, a)
		}
		if row.IP != "127.0.0.1" || row.IPLower != "127.0.0.1" {
			t.Errorf("row %d IP %q / ip %q, want 127.0.0.1", i, row.IP, row.IPLower)
		}
		if row.SessionID != a.SessionID {
			t.Errorf("row %d session %q, want %q", i, row.SessionID, a.SessionID)
		}
		checkWireTime(t, "date_time", row.DateTime)
		if i > 0 && row.ID >= rows[i-1].ID {
			t.Errorf("ids not newest first: %d then %d", rows[i-1].ID, row.ID)
		}
	}
	if rows[1].Model != "stand-in-large" || rows[2].Model != standInModels[0] {
		t.Errorf("models %q, %q", rows[1].Model, rows[2].Model)
	}

	top2 := func(t *testing.T, r result) {
		var rs []promptRow
		envelopeOf(t, r, &rs)
		if len(rs) != 2 || rs[0].Prompt != "third" {
			t.Errorf("limit 2 = %+v", rs)
		}
	}
	all3 := func(t *testing.T, r result) {
		var rs []promptRow
		envelopeOf(t, r, &rs)
		if len(rs) != 3 {
			t.Errorf("got %d rows, want 3", len(rs))
		}
	}
	e.run(t, []scenario{
		{name: "seed curl: Content-Type, no body", path: logsPath, headers: withToken(u.token), wantStatus: 200, check: all3},
		{name: "seed python: {}", path: logsPath, headers: withToken(u.token), body: `{}`, wantStatus: 200, check: all3},
		{name: "python client: no body, no Content-Type", path: logsPath, headers: hdr("x-access-tokens", u.key), wantStatus: 200, check: all3},
		{name: "limit 2", path: logsPath, headers: withToken(u.token), body: `{"limit": 2}`, wantStatus: 200, check: top2},
		{name: "limit \"2\"", path: logsPath, headers: withToken(u.token), body: `{"limit": "2"}`, wantStatus: 200, check: top2},
		{name: "limit 100", path: logsPath, headers: withToken(u.token), body: `{"limit": 100}`, wantStatus: 200, check: all3},
		{name: "limit 0", path: logsPath, headers: withToken(u.token), body: `{"limit": 0}`, wantStatus: 400},
		{name: "limit 101", path: logsPath, headers: withToken(u.token), body: `{"limit": 101}`, wantStatus: 400},
		{name: "limit -1", path: logsPath, headers: withToken(u.token), body: `{"limit": -1}`, wantStatus: 400},
		{name: "limit x", path: logsPath, headers: withToken(u.token), body: `{"limit": "x"}`, wantStatus: 400},
	})
	// Another user's log is their own: empty, and none of u's prompts.
	r := e.call(t, http.MethodPost, logsPath, withToken(other.token), `{}`)
	if r.status != 200 || !strings.Contains(string(r.body), `"response":[]`) || strings.Contains(string(r.body), "prompt") {
		t.Errorf("other user's logs: %s", r)
	}
}

// TestGetModels: /server/get-models lists the model server's models as ids
// in "response" and OpenAI-style entries in "data".
func TestGetModels(t *testing.T) {
	t.Parallel()
	e, up := newEnvWithUpstream(t)
	u := e.newUser(t)
	check := func(t *testing.T, r result) {
		var out struct {
			Response []string `json:"response"`
			Object   string   `json:"object"`
			Data     []struct {
				ID      string `json:"id"`
				Object  string `json:"object"`
				Created string `json:"created"`
				Name    string `json:"name"`
				OwnedBy string `json:"owned_by"`
			} `json:"data"`
			Status int `json:"status"`
		}
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatalf("decode: %v: %s", err, r)
		}
		if !slices.Equal(out.Response, standInModels) || out.Object != "list" || out.Status != 200 || len(out.Data) != len(standInModels) {
			t.Errorf("get-models = %s", r)
		}
		for i, d := range out.Data {
			if d.ID != standInModels[i] || d.Object != "model" || d.Created != "1700000000" || d.Name != d.ID || d.OwnedBy != "gatehouse-tests" {
				t.Errorf("data[%d] = %+v", i, d)
			}
		}
	}
	e.run(t, []scenario{
		{name: "python client: POST {}", path: modelsPath, headers: withToken(u.token), body: `{}`, wantStatus: 200, check: check},
		{name: "POST no body", path: modelsPath, headers: hdr("x-access-tokens", u.key), wantStatus: 200, check: check},
		{name: "GET", method: http.MethodGet, path: modelsPath, headers: hdr("x-access-tokens", u.token), wantStatus: 200, check: check},
		{name: "malformed", path: modelsPath, headers: withToken(u.token), body: `{`, wantStatus: 400},
		{name: "no credential", path: modelsPath, headers: hdr("Content-Type", ctJSON), body: `{}`, wantStatus: 401},
	})
	for _, r := range up.requests() {
		if r.path != "/v1/models" || r.method != http.MethodGet {
			t.Errorf("the stand-in got %s %s", r.method, r.path)
		}
		if r.header.Get("Authorization") != "" {
			t.Errorf("a credential was forwarded to the model server: %q", r.header.Get("Authorization"))
		}
	}
}

// TestSeedExamples sends every endpoint's seed example (headers and body as
// the seed's curl writes them, placeholders replaced by real values), and
// the Python client's body for the endpoints the seed does not show.
func TestSeedExamples(t *testing.T) {
	t.Parallel()
	e, _ := newEnvWithUpstream(t)
	u := e.newUser(t)
	other := e.newUserAs(t, "user@example.com")
	// The seed shows both "your_access_token_here" (a token) and
	// "your_api_key" (the static key) in x-access-tokens.
	tok := func() []string { return hdr("x-access-tokens", u.token, "Content-Type", "application/json") }
	key := func() []string { return hdr("x-access-tokens", u.key, "Content-Type", "application/json") }
	ok := []string{`"response":"OK"`, `"status":200`}

	// Datasets.
	e.run(t, []scenario{
		{name: "add-dataset (seed)", path: addDatasetPath, headers: tok(), body: `{"dataset": "dataset-name"}`, wantStatus: 200, want: ok},
		{name: "add-dataset (python client)", path: addDatasetPath, headers: tok(), body: `{"dataset": "string", "classification": null}`, wantStatus: 200, want: ok},
		{name: "update-permission-dataset (seed)", path: updatePermPath, headers: key(),
			body: `{"dataset": "string","email": "user@example.com","permission": "read"}`, wantStatus: 200, want: ok},
	})
	if got := e.datasets(t, other.token); len(got) != 1 || got[0].Permissions != "read" || !strings.HasSuffix(got[0].Dataset, "_string_content") {
		t.Errorf("user@example.com after the seed's update-permission: %+v", got)
	}
	full := ""
	e.run(t, []scenario{
		{name: "get-datasets-with-permissions (seed)", path: datasetsPermsPath, headers: key(), body: `{"check_permissions": "true"}`, wantStatus: 200,
			check: func(t *testing.T, r result) {
				var rows []datasetRow
				envelopeOf(t, r, &rows)
				for _, row := range rows {
					if strings.HasSuffix(row.Dataset, "_dataset-name_content") {
						full = row.Dataset
					}
				}
				if len(rows) != 2 || full == "" {
					t.Errorf("listing %+v", rows)
				}
			}},
		{name: "deassign-dataset (seed)", path: deassignPath, headers: key(), body: `{"dataset": "string", "email": "user@example.com"}`, wantStatus: 200, want: ok},
	})
	if got := e.datasets(t, other.token); len(got) != 0 {
		t.Errorf("user@example.com after the seed's deassign: %+v", got)
	}
	m := fullNameRE.FindStringSubmatch(full)
	if m == nil {
		t.Fatalf("no full name for dataset-name")
	}
	seedDelete := strings.NewReplacer("USERID", m[1], "DATASETNAME", "dataset-name").Replace(`{"dataset": "user_custom_USERID_DATASETNAME_content"}`)
	e.run(t, []scenario{
		{name: "assign-dataset (python client)", path: assignDatasetPath, headers: tok(), body: mustJSON(t, map[string]string{"dataset": full, "email": "user@example.com"}), wantStatus: 200, want: ok},
		{name: "get-datasets (python client: no body)", path: serverDatasetsPath, headers: hdr("x-access-tokens", u.key), wantStatus: 200, want: []string{full}},
		{name: "delete-dataset (seed, real full name)", path: deleteDatasetPath, headers: tok(), body: seedDelete, wantStatus: 200, want: ok},
		{name: "delete-dataset (seed, placeholders left in)", path: deleteDatasetPath, headers: tok(), body: `{"dataset": "user_custom_USERID_DATASETNAME_content"}`, wantStatus: 404},
	})
	if got := e.datasets(t, other.token); len(got) != 0 {
		t.Errorf("user@example.com still lists the deleted dataset: %+v", got)
	}

	// Server API, as the Python client calls it.
	q := e.queryWith(t, hdr("x-access-tokens", u.key, "Content-Type", ctForm), []byte(pythonQueryForm("What is Ask Sage?").Encode()))
	e.run(t, []scenario{
		{name: "get-models (python client)", path: modelsPath, headers: key(), body: `{}`, wantStatus: 200, want: []string{`"object":"list"`}},
	})

	// Chats.
	var created, appended string
	e.run(t, []scenario{
		{name: "get-chats (seed)", path: getChatsPath, headers: hdr("x-access-tokens", u.token, "Content-Type", "application/json"), body: `{"response": "string"}`, wantStatus: 200,
			check: func(t *testing.T, r result) {
				var s string
				envelopeOf(t, r, &s)
				if cs := parseChats(t, s); len(cs) != 1 || cs[0].SessionID != q.SessionID {
					t.Errorf("get-chats = %s", s)
				}
			}},
		{name: "get-chat-session (seed, real id)", path: getChatPath, headers: key(), body: `{"session_id": "` + q.SessionID + `"}`, wantStatus: 200,
			want: []string{`"session_id":"` + q.SessionID + `"`, `"chats":[`, "What is Ask Sage?"}},
		{name: "get-chat-session (seed, placeholder left in)", path: getChatPath, headers: key(), body: `{"session_id": "your_session_id"}`, wantStatus: 404},
		{name: "create-chat-session (no body)", path: createChatPath, headers: key(), wantStatus: 200,
			check: func(t *testing.T, r result) {
				var a sessionAnswer
				envelopeOf(t, r, &a)
				created = a.SessionID
			}},
		{name: "append-chat (python client)", path: appendChatPath, headers: key(),
			body: `{"chats": {"chats": [{"user": "me", "message": "Hello"}, {"user": "gpt", "message": "Hi"}]}, "chat_title": "Greeting"}`, wantStatus: 200,
			check: func(t *testing.T, r result) {
				var a sessionAnswer
				envelopeOf(t, r, &a)
				appended = a.SessionID
			}},
	})
	e.run(t, []scenario{
		{name: "append-chat (OpenAPI)", path: appendChatPath, headers: key(), body: `{"session_id": "` + created + `", "message": "note"}`, wantStatus: 200},
		{name: "delete-chat-session (seed, real id)", path: deleteChatPath, headers: key(), body: `{"session_id": "` + appended + `"}`, wantStatus: 200, want: ok},
		{name: "delete-chat-session (seed, placeholder left in)", path: deleteChatPath, headers: key(), body: `{"session_id": "your_session_id"}`, wantStatus: 404},
	})

	// Logs and the account endpoints, for completeness.
	k := e.createKey(t, u.token, "seed-delete")
	e.run(t, []scenario{
		{name: "get-user-logs (seed curl: no -d)", path: logsPath, headers: hdr("x-access-tokens", u.token, "Content-Type", "application/json"), wantStatus: 200, want: []string{"What is Ask Sage?"}},
		{name: "get-user-logs (seed python: {})", path: logsPath, headers: tok(), body: `{}`, wantStatus: 200, want: []string{"What is Ask Sage?"}},
		{name: "get-user-logs (python client)", path: logsPath, headers: hdr("x-access-tokens", u.key), wantStatus: 200, want: []string{"What is Ask Sage?"}},
		{name: "get-user-logins (seed)", path: loginsPath, headers: tok(), body: `{"limit": 5}`, wantStatus: 200},
		{name: "get-user-api-keys (seed)", path: keysPath, headers: key(), body: `{}`, wantStatus: 200},
		{name: "user-api-key POST (seed)", path: keyPath, headers: key(), body: `{"name": "string"}`, wantStatus: 200},
		{name: "user-api-key DELETE (seed, real id)", method: http.MethodDelete, path: keyPath, headers: key(), body: mustJSON(t, map[string]int64{"id": k.ID}), wantStatus: 200},
	})
}
