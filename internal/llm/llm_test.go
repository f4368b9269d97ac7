package llm_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/apierror"
	"github.com/gatehouse/gatehouse/internal/llm"
)

// testKey is the model server's API key. Its characters are distinct
// enough that any 12-character run of it found in an error is a leak.
const testKey = "sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0ZyXw"

// maxAnswer mirrors the client's 16 MiB bound on a model server's answer.
const maxAnswer = 16 << 20

// stub is an OpenAI-compatible stand-in for a model server. It records the
// requests it gets; the handlers answer as the test sets them.
type stub struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests []recorded

	modelsHits atomic.Int64
	chat       http.HandlerFunc // answers POST .../chat/completions
	models     http.HandlerFunc // answers GET .../models
}

type recorded struct {
	Method, Path, Auth, ContentType, Accept string
	Body                                    []byte
}

// wireRequest is the chat request as the server reads it; Temperature is a
// pointer so an omitted field can be told from zero.
type wireRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Temperature *float64 `json:"temperature"`
	Stream      *bool    `json:"stream"`
}

const okAnswer = `{"id":"chatcmpl-1","object":"chat.completion","model":"llama3.1:8b-served",
	"choices":[{"index":0,"message":{"role":"assistant","content":"4"},"finish_reason":"stop"}],
	"usage":{"prompt_tokens":11,"completion_tokens":1,"total_tokens":12}}`

const modelsAnswer = `{"object":"list","data":[
	{"id":"first-model","object":"model","owned_by":"library","created":1700000000},
	{"id":"second-model","object":"model","owned_by":"me","created":1700000001}]}`

// newStub starts a stand-in whose API lives under prefix (e.g. "/v1" or
// "/api/v1").
func newStub(t *testing.T, prefix string) *stub {
	t.Helper()
	s := &stub{
		chat:   func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, okAnswer) },
		models: func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, modelsAnswer) },
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+prefix+"/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		s.chat(w, r)
	})
	mux.HandleFunc("GET "+prefix+"/models", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		s.modelsHits.Add(1)
		s.models(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		http.Error(w, "stub: no route "+r.Method+" "+r.URL.Path, http.StatusTeapot)
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *stub) record(r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, recorded{
		Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"),
		ContentType: r.Header.Get("Content-Type"), Accept: r.Header.Get("Accept"), Body: b,
	})
}

func (s *stub) recorded() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.requests...)
}

func ask(text string) gatehouse.CompletionRequest {
	return gatehouse.CompletionRequest{
		Model:    "llama3.1:8b",
		Messages: []gatehouse.ChatTurn{{Role: gatehouse.RoleUser, Text: text}},
	}
}

// wantCode fails t unless err carries the gatehouse error code want.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := gatehouse.ErrorCode(err); got != want {
		t.Fatalf("error code = %q (err %v), want %q", got, err, want)
	}
}

// wantNoKey fails t when any 12-character run of testKey appears in the
// error's text or in its client-facing message.
func wantNoKey(t *testing.T, err error) {
	t.Helper()
	for _, text := range []string{err.Error(), apierror.Text(err), fmt.Sprintf("%+v", err)} {
		for i := 0; i+12 <= len(testKey); i++ {
			if strings.Contains(text, testKey[i:i+12]) {
				t.Errorf("error text contains part of the API key (%q…): %q", testKey[i:i+12], text)
				return
			}
		}
	}
}

func TestBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, prefix, suffix string
	}{
		{"bare host", "/v1", ""},
		{"host slash", "/v1", "/"},
		{"with v1", "/v1", "/v1"},
		{"with v1 slash", "/v1", "/v1/"},
		{"with v1 slashes", "/v1", "/v1//"},
		{"path prefix", "/api/v1", "/api"},
		{"path prefix v1 slash", "/api/v1", "/api/v1/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, tt.prefix)
			c := llm.New(s.srv.URL+tt.suffix, "", "", 5*time.Second)
			if _, err := c.Complete(t.Context(), ask("hi")); err != nil {
				t.Fatalf("Complete via %q: %v (requests %+v)", s.srv.URL+tt.suffix, err, s.recorded())
			}
			ms, err := c.Models(t.Context())
			if err != nil {
				t.Fatalf("Models via %q: %v", s.srv.URL+tt.suffix, err)
			}
			if len(ms) != 2 {
				t.Errorf("Models: %d models, want 2", len(ms))
			}
			var paths []string
			for _, r := range s.recorded() {
				paths = append(paths, r.Path)
			}
			want := []string{tt.prefix + "/chat/completions", tt.prefix + "/models"}
			if !reflect.DeepEqual(paths, want) {
				t.Errorf("request paths = %q, want %q", paths, want)
			}
		})
	}
}

