package httpio

import (
	"bytes"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
)

const (
	ctForm = "application/x-www-form-urlencoded"
	bnd    = "b0und4ry"
	ctMP   = "multipart/form-data; boundary=" + bnd
)

// mp builds a multipart body from raw parts: each is the part's header
// lines and content, joined by a blank line.
func mp(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--" + bnd + "\r\n" + p + "\r\n")
	}
	return b.String() + "--" + bnd + "--\r\n"
}

func field(name, value string) string {
	return fmt.Sprintf("Content-Disposition: form-data; name=%q\r\n\r\n%s", name, value)
}

func file(name, fileName, content string) string {
	return fmt.Sprintf("Content-Disposition: form-data; name=%q; filename=%q\r\nContent-Type: application/octet-stream\r\n\r\n%s", name, fileName, content)
}

// TestDecodeJSONOrForm: the body rule, the limits and the framing checks,
// each case read whole, one byte at a time and in halves (so a closing
// boundary split across reads is still found). Nothing may appear in
// $TMPDIR meanwhile.
func TestDecodeJSONOrForm(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	lim := BodyLimits{Body: 1000, Value: 50, File: 100, Parts: 4}
	truncated := mp(field("message", "hi"), file("file", "a.txt", "abc"))
	cases := []struct {
		name, ct, body string
		lim            *BodyLimits // lim when nil
		code           string      // "" = accepted
		json           *sample     // accepted as JSON, with this result
		form           url.Values  // accepted as a form, with these values
	}{
		{name: "JSON, JSON type", ct: "application/json", body: `{"name":"a","limit":2}`, json: &sample{"a", 2}},
		{name: "JSON, form type", ct: ctForm, body: `{"name":"a"}`, json: &sample{Name: "a"}},
		{name: "JSON, multipart type", ct: ctMP, body: ` {"name":"a"}`, json: &sample{Name: "a"}},
		{name: "JSON, no type", body: "\n{\"name\":\"a\"}", json: &sample{Name: "a"}},
		{name: "JSON after a long run of whitespace", ct: ctForm, body: strings.Repeat(" ", 9000) + `{"name":"a"}`, lim: &BodyLimits{Body: 10000, Value: 50, File: 50, Parts: 4}, json: &sample{Name: "a"}},
		{name: "JSON over the body limit", ct: ctForm, body: `{"name":"` + strings.Repeat("a", 1000) + `"}`, code: gatehouse.ETOOLARGE},
		{name: "JSON malformed, form type", ct: ctForm, body: `{"name":`, code: gatehouse.EINVALID},
		{name: "JSON array, form type", ct: ctForm, body: `["a"]`, form: url.Values{`["a"]`: {""}}},
		{name: "empty, no type", json: &sample{}},
		{name: "empty, form type", ct: ctForm, form: url.Values{}},
		{name: "text, text type", ct: "text/plain", body: "name=a", code: gatehouse.EINVALID},
		{name: "form", ct: ctForm + "; charset=utf-8", body: "name=a&limit=2&name=b", form: url.Values{"name": {"a", "b"}, "limit": {"2"}}},
		{name: "form, leading spaces kept", ct: ctForm, body: " name=a", form: url.Values{" name": {"a"}}},
		{name: "form at the part limit", ct: ctForm, body: "a=1&b=2&c=3&d=4", form: url.Values{"a": {"1"}, "b": {"2"}, "c": {"3"}, "d": {"4"}}},
		{name: "form over the part limit", ct: ctForm, body: "a=1&b=2&c=3&d=4&e=5", code: gatehouse.ETOOLARGE},
		{name: "form value at the limit", ct: ctForm, body: "a=" + strings.Repeat("x", 50), form: url.Values{"a": {strings.Repeat("x", 50)}}},
		{name: "form value over the limit", ct: ctForm, body: "a=" + strings.Repeat("x", 51), code: gatehouse.ETOOLARGE},
		{name: "form over the body limit", ct: ctForm, body: "a=" + strings.Repeat("x", 1000), code: gatehouse.ETOOLARGE},
		{name: "form bad escape", ct: ctForm, body: "a=%zz", code: gatehouse.EINVALID},
		{name: "form NUL", ct: ctForm, body: "a=x%00y", code: gatehouse.EINVALID},
		{name: "form invalid UTF-8", ct: ctForm, body: "a=%ff", code: gatehouse.EINVALID},
		{name: "form invalid UTF-8, raw", ct: ctForm, body: "a=\xff", code: gatehouse.EINVALID},
		{name: "multipart fields and a file", ct: ctMP, body: mp(field("message", "hi"), field("model", "m"), file("file", "a.txt", "file content")), form: url.Values{"message": {"hi"}, "model": {"m"}}},
		{name: "multipart repeated name", ct: ctMP, body: mp(field("a", "1"), field("a", "2")), form: url.Values{"a": {"1", "2"}}},
		{name: "multipart empty filename is a file", ct: ctMP, body: mp(field("a", "1"), file("b", "", "x")), form: url.Values{"a": {"1"}}},
		{name: "multipart part without a name", ct: ctMP, body: mp("Content-Type: text/plain\r\n\r\nstray", field("a", "1")), form: url.Values{"a": {"1"}}},
		{name: "multipart quoted-printable", ct: ctMP, body: mp("Content-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9"), form: url.Values{"a": {"café"}}},
		{name: "multipart no parts", ct: ctMP, body: "--" + bnd + "--\r\n", form: url.Values{}},
		{name: "multipart close without CRLF", ct: ctMP, body: strings.TrimSuffix(mp(field("a", "1")), "\r\n"), form: url.Values{"a": {"1"}}},
		{name: "multipart preamble and epilogue", ct: ctMP, body: "preamble\r\n" + mp(field("a", "1")) + "epilogue", form: url.Values{"a": {"1"}}},
		{name: "multipart LF line ends", ct: ctMP, body: "--" + bnd + "\nContent-Disposition: form-data; name=\"a\"\n\n1\n--" + bnd + "--\n", form: url.Values{"a": {"1"}}},
		{name: "multipart value at the limit", ct: ctMP, body: mp(field("a", strings.Repeat("v", 50))), form: url.Values{"a": {strings.Repeat("v", 50)}}},
		{name: "multipart value over the limit", ct: ctMP, body: mp(field("a", strings.Repeat("v", 51))), code: gatehouse.ETOOLARGE},
		{name: "multipart file at the limit", ct: ctMP, body: mp(file("f", "f.bin", strings.Repeat("f", 100))), form: url.Values{}},
		{name: "multipart file over the limit", ct: ctMP, body: mp(file("f", "f.bin", strings.Repeat("f", 101))), code: gatehouse.ETOOLARGE},
		{name: "multipart at the part limit", ct: ctMP, body: mp(field("a", "1"), field("b", "2"), field("c", "3"), file("f", "f", "4")), form: url.Values{"a": {"1"}, "b": {"2"}, "c": {"3"}}},
		{name: "multipart over the part limit", ct: ctMP, body: mp(field("a", "1"), field("b", "2"), field("c", "3"), field("d", "4"), field("e", "5")), code: gatehouse.ETOOLARGE},
		{name: "multipart over the body limit", ct: ctMP, body: mp(field("a", "1"), file("f", "f", strings.Repeat("f", 100)), file("g", "g", strings.Repeat("g", 100)), strings.Repeat("x", 1000)), code: gatehouse.ETOOLARGE},
		{name: "multipart NUL", ct: ctMP, body: mp(field("a", "x\x00y")), code: gatehouse.EINVALID},
		{name: "multipart invalid UTF-8", ct: ctMP, body: mp(field("a", "\xff")), code: gatehouse.EINVALID},
		{name: "multipart no boundary", ct: "multipart/form-data", body: mp(field("a", "1")), code: gatehouse.EINVALID},
		{name: "multipart other boundary", ct: "multipart/form-data; boundary=zzz", body: mp(field("a", "1")), code: gatehouse.EINVALID},
		{name: "multipart cut in a part header", ct: ctMP, body: truncated[:strings.Index(truncated, "filename")], code: gatehouse.EINVALID},
		{name: "multipart cut in a value", ct: ctMP, body: truncated[:strings.Index(truncated, "hi")+1], code: gatehouse.EINVALID},
		{name: "multipart cut in a file", ct: ctMP, body: truncated[:strings.Index(truncated, "abc")+2], code: gatehouse.EINVALID},
		{name: "multipart cut before the close", ct: ctMP, body: truncated[:strings.LastIndex(truncated, "--"+bnd)], code: gatehouse.EINVALID},
		{name: "multipart cut in the close", ct: ctMP, body: truncated[:len(truncated)-4], code: gatehouse.EINVALID},
		{name: "multipart garbage", ct: ctMP, body: "not a multipart body", code: gatehouse.EINVALID},
	}
	readers := map[string]func(io.Reader) io.Reader{
		"whole":  func(r io.Reader) io.Reader { return r },
		"bytes":  iotest.OneByteReader,
		"halves": iotest.HalfReader,
	}
	for _, c := range cases {
		for rname, wrap := range readers {
			t.Run(c.name+"/"+rname, func(t *testing.T) {
				l := lim
				if c.lim != nil {
					l = *c.lim
				}
				r := httptest.NewRequest("POST", "/", wrap(strings.NewReader(c.body)))
				if c.ct != "" {
					r.Header.Set("Content-Type", c.ct)
				}
				var v sample
				form, err := DecodeJSONOrForm(httptest.NewRecorder(), r, l, &v)
				if got := gatehouse.ErrorCode(err); got != c.code {
					t.Fatalf("code %q (%v), want %q", got, err, c.code)
				}
				if c.code != "" {
					return
				}
				switch {
				case c.json != nil && (form != nil || v != *c.json):
					t.Errorf("got form %v, JSON %+v; want JSON %+v", form, v, *c.json)
				case c.form != nil && (form == nil || !equalValues(form, c.form)):
					t.Errorf("got form %v (JSON %+v), want form %v", form, v, c.form)
				}
			})
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("$TMPDIR holds %v", left)
	}
}

func equalValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// FuzzDecodeJSONOrForm: no body panics; refusals are EINVALID or
// ETOOLARGE; accepted values keep the limits and are valid UTF-8 without NUL.
func FuzzDecodeJSONOrForm(f *testing.F) {
	for _, s := range []string{`{}`, "a=1&b=2", mp(field("a", "1"), file("f", "x", "y")), "--" + bnd + "--", `{"name":"x"}`} {
		for ct := range 3 {
			f.Add(uint8(ct), []byte(s))
		}
	}
	cts := []string{"", ctForm, ctMP}
	lim := BodyLimits{Body: 4096, Value: 64, File: 128, Parts: 8}
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", cts[int(ct)%len(cts)])
		var v sample
		form, err := DecodeJSONOrForm(httptest.NewRecorder(), r, lim, &v)
		if err != nil {
			if c := gatehouse.ErrorCode(err); c != gatehouse.EINVALID && c != gatehouse.ETOOLARGE {
				t.Fatalf("refusal with code %q: %v", c, err)
			}
			return
		}
		n := 0
		for _, vs := range form {
			for _, s := range vs {
				n++
				if int64(len(s)) > lim.Value || !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
					t.Fatalf("accepted value %q", s)
				}
			}
		}
		if n > lim.Parts {
			t.Fatalf("accepted %d values, limit %d", n, lim.Parts)
		}
	})
}
