package httpserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/llm"
)

// ---------------------------------------------------------------------------
// A stand-in for the OpenAI-compatible model server behind /server/query
// (--llm-url): POST /v1/chat/completions and GET /v1/models. It records every
// request and can be told to fail.

// upstreamMode is how the stand-in answers.
type upstreamMode int32

const (
	upOK        upstreamMode = iota // a well-formed answer
	upFail500                       // HTTP 500 with an error body
	upGarbage                       // HTTP 200 with a body that is not JSON
	upNoChoices                     // HTTP 200 with a completion holding no choices
	upSlow                          // waits upstream.delay (or until the caller gives up)
)

// Models the stand-in lists, in this order (the first is the default).
var standInModels = []string{"stand-in-small", "stand-in-large"}

// standInCreated is the "created" time of every listed model.
const standInCreated = 1700000000

// upstreamMessage is one message the stand-in received.
type upstreamMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// upstreamChat is one chat-completions request the stand-in received.
type upstreamChat struct {
	Model       string            `json:"model"`
	Messages    []upstreamMessage `json:"messages"`
	Temperature *float64          `json:"temperature"`
	Stream      bool              `json:"stream"`
}

// upstreamReq is one request the stand-in received.
type upstreamReq struct {
	method, path string
	header       http.Header
	body         []byte
	chat         upstreamChat // decoded for chat completions
}

type upstream struct {
	srv   *httptest.Server
	mode  atomic.Int32
	delay atomic.Int64  // how long upSlow waits, in nanoseconds
	done  chan struct{} // closed at cleanup: releases slow handlers

	mu   sync.Mutex
	reqs []upstreamReq
}

// newUpstream starts a stand-in that answers well until told otherwise.
func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{done: make(chan struct{})}
	u.setDelay(5 * time.Second)
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	// Cleanups run last-in first-out: release slow handlers, then close.
	t.Cleanup(u.srv.Close)
	t.Cleanup(func() { close(u.done) })
	return u
}

// standInReply is the stand-in's answer to a conversation: deterministic, so
// tests can predict it.
func standInReply(msgs []upstreamMessage) string {
	last := ""
	for _, m := range msgs {
		if m.Role == "user" {
			last = m.Content
		}
	}
	return "echo: " + last
}

// words is the stand-in's token count: whitespace-separated words.
func words(s string) int { return len(strings.Fields(s)) }

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := upstreamReq{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body}
	if r.URL.Path == "/v1/chat/completions" {
		json.Unmarshal(body, &rec.chat)
	}
	u.mu.Lock()
	u.reqs = append(u.reqs, rec)
	u.mu.Unlock()

	switch upstreamMode(u.mode.Load()) {
	case upFail500:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"error": {"message": "stand-in failure", "type": "server_error"}}`)
		return
	case upGarbage:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `<html>this is not JSON {`)
		return
	case upSlow:
		select {
		case <-time.After(time.Duration(u.delay.Load())):
		case <-r.Context().Done():
			return
		case <-u.done:
			return
		}
	}

	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/models":
		type model struct {
			ID      string `json:"id"`
			Object  string `json:"object"`
			Created int64  `json:"created"`
			OwnedBy string `json:"owned_by"`
		}
		out := struct {
			Object string  `json:"object"`
			Data   []model `json:"data"`
		}{Object: "list"}
		for _, id := range standInModels {
			out.Data = append(out.Data, model{ID: id, Object: "model", Created: standInCreated, OwnedBy: "gatehouse-tests"})
		}
		json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions":
		if upstreamMode(u.mode.Load()) == upNoChoices {
			io.WriteString(w, `{"id": "cmpl-0", "object": "chat.completion", "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 1}}`)
			return
		}
		if rec.chat.Model == "" || len(rec.chat.Messages) == 0 {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error": {"message": "model and messages are required"}}`)
			return
		}
		reply := standInReply(rec.chat.Messages)
		pt := 0
		for _, m := range rec.chat.Messages {
			pt += words(m.Content)
		}
		ct := words(reply)
		out := map[string]any{
			"id": "cmpl-1", "object": "chat.completion", "created": standInCreated, "model": rec.chat.Model,
			"choices": []map[string]any{{"index": 0, "message": map[string]string{"role": "assistant", "content": reply}, "finish_reason": "stop"}},
			"usage":   map[string]int{"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct},
		}
		json.NewEncoder(w).Encode(out)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error": {"message": "no such route"}}`)
	}
}

// setDelay sets how long upSlow waits.
func (u *upstream) setDelay(d time.Duration) { u.delay.Store(int64(d)) }

// setMode changes how the stand-in answers from the next request on.
func (u *upstream) setMode(m upstreamMode) { u.mode.Store(int32(m)) }

// client is gatehouse's model-server client for the stand-in.
func (u *upstream) client(timeout time.Duration) *llm.Client {
	return llm.New(u.srv.URL, "", "", timeout)
}