func TestCompleteRequestAndAnswer(t *testing.T) {
	t.Parallel()
	temp := 0.25
	zero := 0.0
	tests := []struct {
		name     string
		key      string
		temp     *float64
		answer   string
		wantAuth string
		want     gatehouse.Completion
	}{
		{
			name: "key and temperature", key: testKey, temp: &temp, answer: okAnswer,
			wantAuth: "Bearer " + testKey,
			want:     gatehouse.Completion{Text: "4", Model: "llama3.1:8b-served", PromptTokens: 11, CompletionTokens: 1, TotalTokens: 12},
		},
		{
			name: "zero temperature is sent", key: testKey, temp: &zero, answer: okAnswer,
			wantAuth: "Bearer " + testKey,
			want:     gatehouse.Completion{Text: "4", Model: "llama3.1:8b-served", PromptTokens: 11, CompletionTokens: 1, TotalTokens: 12},
		},
		{
			name: "no key no temperature", answer: okAnswer,
			want: gatehouse.Completion{Text: "4", Model: "llama3.1:8b-served", PromptTokens: 11, CompletionTokens: 1, TotalTokens: 12},
		},
		{
			name: "total computed when missing", key: testKey,
			answer:   `{"model":"m2","choices":[{"message":{"role":"assistant","content":"ok"}}],"usage":{"prompt_tokens":7,"completion_tokens":5}}`,
			wantAuth: "Bearer " + testKey,
			want:     gatehouse.Completion{Text: "ok", Model: "m2", PromptTokens: 7, CompletionTokens: 5, TotalTokens: 12},
		},
		{
			name:   "model and usage missing",
			answer: `{"choices":[{"message":{"content":"multi\nline ünïcode"}},{"message":{"content":"second choice"}}]}`,
			want:   gatehouse.Completion{Text: "multi\nline ünïcode", Model: "llama3.1:8b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, "/v1")
			s.chat = func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, tt.answer) }
			c := llm.New(s.srv.URL, tt.key, "", 5*time.Second)
			req := gatehouse.CompletionRequest{
				Model: "llama3.1:8b",
				Messages: []gatehouse.ChatTurn{
					{Role: gatehouse.RoleSystem, Text: "Be brief."},
					{Role: gatehouse.RoleUser, Text: "What is 2+2?"},
					{Role: gatehouse.RoleAssistant, Text: "4"},
					{Role: gatehouse.RoleUser, Text: "Sure? «ü»"},
				},
				Temperature: tt.temp,
			}
			got, err := c.Complete(t.Context(), req)
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("Complete = %+v, want %+v", *got, tt.want)
			}

			rs := s.recorded()
			if len(rs) != 1 {
				t.Fatalf("server got %d requests, want 1 (no /models call when the request names a model): %+v", len(rs), rs)
			}
			r := rs[0]
			if r.Method != http.MethodPost || r.Path != "/v1/chat/completions" {
				t.Errorf("request %s %s, want POST /v1/chat/completions", r.Method, r.Path)
			}
			if r.Auth != tt.wantAuth {
				t.Errorf("Authorization = %q, want %q", r.Auth, tt.wantAuth)
			}
			if r.ContentType != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", r.ContentType)
			}
			var body wireRequest
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatalf("request body %s: %v", r.Body, err)
			}
			if body.Model != "llama3.1:8b" {
				t.Errorf("model = %q, want llama3.1:8b", body.Model)
			}
			var msgs []string
			for _, m := range body.Messages {
				msgs = append(msgs, m.Role+":"+m.Content)
			}
			wantMsgs := []string{"system:Be brief.", "user:What is 2+2?", "assistant:4", "user:Sure? «ü»"}
			if !reflect.DeepEqual(msgs, wantMsgs) {
				t.Errorf("messages = %q, want %q", msgs, wantMsgs)
			}
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(r.Body, &fields); err != nil {
				t.Fatal(err)
			}
			_, sentTemp := fields["temperature"]
			switch {
			case tt.temp == nil && sentTemp:
				t.Errorf("temperature sent, want it omitted; body %s", r.Body)
			case tt.temp != nil && (body.Temperature == nil || *body.Temperature != *tt.temp):
				t.Errorf("temperature in body %s, want %v", r.Body, *tt.temp)
			}
			if body.Stream == nil || *body.Stream {
				t.Errorf("stream in body %s, want false", r.Body)
			}
		})
	}
}

