package httpio

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
)

type sample struct {
	Name  string `json:"name"`
	Limit int    `json:"limit"`
}

func TestUnmarshal(t *testing.T) {
	cases := []struct {
		in   string
		code string // "" = accepted
	}{
		{``, ""},
		{"  \n ", ""},
		{`{}`, ""},
		{`{"name":"a","unknown":[1,{"x":2}]}`, ""},
		{`{"name":"a","nested":{"name":"b"}}`, ""}, // same key in another object is fine
		{`{"a":[{"k":1},{"k":2}]}`, ""},
		{`{"name":"a","name":"b"}`, gatehouse.EINVALID},
		{`{"o":{"k":1,"k":2}}`, gatehouse.EINVALID},
		{`{"name":5}`, gatehouse.EINVALID},
		{`{"name":"a\u0000b"}`, gatehouse.EINVALID},
		{`{"a\u0000":1}`, gatehouse.EINVALID},
		{`{"limit":"x"}`, gatehouse.EINVALID},
		{`{}{}`, gatehouse.EINVALID},
		{`{} x`, gatehouse.EINVALID},
		{`[]`, gatehouse.EINVALID},
		{`"str"`, gatehouse.EINVALID},
		{`null`, gatehouse.EINVALID},
		{`{"name":`, gatehouse.EINVALID},
		{"{\"name\":\"\xff\"}", gatehouse.EINVALID},
		{strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100), gatehouse.EINVALID},
	}
	for _, c := range cases {
		var v sample
		err := Unmarshal([]byte(c.in), &v)
		if got := gatehouse.ErrorCode(err); got != c.code {
			t.Errorf("Unmarshal(%.60q) code = %q (%v), want %q", c.in, got, err, c.code)
		}
	}
}

func TestDecodeJSONLimit(t *testing.T) {
	body := `{"name":"` + strings.Repeat("a", 200) + `"}`
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	var v sample
	if err := DecodeJSON(httptest.NewRecorder(), r, 100, &v); gatehouse.ErrorCode(err) != gatehouse.ETOOLARGE {
		t.Fatalf("over the limit: %v, want ETOOLARGE", err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(body))
	if err := DecodeJSON(httptest.NewRecorder(), r, 1000, &v); err != nil || len(v.Name) != 200 {
		t.Fatalf("under the limit: %v", err)
	}
}

// FuzzUnmarshal: no input panics, every refusal is EINVALID, and whatever
// is accepted is empty or a valid JSON object.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{`{}`, `{"name":"a","limit":5}`, `{"a":{"b":[1,2,{"c":null}]}}`, `{"a":1,"a":2}`, `[`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v sample
		err := Unmarshal(data, &v)
		if err != nil {
			if gatehouse.ErrorCode(err) != gatehouse.EINVALID {
				t.Fatalf("refusal with code %q: %v", gatehouse.ErrorCode(err), err)
			}
			return
		}
		if trimmed := strings.Trim(string(data), " \t\r\n"); trimmed != "" {
			var m map[string]any
			if json.Unmarshal(data, &m) != nil {
				t.Fatalf("accepted invalid JSON object %q", data)
			}
		}
	})
}

func TestUnmarshalDeepNesting(t *testing.T) {
	for _, body := range []string{
		strings.Repeat(`{"a":`, 100000) + `1` + strings.Repeat(`}`, 100000),
		`{"a":` + strings.Repeat(`[`, 100000) + strings.Repeat(`]`, 100000) + `}`,
		`{"a":` + strings.Repeat(`[`, 63) + strings.Repeat(`]`, 63) + `}`,
	} {
		var v sample
		err := Unmarshal([]byte(body), &v)
		deep := len(body) > 1000
		if deep != (gatehouse.ErrorCode(err) == gatehouse.EINVALID) {
			t.Errorf("nesting of %d bytes: %v", len(body), err)
		}
	}
}

// TestMarshalIsJSONsBody: Marshal gives the very bytes JSON writes (no
// trailing newline, "&" and "<" as they are), so an answer encoded once
// is byte for byte the one encoded per request.
func TestMarshalIsJSONsBody(t *testing.T) {
	for _, v := range []any{
		map[string]string{"error": "unauthorized"},
		struct {
			Link string `json:"link"`
			N    int    `json:"n"`
		}{"https://x.example/?a=1&b=<2>", 3},
	} {
		rec := httptest.NewRecorder()
		JSON(rec, 200, v)
		got, err := Marshal(v)
		if err != nil || string(got) != rec.Body.String() {
			t.Errorf("Marshal(%v) = %q, %v; JSON wrote %q", v, got, err, rec.Body.String())
		}
	}
}

// refusesEmpty decodes itself and refuses an object without "id", as a wire
// type with a required field does.
type refusesEmpty struct{ ID string }

func (r *refusesEmpty) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if m["id"] == "" {
		return &FieldError{Reason: gatehouse.ReasonFieldType}
	}
	r.ID = m["id"]
	return nil
}

// TestUnmarshalEmptyObject: {} (the body of every Ask Sage read) decodes as
// json.Unmarshal would decode it, whatever the target: a plain struct is
// left as it was, a map is made, a type that decodes itself is asked (and
// may refuse), a nil pointer is an error.
func TestUnmarshalEmptyObject(t *testing.T) {
	for _, in := range []string{`{}`, " {}\n", "\t{}\r\n"} {
		v := sample{Name: "kept", Limit: 7}
		if err := Unmarshal([]byte(in), &v); err != nil || v != (sample{Name: "kept", Limit: 7}) {
			t.Errorf("struct: %q: %v, %+v", in, err, v)
		}
		var m map[string]any
		if err := Unmarshal([]byte(in), &m); err != nil || m == nil || len(m) != 0 {
			t.Errorf("map: %q: %v, %#v", in, err, m)
		}
		var r refusesEmpty
		if err := Unmarshal([]byte(in), &r); gatehouse.ErrorCode(err) != gatehouse.EINVALID {
			t.Errorf("UnmarshalJSON not asked for %q: %v", in, err)
		}
		if err := Unmarshal([]byte(in), (*sample)(nil)); err == nil {
			t.Errorf("nil *sample: %q accepted", in)
		}
	}
	// A struct holding a self-decoding field is still a plain struct: an
	// absent field's UnmarshalJSON is never called.
	var w struct{ Inner refusesEmpty }
	if err := Unmarshal([]byte(`{}`), &w); err != nil {
		t.Errorf("struct with a self-decoding field: %v", err)
	}
}