// requests returns a copy of what the stand-in received so far.
func (u *upstream) requests() []upstreamReq {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]upstreamReq(nil), u.reqs...)
}

// chats returns the chat-completions requests received so far.
func (u *upstream) chats() []upstreamChat {
	var out []upstreamChat
	for _, r := range u.requests() {
		if r.path == "/v1/chat/completions" {
			out = append(out, r.chat)
		}
	}
	return out
}

// lastChat is the latest chat-completions request (or fails the test).
func (u *upstream) lastChat(t *testing.T) upstreamChat {
	t.Helper()
	cs := u.chats()
	if len(cs) == 0 {
		t.Fatalf("the stand-in received no chat completion")
	}
	return cs[len(cs)-1]
}

// count is how many requests the stand-in received.
func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

// newEnvWithUpstream is a server whose /server/query forwards to a fresh
// stand-in.
func newEnvWithUpstream(t *testing.T) (*env, *upstream) {
	t.Helper()
	up := newUpstream(t)
	return newEnv(t, withModels(up.client(10*time.Second))), up
}

// ---------------------------------------------------------------------------
// Model-server faults: in the envelope, never a hang, and nothing recorded.

// chatState is what a user's chats and prompt log hold, to compare before
// and after a failed query.
type chatState struct {
	logs  int
	chats string // get-chats' JSON string
}

func (e *env) chatState(t *testing.T, cred string) chatState {
	t.Helper()
	return chatState{logs: len(e.promptLogs(t, cred, "")), chats: e.chatsJSON(t, cred)}
}

// TestUpstreamNotConfigured: with no --llm-url, /server/query and
// /server/get-models answer 503 in the envelope (with Retry-After), and a
// query records nothing.
func TestUpstreamNotConfigured(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.upstreamFaults.Store(true)
	u := e.newUser(t)
	sid := e.createChat(t, u.token, "")
	before := e.chatState(t, u.token)
	want503 := func(t *testing.T, r result) {
		if r.header.Get("Retry-After") == "" {
			t.Errorf("503 without Retry-After: %s", r)
		}
		var msg string
		envelopeOf(t, r, &msg)
		if !strings.Contains(msg, "--llm-url") {
			t.Errorf("503 message %q does not say how to configure a model server", msg)
		}
	}
	e.run(t, []scenario{
		{name: "query JSON", path: "/server/query", headers: withToken(u.token), body: `{"message": "hello"}`,
			wantStatus: 503, want: []string{`"status":503`}, check: want503},
		{name: "query into a session", path: "/server/query", headers: withToken(u.token), body: mustJSON(t, map[string]string{"message": "hello", "session_id": sid}),
			wantStatus: 503, check: want503},
		{name: "query form", path: "/server/query", headers: hdr("x-access-tokens", u.key, "Content-Type", "application/x-www-form-urlencoded"),
			body: "message=hello&persona=default&dataset=all&temperature=0.0&live=0&model=openai_gpt", wantStatus: 503, check: want503},
		{name: "get-models POST {}", path: "/server/get-models", headers: withToken(u.token), body: `{}`, wantStatus: 503, check: want503},
		{name: "get-models GET", method: http.MethodGet, path: "/server/get-models", headers: hdr("x-access-tokens", u.token), wantStatus: 503, check: want503},
		// Without a credential, 401 comes first: a 503 must not reveal
		// configuration to anonymous callers ahead of authentication.
		{name: "query without credential", path: "/server/query", headers: hdr("Content-Type", ctJSON), body: `{"message": "hello"}`, wantStatus: 401},
		{name: "get-models without credential", path: "/server/get-models", headers: hdr("Content-Type", ctJSON), body: `{}`, wantStatus: 401},
	})
	if after := e.chatState(t, u.token); after != before {
		t.Errorf("a failed query changed the user's data:\nbefore %+v\nafter  %+v", before, after)
	}
}

