package apierror

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// TestEveryCodeAndReasonWorded: the default tables cover every code and
// every reason, so no surface can meet an error it has no status or words
// for.
func TestEveryCodeAndReasonWorded(t *testing.T) {
	t.Parallel()
	for _, c := range gatehouse.Codes() {
		if statusOf[c] == 0 || codeText[c] == "" {
			t.Errorf("code %q: status %d, text %q; want both", c, statusOf[c], codeText[c])
		}
	}
	if len(statusOf) != len(gatehouse.Codes()) || len(codeText) != len(gatehouse.Codes()) {
		t.Errorf("%d statuses and %d texts for %d codes: a table names a code gatehouse does not have", len(statusOf), len(codeText), len(gatehouse.Codes()))
	}
	for _, r := range gatehouse.Reasons() {
		if reasonText[r] == "" {
			t.Errorf("reason %+v has no words in words.go", r)
		}
	}
	if len(reasonText) != len(gatehouse.Reasons()) {
		t.Errorf("%d reason texts for %d reasons: words.go words a reason reasons.go does not list", len(reasonText), len(gatehouse.Reasons()))
	}
}

// TestText: the command line's words, templates filled.
func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"generic code", gatehouse.CodeErr(gatehouse.ENOTFOUND), "Not found."},
		{"reason", gatehouse.Err(gatehouse.ReasonDatasetNotFound), "Dataset not found."},
		{"name is quoted", gatehouse.Err(gatehouse.ReasonNoSuchAccount).WithName(`a"b@c.co`), `No account with email "a\"b@c.co".`},
		{"limit", gatehouse.Err(gatehouse.ReasonPasswordTooShort).WithLimit(8), "password must be at least 8 characters."},
		{"name and limit", gatehouse.Err(gatehouse.ReasonFileTooLarge).WithName("a…").WithLimit(10), `File "a…" is too large (limit 10 bytes).`},
		{"wrapped", fmt.Errorf("op: %w", gatehouse.Err(gatehouse.ReasonEmailTaken)), "An account with this email already exists."},
		{"one second", gatehouse.CodeErr(gatehouse.ERATELIMIT).WithRetryAfter(300 * time.Millisecond), "Too many requests; try again in 1 second."},
		{"seconds", gatehouse.CodeErr(gatehouse.ERATELIMIT).WithRetryAfter(2*time.Second + 1), "Too many requests; try again in 3 seconds."},
		{"no wait", gatehouse.CodeErr(gatehouse.ERATELIMIT), "Too many requests; try again in 1 second."},
		{"not a gatehouse error", errors.New("sql: secret detail"), "Internal error."},
		{"unknown code", &gatehouse.Error{Code: "teapot"}, "Internal error."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Text(tt.err); got != tt.want {
				t.Errorf("Text = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSurfaceResolution: a reason's override beats the reason's default
// words, which beat the code's override; a code's override words only its
// generic case, but its status and wire code hold for every reason.
func TestSurfaceResolution(t *testing.T) {
	t.Parallel()
	s := &Surface{
		Codes: map[string]Words{
			gatehouse.ENOTFOUND:     {Code: "nf", Text: "Nothing here"},
			gatehouse.EUNAUTHORIZED: {Status: 499},
		},
		Reasons: map[gatehouse.Reason]Words{
			gatehouse.ReasonAppNotFound:   {Code: "app_nf", Text: "No app"},
			gatehouse.ReasonNoSuchAccount: {Status: http.StatusGone},
		},
	}
	tests := []struct {
		name         string
		err          error
		status       int
		code, text   string
		wantInternal bool
	}{
		{"code override", gatehouse.CodeErr(gatehouse.ENOTFOUND), 404, "nf", "Nothing here", false},
		{"reason override", gatehouse.Err(gatehouse.ReasonAppNotFound), 404, "app_nf", "No app", false},
		{"reason default words, code's wire code", gatehouse.Err(gatehouse.ReasonChatNotFound), 404, "nf", "Chat session not found.", false},
		{"reason status only", gatehouse.Err(gatehouse.ReasonNoSuchAccount).WithName("x@y.co"), 410, "nf", `No account with email "x@y.co".`, false},
		{"code status", gatehouse.Err(gatehouse.ReasonBadExchange), 499, "", "Invalid email or API key.", false},
		{"default", gatehouse.CodeErr(gatehouse.ETIMEOUT), 504, "", "The model server did not answer in time.", false},
		{"not ours", errors.New("boom"), 500, "", "Internal error.", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, code, text := s.answer(resolve(tt.err))
			if status != tt.status || code != tt.code || text != tt.text {
				t.Errorf("answer = %d %q %q, want %d %q %q", status, code, text, tt.status, tt.code, tt.text)
			}
		})
	}
}

// TestWrite: the headers, the 5xx log line (with the request id and the
// error, never in the body) and the renderer's arguments.
func TestWrite(t *testing.T) {
	t.Parallel()
	var got struct {
		status     int
		code, text string
	}
	s := &Surface{
		Render: func(w http.ResponseWriter, status int, code, text string) {
			got.status, got.code, got.text = status, code, text
			w.WriteHeader(status)
		},
		Challenge: "Basic",
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	r := httptest.NewRequest(http.MethodGet, "/", nil)

	w := httptest.NewRecorder()
	w.Header().Set("X-Request-Id", "req-1")
	s.Write(w, r, log, fmt.Errorf("query: %w", errors.New("sql: secret detail")))
	if got.status != 500 || got.text != "Internal error." {
		t.Errorf("internal: %+v", got)
	}
	if line := logs.String(); !strings.Contains(line, `"requestId":"req-1"`) || !strings.Contains(line, "secret detail") ||
		strings.Count(line, "\n") != 1 {
		t.Errorf("log = %q, want one line with the request id and the detail", line)
	}

	for _, tt := range []struct {
		err    error
		header string
		want   string
	}{
		{gatehouse.CodeErr(gatehouse.EUNAUTHORIZED), "WWW-Authenticate", "Basic"},
		{gatehouse.CodeErr(gatehouse.ERATELIMIT).WithRetryAfter(1500 * time.Millisecond), "Retry-After", "2"},
		{gatehouse.CodeErr(gatehouse.EUNAVAILABLE), "Retry-After", "1"},
	} {
		logs.Reset()
		w := httptest.NewRecorder()
		s.Write(w, r, log, tt.err)
		if h := w.Header().Get(tt.header); h != tt.want {
			t.Errorf("%v: %s = %q, want %q", tt.err, tt.header, h, tt.want)
		}
		if (got.status >= 500) != (logs.Len() > 0) {
			t.Errorf("%v: status %d, log %q: want a log line exactly for a 5xx", tt.err, got.status, logs.String())
		}
	}

	w = httptest.NewRecorder()
	s.MethodCode = "mna"
	s.MethodNotAllowed("GET, POST").ServeHTTP(w, r)
	if got.status != 405 || got.code != "mna" || got.text != "Method not allowed; use GET, POST." || w.Header().Get("Allow") != "GET, POST" {
		t.Errorf("405: %+v, Allow %q", got, w.Header().Get("Allow"))
	}
}

// TestHandler: an answer is encoded with its status; an error is written
// by the table, never encoded.
func TestHandler(t *testing.T) {
	t.Parallel()
	var rendered, encoded int
	s := &Surface{Render: func(w http.ResponseWriter, status int, _, _ string) { rendered = status; w.WriteHeader(status) }}
	encode := func(w http.ResponseWriter, status int, v any) { encoded = status; w.WriteHeader(status) }
	log := slog.New(slog.DiscardHandler)
	r := httptest.NewRequest(http.MethodGet, "/", nil)

	s.Handler(log, encode, func(http.ResponseWriter, *http.Request) (int, any, error) { return http.StatusCreated, "x", nil }).
		ServeHTTP(httptest.NewRecorder(), r)
	if encoded != http.StatusCreated || rendered != 0 {
		t.Errorf("answer: encoded %d, rendered %d", encoded, rendered)
	}
	encoded = 0
	s.Handler(log, encode, func(http.ResponseWriter, *http.Request) (int, any, error) {
		return http.StatusOK, "ignored", gatehouse.CodeErr(gatehouse.ECONFLICT)
	}).ServeHTTP(httptest.NewRecorder(), r)
	if encoded != 0 || rendered != http.StatusConflict {
		t.Errorf("error: encoded %d, rendered %d", encoded, rendered)
	}
}

// TestWriteClientGone: a request the client abandoned is logged as such at
// Info, not as a failure of ours at Error; the answer is unchanged.
func TestWriteClientGone(t *testing.T) {
	t.Parallel()
	s := &Surface{Render: func(w http.ResponseWriter, status int, _, _ string) { w.WriteHeader(status) }}
	for _, gone := range []bool{false, true} {
		var logs bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&logs, nil))
		ctx, cancel := context.WithCancel(t.Context())
		if gone {
			cancel()
		}
		r := httptest.NewRequest(http.MethodGet, "/x", nil).WithContext(ctx)
		w := httptest.NewRecorder()
		s.Write(w, r, log, fmt.Errorf("store: %w", context.Canceled))
		cancel()
		if w.Code != http.StatusInternalServerError {
			t.Errorf("gone=%v: status %d, want 500", gone, w.Code)
		}
		wantLevel, wantMsg := `"level":"ERROR"`, "request failed"
		if gone {
			wantLevel, wantMsg = `"level":"INFO"`, "request abandoned by the client"
		}
		if got := logs.String(); !strings.Contains(got, wantLevel) || !strings.Contains(got, wantMsg) {
			t.Errorf("gone=%v: log %q, want %s %q", gone, got, wantLevel, wantMsg)
		}
	}
}
