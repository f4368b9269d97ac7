package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/api/asksage"
	"github.com/gatehouse/gatehouse/internal/api/gate"
	"github.com/gatehouse/gatehouse/internal/api/sumtyme"
	"github.com/gatehouse/gatehouse/internal/api/sunshine"
	"github.com/gatehouse/gatehouse/internal/apierror"
)

// surfaceCase is one error table with a parser for its envelope, which
// returns the words (and the wire code, where the envelope has one).
type surfaceCase struct {
	name   string
	errs   *apierror.Surface
	prefix string // a path the surface serves
	parse  func(body []byte, status int) (text, code string, err error)
}

var surfaceCases = []surfaceCase{
	{"asksage", asksage.Errors, "/user/x", func(b []byte, status int) (string, string, error) {
		var v struct {
			Response *string `json:"response"`
			Status   int     `json:"status"`
		}
		if err := strictJSON(b, &v); err != nil || v.Response == nil || v.Status != status {
			return "", "", fmt.Errorf("not {response, status: %d}: %v", status, err)
		}
		return *v.Response, "", nil
	}},
	{"sunshine", sunshine.Errors, "/v2/apps", func(b []byte, _ int) (string, string, error) {
		var v struct {
			Errors []struct {
				Code  string `json:"code"`
				Title string `json:"title"`
			} `json:"errors"`
		}
		if err := strictJSON(b, &v); err != nil || len(v.Errors) != 1 || v.Errors[0].Code == "" {
			return "", "", fmt.Errorf("not {errors: [{code, title}]}: %v", err)
		}
		return v.Errors[0].Title, v.Errors[0].Code, nil
	}},
	{"sumtyme", sumtyme.Errors, "/signup", func(b []byte, _ int) (string, string, error) {
		var v struct {
			Detail *string `json:"detail"`
		}
		if err := strictJSON(b, &v); err != nil || v.Detail == nil {
			return "", "", fmt.Errorf("not {detail}: %v", err)
		}
		return *v.Detail, "", nil
	}},
	{"gate", gate.Errors, "/auth/verify", func(b []byte, _ int) (string, string, error) {
		// A code and no words: the code is what the envelope says.
		var v struct {
			Error *string `json:"error"`
		}
		if err := strictJSON(b, &v); err != nil || v.Error == nil || *v.Error == "" {
			return "", "", fmt.Errorf("not {error: <code>}: %v", err)
		}
		return *v.Error, *v.Error, nil
	}},
	{"root", rootErrors, "/", func(b []byte, _ int) (string, string, error) {
		var v struct {
			Error *string `json:"error"`
		}
		if err := strictJSON(b, &v); err != nil || v.Error == nil {
			return "", "", fmt.Errorf("not {error}: %v", err)
		}
		return *v.Error, "", nil
	}},
}

func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// TestEveryErrorOnEverySurface drives every code's generic case and every
// reason (with a name, a limit and a wait to fill in) through every
// surface's table: none answers 500 unless it is internal, each has words
// with every template filled, the envelope parses, the headers a status
// calls for are set, and a Sunshine 401 always says the one thing it says.
func TestEveryErrorOnEverySurface(t *testing.T) {
	t.Parallel()
	var errs []*gatehouse.Error
	for _, c := range gatehouse.Codes() {
		errs = append(errs, gatehouse.CodeErr(c))
	}
	for _, r := range gatehouse.Reasons() {
		errs = append(errs, gatehouse.Err(r).WithName("a@b.co").WithLimit(100).WithRetryAfter(2*time.Second))
	}
	log := slog.New(slog.DiscardHandler)
	for _, sc := range surfaceCases {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			for _, e := range errs {
				w := httptest.NewRecorder()
				sc.errs.Write(w, httptest.NewRequest(http.MethodPost, sc.prefix, nil), log, e)
				what := e.Code + "/" + e.Reason.Name
				if w.Code == http.StatusInternalServerError && e.Code != gatehouse.EINTERNAL || w.Code < 400 || w.Code > 599 {
					t.Errorf("%s: status %d", what, w.Code)
				}
				text, code, err := sc.parse(w.Body.Bytes(), w.Code)
				if err != nil {
					t.Errorf("%s: body %s: %v", what, w.Body, err)
					continue
				}
				if strings.TrimSpace(text) == "" || strings.Contains(text, "{name}") || strings.Contains(text, "{limit}") || strings.Contains(text, "{retry}") {
					t.Errorf("%s: words %q: want text with every template filled", what, text)
				}
				if ct := w.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("%s: Content-Type %q", what, ct)
				}
				switch w.Code {
				case http.StatusTooManyRequests, http.StatusServiceUnavailable:
					if w.Header().Get("Retry-After") == "" {
						t.Errorf("%s: %d without Retry-After", what, w.Code)
					}
				case http.StatusUnauthorized:
					if sc.errs == sunshine.Errors && (text != "Authorization is required" || code != "unauthorized") {
						t.Errorf("%s: Sunshine 401 %q %q, want the one answer to every bad credential", what, code, text)
					}
					if sc.errs == gate.Errors && (code != "unauthorized" || w.Header().Get("WWW-Authenticate") != `Bearer realm="gatehouse"`) {
						t.Errorf("%s: gate 401 %q, challenge %q: want the one answer to every bad credential", what, code, w.Header().Get("WWW-Authenticate"))
					}
				}
			}
		})
	}
}

// TestPanicsInTheSurfaceEnvelope: a panic answers 500 in the envelope of
// the surface whose path it was (the root's for the rest), says nothing of
// the panic, and logs it once with its stack.
func TestPanicsInTheSurfaceEnvelope(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, want string }{
		{"/user/get-user-api-keys", `{"response":"Internal error.","status":500}`},
		{"/server/query", `{"response":"Internal error.","status":500}`},
		{"/v2/apps", `{"errors":[{"code":"internal_server_error","title":"Internal error."}]}`},
		{"/signup", `{"detail":"Internal error."}`},
		{"/", `{"error":"internal error"}`},
		{"/healthz", `{"error":"internal error"}`},
		{"/auth/verify", `{"error":"internal"}`},
		{"/auth/verify/upstream/path", `{"error":"internal"}`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			// The server's own middleware around recoverPanics alone (the
			// request id the panic's line names), its access log discarded.
			h := &Server{next: recoverPanics(log, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				panic("boom in the handler")
			})), alog: newAccessLog(slog.New(slog.DiscardHandler), AccessLogOutput{}, 0, dropWarnInterval)}
			t.Cleanup(func() { h.Close(context.Background()) })
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, tt.path, nil))
			if w.Code != http.StatusInternalServerError || w.Body.String() != tt.want {
				t.Errorf("answer %d %s, want 500 %s", w.Code, w.Body, tt.want)
			}
			line := logs.String()
			if strings.Count(line, "\n") != 1 || !strings.Contains(line, "boom in the handler") || !strings.Contains(line, "goroutine") ||
				!strings.Contains(line, `"requestId":"`+w.Header().Get("X-Request-Id")+`"`) {
				t.Errorf("log %q: want one line with the panic, its stack and the request id", line)
			}
		})
	}

	t.Run("abort", func(t *testing.T) {
		t.Parallel()
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler passed on", v)
			}
		}()
		recoverPanics(slog.New(slog.DiscardHandler), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic(http.ErrAbortHandler)
		})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/user/x", nil))
	})
}