func TestModels(t *testing.T) {
	t.Parallel()
	s := newStub(t, "/v1")
	c := llm.New(s.srv.URL, testKey, "", 5*time.Second)
	got, err := c.Models(t.Context())
	if err != nil {
		t.Fatalf("Models: %v", err)
	}
	want := []gatehouse.Model{
		{ID: "first-model", OwnedBy: "library", Created: 1700000000},
		{ID: "second-model", OwnedBy: "me", Created: 1700000001},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Models = %+v, want %+v", got, want)
	}
	if rs := s.recorded(); len(rs) != 1 || rs[0].Method != http.MethodGet || rs[0].Auth != "Bearer "+testKey {
		t.Errorf("requests %+v, want one GET with the Bearer key", rs)
	}
}

func TestDefaultModel(t *testing.T) {
	t.Parallel()
	modelOf := func(t *testing.T, r recorded) string {
		t.Helper()
		var body wireRequest
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("request body %s: %v", r.Body, err)
		}
		return body.Model
	}
	chats := func(s *stub) []recorded {
		var out []recorded
		for _, r := range s.recorded() {
			if strings.HasSuffix(r.Path, "/chat/completions") {
				out = append(out, r)
			}
		}
		return out
	}

	t.Run("learned from /models and cached", func(t *testing.T) {
		t.Parallel()
		s := newStub(t, "/v1")
		c := llm.New(s.srv.URL, "", "", 5*time.Second)
		for i := range 3 {
			if _, err := c.Complete(t.Context(), gatehouse.CompletionRequest{Messages: []gatehouse.ChatTurn{{Role: gatehouse.RoleUser, Text: "hi"}}}); err != nil {
				t.Fatalf("Complete #%d: %v", i+1, err)
			}
		}
		if n := s.modelsHits.Load(); n != 1 {
			t.Errorf("/models called %d times for three completions, want 1 (the choice is cached)", n)
		}
		for _, r := range chats(s) {
			if m := modelOf(t, r); m != "first-model" {
				t.Errorf("chat request model = %q, want the first listed, first-model", m)
			}
		}
		// A request naming a model uses it.
		if _, err := c.Complete(t.Context(), ask("hi")); err != nil {
			t.Fatal(err)
		}
		cs := chats(s)
		if m := modelOf(t, cs[len(cs)-1]); m != "llama3.1:8b" {
			t.Errorf("chat request model = %q, want the request's llama3.1:8b", m)
		}
	})
	t.Run("concurrent first calls", func(t *testing.T) {
		t.Parallel()
		s := newStub(t, "/v1")
		c := llm.New(s.srv.URL, "", "", 5*time.Second)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				_, err := c.Complete(t.Context(), gatehouse.CompletionRequest{Messages: []gatehouse.ChatTurn{{Role: gatehouse.RoleUser, Text: "hi"}}})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent Complete: %v", err)
			}
		}
		for _, r := range chats(s) {
			if m := modelOf(t, r); m != "first-model" {
				t.Errorf("chat request model = %q, want first-model", m)
			}
		}
	})
	t.Run("configured default skips /models", func(t *testing.T) {
		t.Parallel()
		s := newStub(t, "/v1")
		c := llm.New(s.srv.URL, "", "configured-model", 5*time.Second)
		if _, err := c.Complete(t.Context(), gatehouse.CompletionRequest{Messages: []gatehouse.ChatTurn{{Role: gatehouse.RoleUser, Text: "hi"}}}); err != nil {
			t.Fatal(err)
		}
		if n := s.modelsHits.Load(); n != 0 {
			t.Errorf("/models called %d times with a configured default model, want 0", n)
		}
		if cs := chats(s); len(cs) != 1 || modelOf(t, cs[0]) != "configured-model" {
			t.Errorf("chat requests %+v, want one for configured-model", cs)
		}
	})
	t.Run("no models listed", func(t *testing.T) {
		t.Parallel()
		s := newStub(t, "/v1")
		s.models = func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"object":"list","data":[]}`) }
		c := llm.New(s.srv.URL, "", "", 5*time.Second)
		_, err := c.Complete(t.Context(), gatehouse.CompletionRequest{Messages: []gatehouse.ChatTurn{{Role: gatehouse.RoleUser, Text: "hi"}}})
		wantCode(t, err, gatehouse.EUPSTREAM)
		if cs := chats(s); len(cs) != 0 {
			t.Errorf("chat requests %+v sent without a model, want none", cs)
		}
	})
	t.Run("failed /models is not cached", func(t *testing.T) {
		t.Parallel()
		s := newStub(t, "/v1")
		var fail atomic.Bool
		fail.Store(true)
		s.models = func(w http.ResponseWriter, r *http.Request) {
			if fail.Load() {
				http.Error(w, "loading", http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, modelsAnswer)
		}
		c := llm.New(s.srv.URL, "", "", 5*time.Second)
		req := gatehouse.CompletionRequest{Messages: []gatehouse.ChatTurn{{Role: gatehouse.RoleUser, Text: "hi"}}}
		_, err := c.Complete(t.Context(), req)
		wantCode(t, err, gatehouse.EUPSTREAM)
		fail.Store(false)
		if _, err := c.Complete(t.Context(), req); err != nil {
			t.Fatalf("Complete after /models recovered: %v", err)
		}
	})
}

// TestUpstreamFailures covers every way the model server can fail an
// answer, for both calls.
func TestUpstreamFailures(t *testing.T) {
	t.Parallel()
	echoKey := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":{"message":"invalid api key %s","header":%q}}`, testKey, r.Header.Get("Authorization"))
		}
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"500 echoing the key", echoKey(http.StatusInternalServerError), gatehouse.EUPSTREAM},
		{"401 echoing the key", echoKey(http.StatusUnauthorized), gatehouse.EUPSTREAM},
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, gatehouse.EUPSTREAM},
		{"429", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		}, gatehouse.EUPSTREAM},
		{"502 empty body", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }, gatehouse.EUPSTREAM},
		{"key at the truncation point", func(w http.ResponseWriter, r *http.Request) {
			// The detail kept for the log is cut at a few hundred bytes;
			// a key echoed across the cut must not survive in part.
			w.WriteHeader(http.StatusInternalServerError)
			pad := strings.Repeat(".", 270)
			io.WriteString(w, pad+testKey+pad)
		}, gatehouse.EUPSTREAM},
		{"key after long text", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			for i := range 40 {
				fmt.Fprintf(w, "line %d: bad key %s\n", i, testKey)
			}
		}, gatehouse.EUPSTREAM},
		{"invalid JSON echoing the key", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"model": "x", "key": "`+testKey+`", oops}`)
		}, gatehouse.EUPSTREAM},
		{"HTML instead of JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html><body>"+testKey+"</body></html>")
		}, gatehouse.EUPSTREAM},
		{"empty 200", func(w http.ResponseWriter, r *http.Request) {}, gatehouse.EUPSTREAM},
		{"truncated JSON", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, okAnswer[:40]) }, gatehouse.EUPSTREAM},
		{"wrong types", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"choices":"none","data":7,"usage":{"prompt_tokens":"many"}}`)
		}, gatehouse.EUPSTREAM},
		{"body cut off mid-answer", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, `{"choices":[`)
			// Returning with fewer bytes than announced makes the server
			// close the connection.
		}, gatehouse.EUPSTREAM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, "/v1")
			s.chat, s.models = tt.handler, tt.handler
			c := llm.New(s.srv.URL, testKey, "", 5*time.Second)
			_, err := c.Complete(t.Context(), ask("hi"))
			wantCode(t, err, tt.want)
			wantNoKey(t, err)
			_, err = c.Models(t.Context())
			wantCode(t, err, tt.want)
			wantNoKey(t, err)
		})
	}
}

