package httpserver_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
)

// TestQueryBodyRule: one rule reads every Ask Sage body. A body that is a
// JSON object is JSON whatever its Content-Type says, on /server/query as on
// /user/*: that is what the README's curl example sends (curl -d labels it
// application/x-www-form-urlencoded). A real form, url-encoded or multipart,
// as the official Python client sends it, is a form. Anything else is a 400
// in the envelope, never a 500.
func TestQueryBodyRule(t *testing.T) {
	t.Parallel()
	e, up := newEnvWithUpstream(t)
	u := e.newUser(t)
	with := func(ct string) []string {
		if ct == "" {
			return hdr("x-access-tokens", u.token)
		}
		return hdr("x-access-tokens", u.token, "Content-Type", ct)
	}
	mp, mpCT := pythonMultipart(pythonQueryFields("Hello from a file query"), "notes.txt", []byte("some notes"))

	ok := []struct {
		name, ct string
		body     []byte
		model    string // the model the stand-in must be asked for
		prompt   string // the user message it must receive
	}{
		{"README curl -d (form Content-Type, JSON body)", ctForm, []byte(`{"message": "Hello", "model": "llama3"}`), "llama3", "Hello"},
		{"JSON with no Content-Type", "", []byte(`{"message": "Hello", "model": "llama3"}`), "llama3", "Hello"},
		{"JSON labelled text/plain", "text/plain", []byte(`{"message": "plain", "model": "llama3"}`), "llama3", "plain"},
		{"JSON after whitespace, form Content-Type", ctForm + "; charset=utf-8", []byte("\r\n\t {\"message\": \"spaced\", \"model\": \"m\"}\n"), "m", "spaced"},
		{"JSON history, form Content-Type", ctForm, []byte(`{"message": [{"user": "me", "message": "first"}, {"user": "gpt", "message": "ok"}, {"user": "me", "message": "second"}], "model": "m"}`), "m", "second"},
		{"JSON labelled multipart", "multipart/form-data; boundary=xyz", []byte(`{"message": "mislabelled", "model": "m"}`), "m", "mislabelled"},
		{"url-encoded form (Python client query())", ctForm, []byte(pythonQueryForm("Hello form").Encode()), "openai_gpt", "Hello form"},
		{"url-encoded form starting with another field", ctForm, []byte(url.Values{"model": {"m2"}, "message": {"{not json}"}}.Encode()), "m2", "{not json}"},
		{"multipart (Python client query_with_file)", mpCT, mp, "openai_gpt", "Hello from a file query"},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			q := e.queryWith(t, with(c.ct), c.body)
			chat := up.lastChat(t)
			if chat.Model != c.model || len(chat.Messages) == 0 || chat.Messages[len(chat.Messages)-1] != (upstreamMessage{"user", c.prompt}) {
				t.Errorf("the stand-in got %+v, want model %q and last user message %q", chat, c.model, c.prompt)
			}
			if q.Message != "echo: "+c.prompt {
				t.Errorf("answer message %q", q.Message)
			}
		})
	}

	n := up.count()
	bad := func(name, ct, body string) scenario {
		return scenario{name: name, path: queryPath, headers: with(ct), body: body, wantStatus: http.StatusBadRequest, want: []string{`"status":400`}}
	}
	e.run(t, []scenario{
		bad("malformed JSON, form Content-Type", ctForm, `{"message": "Hello"`),
		bad("JSON with a duplicate key, form Content-Type", ctForm, `{"message": "a", "message": "b"}`),
		bad("JSON object then more, form Content-Type", ctForm, `{"message": "a"} {"message": "b"}`),
		bad("JSON without message, form Content-Type", ctForm, `{"model": "m"}`),
		bad("JSON array, form Content-Type", ctForm, `[{"message": "a"}]`),
		bad("JSON array, JSON Content-Type", ctJSON, `[{"message": "a"}]`),
		bad("text, JSON Content-Type", ctJSON, `Hello`),
		bad("form body labelled JSON", ctJSON, `message=Hello`),
		bad("form body labelled text/plain", "text/plain", `message=Hello`),
		bad("form body with no Content-Type", "", `message=Hello`),
		bad("invalid UTF-8, form Content-Type", ctForm, "message=\xff\xfe"),
		bad("NUL in a form value", ctForm, "message=a%00b"),
		bad("multipart without a boundary", "multipart/form-data", "--x\r\n\r\n"),
		bad("multipart with a wrong boundary", "multipart/form-data; boundary=other", string(mp)),
		bad("multipart cut short", mpCT, string(mp[:len(mp)/2])),
		bad("garbage Content-Type", "a/b/c; ;;", `message=Hello`),
		bad("empty body, form Content-Type", ctForm, ""),
	})
	if up.count() != n {
		t.Errorf("refused queries reached the model server")
	}

	// The /user/* routes follow the same rule: a JSON object labelled as a
	// form is JSON; a real form is not JSON, and they take no forms.
	e.run(t, []scenario{
		{name: "user route, JSON labelled form", path: "/user/get-user-logins", headers: with(ctForm), body: `{"limit": 2}`, wantStatus: http.StatusOK},
		{name: "user route, real form", path: "/user/get-user-logins", headers: with(ctForm), body: `limit=2`, wantStatus: http.StatusBadRequest},
	})

	// Every accepted query was logged once, newest first.
	logs := e.promptLogs(t, u.token, "")
	var prompts []string
	for _, r := range logs {
		prompts = append(prompts, r.Prompt)
	}
	for _, c := range ok {
		if !slices.Contains(prompts, c.prompt) {
			t.Errorf("prompt %q is not in get-user-logs %q", c.prompt, prompts)
		}
	}
}
