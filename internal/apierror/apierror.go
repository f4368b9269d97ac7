// Package apierror is the one mechanism that turns a gatehouse error into
// an HTTP answer: a default code→status table, gatehouse's own words for
// every code and reason (words.go), and per-surface tables (Surface) that
// override a status, the words or a wire error code where a dialect's
// contract says otherwise, and render its envelope. Each dialect declares
// its Surface in its errors.go; Write is the only place an error status is
// decided and the only place a failed request's 5xx is logged (an Ask Sage
// answer cut short after its 200 is logged where it streams). It is a leaf: it imports only
// the domain root.
package apierror

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Words is a surface's override for a code or a reason. Zero fields keep
// what the default (or, for a reason, the code's override) says.
type Words struct {
	Status int    // the HTTP status
	Text   string // the words, a template (see render)
	Code   string // the wire error code, for envelopes that carry one
}

// Surface is one dialect's error table and envelope.
//
// The status of an error is its reason's override, else its code's
// override, else the default table. Its words are its reason's override,
// else gatehouse's words for the reason, else (the code's generic case)
// its code's override, else gatehouse's words for the code. Its wire code
// is its reason's override, else its code's.
type Surface struct {
	Codes   map[string]Words
	Reasons map[gatehouse.Reason]Words
	// Render writes the envelope.
	Render func(w http.ResponseWriter, status int, wireCode, text string)
	// Challenge, when set, is the WWW-Authenticate of a 401.
	Challenge string
	// MethodCode is the wire code of a 405.
	MethodCode string
}

// internal is what any error that is not a *gatehouse.Error (or has a code
// gatehouse does not know) answers.
var internal = gatehouse.Error{Code: gatehouse.EINTERNAL}

// resolve is err as an *Error the table knows.
func resolve(err error) *gatehouse.Error {
	if e, ok := errors.AsType[*gatehouse.Error](err); ok {
		if _, known := statusOf[e.Code]; known {
			return e
		}
	}
	return &internal
}

// answer is the status, wire code and words of e on s.
func (s *Surface) answer(e *gatehouse.Error) (int, string, string) {
	cw, rw := s.Codes[e.Code], Words{}
	if e.Reason != (gatehouse.Reason{}) {
		rw = s.Reasons[e.Reason]
	}
	status := first(rw.Status, cw.Status, statusOf[e.Code])
	code := first(rw.Code, cw.Code)
	text := rw.Text
	if text == "" && e.Reason != (gatehouse.Reason{}) {
		text = reasonText[e.Reason]
	}
	if text == "" {
		text = first(cw.Text, codeText[e.Code])
	}
	return status, code, render(text, e)
}

func first[T comparable](vs ...T) T {
	var zero T
	for _, v := range vs {
		if v != zero {
			return v
		}
	}
	return zero
}

// render fills a template: {name} is e.Name quoted as Go's %q quotes it,
// {limit} e.Limit in decimal, {retry} e.RetryAfter as the Retry-After
// header says it ("1 second", "5 seconds"). It fills it in one pass, as
// strings.Replacer would with those three pairs (TestRenderLikeReplacer,
// FuzzRender), without building a Replacer per answer: that was 8 % of
// gatehouse's CPU under a flood of throttled /auth/verify requests, whose
// 429 says when to retry (BenchmarkRender: 1,431 ns and 19 allocations →
// 78 ns and 2).
func render(t string, e *gatehouse.Error) string {
	i := strings.IndexByte(t, '{')
	if i < 0 {
		return t
	}
	b := make([]byte, 0, len(t)+16)
	for ; i >= 0; i = strings.IndexByte(t, '{') {
		b = append(b, t[:i]...)
		t = t[i:]
		switch {
		case strings.HasPrefix(t, "{name}"):
			b = strconv.AppendQuote(b, e.Name)
			t = t[len("{name}"):]
		case strings.HasPrefix(t, "{limit}"):
			b = strconv.AppendInt(b, e.Limit, 10)
			t = t[len("{limit}"):]
		case strings.HasPrefix(t, "{retry}"):
			secs := retrySeconds(e.RetryAfter)
			b = strconv.AppendInt(b, secs, 10)
			if secs == 1 {
				b = append(b, " second"...)
			} else {
				b = append(b, " seconds"...)
			}
			t = t[len("{retry}"):]
		default:
			b = append(b, '{')
			t = t[1:]
		}
	}
	return string(append(b, t...))
}

// retrySeconds is d in whole seconds, rounded up, and at least 1.
func retrySeconds(d time.Duration) int64 {
	return max(int64((d+time.Second-1)/time.Second), 1)
}

// Write answers err on w in s's envelope. A 5xx is logged here, once, with
// the request id (the X-Request-Id the server set on w) and err itself; the
// client gets only the words. Anything that is not a *gatehouse.Error is
// internal.
func (s *Surface) Write(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := resolve(err)
	status, code, text := s.answer(e)
	if status >= 500 {
		level, msg := slog.LevelError, "request failed"
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			// The client went away mid-request: not a fault of ours.
			level, msg = slog.LevelInfo, "request abandoned by the client"
		}
		log.LogAttrs(r.Context(), level, msg,
			slog.String("requestId", w.Header().Get("X-Request-Id")), slog.String("code", e.Code),
			slog.String("reason", e.Reason.Name), slog.Any("err", err))
	}
	switch status {
	case http.StatusUnauthorized:
		if s.Challenge != "" {
			// What Set would store, without canonicalising the name on
			// every refusal ("WWW" is not canonical, so Set allocated a
			// new key each time: 3 % of the gate's CPU under a flood of
			// unknown keys).
			w.Header()["Www-Authenticate"] = []string{s.Challenge}
		}
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", strconv.FormatInt(retrySeconds(e.RetryAfter), 10))
	}
	s.Render(w, status, code, text)
}

// Handler makes a handler of s's surface: fn decodes the request, calls
// core and returns the status and the answer, which encode writes, or an
// error, which Write answers. A handler so made never writes an error
// itself.
func (s *Surface) Handler(log *slog.Logger, encode func(w http.ResponseWriter, status int, v any), fn func(w http.ResponseWriter, r *http.Request) (int, any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, v, err := fn(w, r)
		if err != nil {
			s.Write(w, r, log, err)
			return
		}
		encode(w, status, v)
	})
}

// NotFound answers every request with s's 404.
func (s *Surface) NotFound(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Write(w, r, log, gatehouse.CodeErr(gatehouse.ENOTFOUND))
	})
}

// MethodNotAllowed answers a known path called with a method it does not
// serve: 405, naming the methods allow lists.
func (s *Surface) MethodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		s.Render(w, http.StatusMethodNotAllowed, s.MethodCode, "Method not allowed; use "+allow+".")
	})
}

// Text is gatehouse's own words for err, as the command line shows them.
func Text(err error) string {
	if err == nil {
		return ""
	}
	_, _, text := (&Surface{}).answer(resolve(err))
	return text
}

// Describe is the HTTP status and gatehouse's own words for err, for a
// surface that renders errors itself (the console's pages).
func Describe(err error) (int, string) {
	status, _, text := (&Surface{}).answer(resolve(err))
	return status, text
}