func TestEmptyChoices(t *testing.T) {
	t.Parallel()
	for _, answer := range []string{
		`{"model":"m","choices":[],"usage":{"prompt_tokens":3}}`,
		`{"model":"m","choices":null}`,
		`{"model":"m"}`,
		`{}`,
	} {
		t.Run(answer, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, "/v1")
			s.chat = func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, answer) }
			c := llm.New(s.srv.URL, testKey, "", 5*time.Second)
			got, err := c.Complete(t.Context(), ask("hi"))
			if got != nil {
				t.Errorf("Complete = %+v, want nil", got)
			}
			wantCode(t, err, gatehouse.EUPSTREAM)
		})
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 100 * time.Millisecond
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	stall := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		case <-time.After(10 * time.Second):
		}
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"no headers", stall},
		{"headers then a stalled body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, `{"choices":[`)
			w.(http.Flusher).Flush()
			stall(w, r)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, "/v1")
			s.chat, s.models = tt.handler, tt.handler
			c := llm.New(s.srv.URL, testKey, "", timeout)
			for name, call := range map[string]func() error{
				"Complete": func() error { _, err := c.Complete(t.Context(), ask("hi")); return err },
				"Models":   func() error { _, err := c.Models(t.Context()); return err },
			} {
				start := time.Now()
				err := call()
				took := time.Since(start)
				if gatehouse.ErrorCode(err) != gatehouse.ETIMEOUT {
					t.Errorf("%s: error code %q (err %v), want %q", name, gatehouse.ErrorCode(err), err, gatehouse.ETIMEOUT)
				}
				if took > time.Second {
					t.Errorf("%s took %v with a %v timeout, want under 1s", name, took, timeout)
				}
				if err != nil {
					wantNoKey(t, err)
				}
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := llm.New("http://"+addr, testKey, "", 5*time.Second)
	start := time.Now()
	_, err = c.Complete(t.Context(), ask("hi"))
	wantCode(t, err, gatehouse.EUPSTREAM)
	wantNoKey(t, err)
	_, err = c.Models(t.Context())
	wantCode(t, err, gatehouse.EUPSTREAM)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("refused connections took %v, want a prompt failure", took)
	}
	if msg := apierror.Text(err); strings.Contains(msg, addr) {
		t.Errorf("client-facing message %q names the model server's address", msg)
	}
}

