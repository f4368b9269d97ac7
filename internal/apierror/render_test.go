package apierror

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// renderRef is render as strings.Replacer would do it: the reference that
// render, which fills the template in one pass, must agree with.
func renderRef(t string, e *gatehouse.Error) string {
	secs := retrySeconds(e.RetryAfter)
	retry := strconv.FormatInt(secs, 10) + " seconds"
	if secs == 1 {
		retry = "1 second"
	}
	return strings.NewReplacer("{name}", strconv.Quote(e.Name), "{limit}", strconv.FormatInt(e.Limit, 10), "{retry}", retry).Replace(t)
}

// TestRenderLikeReplacer: the default words of every code and reason, and
// templates with stray, repeated and unclosed braces, render as the
// reference does (FuzzRender tries any other template, a dialect's words
// among them).
func TestRenderLikeReplacer(t *testing.T) {
	templates := []string{
		"", "plain", "{", "}", "{}", "{{name}}", "{name", "name}", "{nam}", "{name}{name}", "{limit}{retry}{name}",
		"Too many requests; retry in {retry}.", "more than {limit} keys", "{retry", "x{limit", "{ name}",
	}
	for _, v := range codeText {
		templates = append(templates, v)
	}
	for _, v := range reasonText {
		templates = append(templates, v)
	}
	errs := []*gatehouse.Error{
		{},
		{Name: `a "quoted"\name`, Limit: 100, RetryAfter: 1500 * time.Millisecond},
		{Name: "ünïcode\x00", Limit: -5, RetryAfter: time.Second},
	}
	for _, tmpl := range templates {
		for _, e := range errs {
			if got, want := render(tmpl, e), renderRef(tmpl, e); got != want {
				t.Errorf("render(%q, %+v) = %q, want %q", tmpl, e, got, want)
			}
		}
	}
}

func FuzzRender(f *testing.F) {
	f.Add("retry in {retry}, {limit} at most, {name}", "n", int64(3), int64(2500))
	f.Fuzz(func(t *testing.T, tmpl, name string, limit, retryMs int64) {
		e := &gatehouse.Error{Name: name, Limit: limit, RetryAfter: time.Duration(retryMs) * time.Millisecond}
		if got, want := render(tmpl, e), renderRef(tmpl, e); got != want {
			t.Errorf("render(%q, %+v) = %q, want %q", tmpl, e, got, want)
		}
	})
}

// BenchmarkRender: the text of a throttled request's 429, which a flood
// from one client gets on every request.
func BenchmarkRender(b *testing.B) {
	e := &gatehouse.Error{RetryAfter: 3 * time.Second}
	b.ReportAllocs()
	for b.Loop() {
		render("Too many requests; retry in {retry}.", e)
	}
}