// TestUpstreamFaults: the model server failing (HTTP 500, not JSON, no
// choices, unreachable) is 502; too slow is 504, answered promptly. A failed
// query writes no prompt-log row and no chat message, in a new session or an
// existing one.
func TestUpstreamFaults(t *testing.T) {
	t.Parallel()
	up := newUpstream(t)
	up.setDelay(10 * time.Second)
	e := newEnv(t, withModels(up.client(200*time.Millisecond)))
	e.upstreamFaults.Store(true)
	u := e.newUser(t)

	// One good query first, so there is a session with history to fail into.
	first := e.query(t, u.token, `{"message": "first question"}`)
	sid := first.SessionID
	before := e.chatState(t, u.token)

	cases := []struct {
		name   string
		mode   upstreamMode
		status int
	}{
		{"HTTP 500", upFail500, http.StatusBadGateway},
		{"garbage JSON", upGarbage, http.StatusBadGateway},
		{"no choices", upNoChoices, http.StatusBadGateway},
		{"slow", upSlow, http.StatusGatewayTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			up.setMode(tc.mode)
			defer up.setMode(upOK)
			reqs := []struct {
				name, path string
				headers    []string
				body       string
			}{
				{"query new session", "/server/query", withToken(u.token), `{"message": "will fail", "model": "stand-in-small"}`},
				{"query default model", "/server/query", withToken(u.token), `{"message": "will fail"}`},
				{"query into session", "/server/query", withToken(u.token), mustJSON(t, map[string]string{"message": "will fail", "session_id": sid})},
				{"query form", "/server/query", hdr("x-access-tokens", u.key, "Content-Type", "application/x-www-form-urlencoded"), "message=will+fail&model=stand-in-small"},
				{"get-models", "/server/get-models", withToken(u.token), `{}`},
			}
			for _, rq := range reqs {
				if tc.mode == upNoChoices && rq.path == modelsPath {
					continue // a chat-completions fault only
				}
				n := up.count()
				start := time.Now()
				r := e.call(t, http.MethodPost, rq.path, rq.headers, rq.body)
				took := time.Since(start)
				if r.status != tc.status {
					t.Errorf("%s: status %d, want %d: %s", rq.name, r.status, tc.status, r)
				}
				if took > 5*time.Second {
					t.Errorf("%s: took %v; a model-server fault must be answered promptly", rq.name, took)
				}
				if up.count() == n {
					t.Errorf("%s: the stand-in was never called", rq.name)
				}
				var msg string
				envelopeOf(t, r, &msg)
				if msg == "" || strings.Contains(msg, "stand-in failure") || strings.Contains(msg, "<html>") || strings.Contains(msg, "127.0.0.1") {
					t.Errorf("%s: message %q is empty or leaks the model server's answer or address", rq.name, msg)
				}
			}
			if after := e.chatState(t, u.token); after != before {
				t.Errorf("a failed query changed the user's data:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}

	t.Run("unreachable", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		url := dead.URL
		dead.Close()
		e2 := newEnv(t, withModels(llm.New(url, "", "", 2*time.Second)))
		e2.upstreamFaults.Store(true)
		u2 := e2.newUser(t)
		e2.run(t, []scenario{
			{name: "query", path: "/server/query", headers: withToken(u2.token), body: `{"message": "hello", "model": "m"}`, wantStatus: 502},
			{name: "get-models", path: "/server/get-models", headers: withToken(u2.token), body: `{}`, wantStatus: 502},
		})
		if logs := e2.promptLogs(t, u2.token, ""); len(logs) != 0 {
			t.Errorf("a failed query wrote prompt-log rows: %+v", logs)
		}
		if cs := e2.chats(t, u2.token); len(cs) != 0 {
			t.Errorf("a failed query created chat sessions: %+v", cs)
		}
	})

	// The stand-in is well again: the same user's next query works and
	// lands in the same session.
	up.setMode(upOK)
	next := e.query(t, u.token, mustJSON(t, map[string]string{"message": "after the faults", "session_id": sid}))
	if next.SessionID != sid {
		t.Errorf("session %q, want %q", next.SessionID, sid)
	}
	c := e.chatSession(t, u.token, sid)
	if got := texts(c.Chats); strings.Join(got, "|") != "first question|echo: first question|after the faults|echo: after the faults" {
		t.Errorf("session messages after faults = %q", got)
	}
}

// TestStandInUpstream checks the stand-in itself, so the tests above prove
// something.
func TestStandInUpstream(t *testing.T) {
	t.Parallel()
	up := newUpstream(t)
	c := up.client(time.Second)
	ms, err := c.Models(t.Context())
	if err != nil || len(ms) != len(standInModels) || ms[0].ID != standInModels[0] {
		t.Fatalf("Models = %+v, %v", ms, err)
	}
	resp, err := http.Post(up.srv.URL+"/v1/chat/completions", ctJSON,
		strings.NewReader(`{"model": "m", "messages": [{"role": "user", "content": "one two"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Choices []struct {
			Message upstreamMessage `json:"message"`
		} `json:"choices"`
		Usage struct {
			TotalTokens int `json:"total_tokens"`
		} `json:"usage"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Choices) != 1 || out.Choices[0].Message.Content != "echo: one two" || out.Usage.TotalTokens != 5 {
		t.Fatalf("completion = %+v, %v", out, err)
	}
	up.setMode(upSlow)
	up.setDelay(time.Minute)
	start := time.Now()
	if _, err := up.client(100 * time.Millisecond).Models(t.Context()); err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("slow stand-in: err %v after %v", err, time.Since(start))
	}
	if n := len(up.requests()); n != 3 {
		t.Errorf("recorded %d requests, want 3", n)
	}
}