// TestAnswerSize checks the 16 MiB bound: an answer of exactly the bound is
// read, one byte more is refused.
func TestAnswerSize(t *testing.T) {
	t.Parallel()
	// answer returns a valid chat answer of exactly n bytes.
	answer := func(n int) []byte {
		head, tail := `{"choices":[{"message":{"content":"`, `"}}]}`
		var b bytes.Buffer
		b.Grow(n)
		b.WriteString(head)
		b.Write(bytes.Repeat([]byte("a"), n-len(head)-len(tail)))
		b.WriteString(tail)
		return b.Bytes()
	}
	tests := []struct {
		name string
		size int
		tail string // appended after the JSON
		want string
	}{
		{"at the bound", maxAnswer, "", ""},
		// A complete answer of the bound's size followed by one more
		// byte: refused for its size, not because a cut made it
		// unparsable.
		{"valid JSON one byte over", maxAnswer, "\n", gatehouse.EUPSTREAM},
		{"one byte over", maxAnswer + 1, "", gatehouse.EUPSTREAM},
		{"far over", maxAnswer + 4<<20, "", gatehouse.EUPSTREAM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := append(answer(tt.size), tt.tail...)
			s := newStub(t, "/v1")
			s.chat = func(w http.ResponseWriter, r *http.Request) { w.Write(body) }
			c := llm.New(s.srv.URL, testKey, "", 20*time.Second)
			got, err := c.Complete(t.Context(), ask("hi"))
			if gatehouse.ErrorCode(err) != tt.want {
				t.Fatalf("Complete of a %d-byte answer: error code %q (err %.200v), want %q", len(body), gatehouse.ErrorCode(err), err, tt.want)
			}
			if tt.want == "" && (got == nil || len(got.Text) != tt.size-len(`{"choices":[{"message":{"content":"`)-len(`"}}]}`)) {
				t.Errorf("Complete of an answer at the bound lost text")
			}
		})
	}
}
