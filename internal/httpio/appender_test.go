package httpio

import (
	"bytes"
	"net/http/httptest"
	"testing"
)

// stdJSON is encoding/json's own encoding of v, as JSON writes it without
// an Appender (Marshal never uses one).
func stdJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAppendString: every string AppendString writes is written as
// encoding/json writes it, and it writes every string of printable ASCII
// but '"' and '\\'; it refuses each other byte, and every non-ASCII rune.
func TestAppendString(t *testing.T) {
	t.Parallel()
	var ss []string
	for b := range 256 {
		ss = append(ss, string([]byte{byte(b)}), "ab"+string([]byte{byte(b)})+"cd")
	}
	ss = append(ss, "", "Mozilla/5.0 (X11; Linux x86_64) <b>&amp;</b>", "é", "\u2028", "日本", "\xff\xfe")
	for _, s := range ss {
		got, ok := AppendString([]byte("x"), s)
		plain := true
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				plain = false
			}
		}
		if ok != plain {
			t.Errorf("AppendString(%q) ok = %v, want %v", s, ok, plain)
		}
		if want := append([]byte("x"), stdJSON(t, s)...); ok && !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %q, want %q", s, got, want)
		}
	}
}

// appender writes body itself when ok, else refuses.
type appender struct {
	Body string `json:"body"`
	ok   bool
}

func (a appender) AppendJSON(dst []byte) ([]byte, bool) {
	if !a.ok {
		return append(dst, "garbage"...), false
	}
	return append(dst, a.Body...), true
}

// TestJSONAppender: JSON writes what an Appender appends, and encoding/json's
// bytes when it refuses (whatever it appended first).
func TestJSONAppender(t *testing.T) {
	t.Parallel()
	for _, a := range []appender{{Body: `{"own":1}`, ok: true}, {Body: "encoded", ok: false}} {
		w := httptest.NewRecorder()
		JSON(w, 201, a)
		want := a.Body
		if !a.ok {
			want = `{"body":"encoded"}`
		}
		if w.Code != 201 || w.Body.String() != want || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("JSON(%+v): %d %q %q, want 201 %q", a, w.Code, w.Body, w.Header().Get("Content-Type"), want)
		}
	}
}
