// Package httpio holds the few HTTP helpers every surface shares: strict
// JSON (and form) decoding with a body limit, JSON encoding, and the
// Retry-After value of an error. It is a leaf: it imports only the domain
// root.
package httpio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
)

// DecodeJSON reads the request body, at most limit bytes, into v, which must
// be a pointer to a struct. An empty body (or one of only whitespace) reads
// as {}, whatever the Content-Type, since Ask Sage clients send POSTs with no
// body and no Content-Type. Unknown fields are ignored. It returns ETOOLARGE
// for a body over the limit and EINVALID for anything that is not exactly
// one JSON object of the right types: malformed JSON, trailing data, invalid
// UTF-8, duplicate keys, a wrong type.
func DecodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return gatehouse.Err(gatehouse.ReasonBodyTooLarge).WithLimit(limit)
		}
		return gatehouse.Err(gatehouse.ReasonBodyUnreadable)
	}
	return Unmarshal(data, v)
}

// Unmarshal is DecodeJSON's parsing step, exposed for fuzzing.
func Unmarshal(data []byte, v any) error {
	data = bytes.Trim(data, " \t\r\n") // JSON whitespace only
	if len(data) == 0 {
		return nil
	}
	if len(data) == 2 && data[0] == '{' && data[1] == '}' && isPlainStruct(v) {
		// The body of every read in the Ask Sage dialect: nothing to check
		// or set, and the shape check and the decoder would cost more than
		// the rest of the request around its query (BenchmarkLoginsRead).
		return nil
	}
	if !utf8.Valid(data) {
		return gatehouse.Err(gatehouse.ReasonBodyNotUTF8)
	}
	if err := checkShape(data); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field != "" {
			return gatehouse.Err(gatehouse.ReasonFieldType).WithName(te.Field)
		}
		if fe, ok := errors.AsType[*FieldError](err); ok {
			return gatehouse.Err(fe.Reason)
		}
		return gatehouse.Err(gatehouse.ReasonBodyNotJSON)
	}
	return nil
}

// isPlainStruct reports whether v is a pointer to a struct that does not
// decode itself: json.Unmarshal of {} into one sets nothing and calls
// nothing, so {} can skip it. The others decode: a map is made non-nil, a
// nil pointer is an error, and a type with its own UnmarshalJSON may refuse
// {} (a required field).
func isPlainStruct(v any) bool {
	if _, ok := v.(json.Unmarshaler); ok {
		return false
	}
	t := reflect.TypeOf(v)
	return t != nil && t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct && !reflect.ValueOf(v).IsNil()
}

// FieldError is returned by a wire type's UnmarshalJSON to say precisely
// what is wrong with a field; the request fails with its Reason.
type FieldError struct{ Reason gatehouse.Reason }

func (e *FieldError) Error() string { return "httpio: field error: " + e.Reason.Name }

// maxDepth bounds how deeply a request body may nest.
const maxDepth = 64

// errNUL refuses "\u0000" in a string: no text gatehouse stores may hold a
// NUL (PostgreSQL's text type cannot, and nothing legitimate needs one).
var errNUL = gatehouse.Err(gatehouse.ReasonBodyNUL)

// checkShape verifies that data is one JSON object, with nothing after it and
// no key repeated within an object (docs/security.md 21: a duplicate key is a
// classic way to smuggle a second value past a validator).
func checkShape(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	bad := gatehouse.Err(gatehouse.ReasonBodyNotJSON)
	tok, err := dec.Token()
	if err != nil {
		return bad
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return gatehouse.Err(gatehouse.ReasonBodyNotObject)
	}
	type frame struct {
		obj   bool
		keys  map[string]struct{}
		inKey bool // the next token in this object is a key
	}
	stack := []frame{{obj: true, keys: map[string]struct{}{}, inKey: true}}
	for len(stack) > 0 {
		tok, err := dec.Token()
		if err != nil {
			return bad
		}
		top := &stack[len(stack)-1]
		if top.obj && top.inKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 {
					stack[len(stack)-1].inKey = true
				}
				continue
			}
			k, ok := tok.(string)
			if !ok {
				return bad
			}
			if strings.IndexByte(k, 0) >= 0 {
				return errNUL
			}
			if _, dup := top.keys[k]; dup {
				return gatehouse.Err(gatehouse.ReasonDuplicateKey).WithName(truncate(k, 40))
			}
			top.keys[k] = struct{}{}
			top.inKey = false
			continue
		}
		if str, ok := tok.(string); ok && strings.IndexByte(str, 0) >= 0 {
			return errNUL
		}
		switch d, _ := tok.(json.Delim); d {
		case '{', '[':
			// Checked here, before anything is kept for the new level, so a
			// deeply nested body costs no more than a shallow one.
			if len(stack) >= maxDepth {
				return gatehouse.Err(gatehouse.ReasonBodyTooDeep)
			}
			if d == '{' {
				stack = append(stack, frame{obj: true, keys: map[string]struct{}{}, inKey: true})
			} else {
				stack = append(stack, frame{})
			}
			continue
		case ']':
			stack = stack[:len(stack)-1]
		}
		// A value (or a closed array) ends; in an object the next token is a key.
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].inKey = true
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return gatehouse.Err(gatehouse.ReasonBodyTrailingData)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// JSON writes v as the response body with the given status: the bytes
// encoding/json writes for it (HTML escaping off, no trailing newline),
// through v's own AppendJSON when v is an Appender that can write it.
func JSON(w http.ResponseWriter, status int, v any) {
	e := encoders.Get().(*encoder)
	defer func() {
		if e.buf.Cap() <= maxPooledJSON && cap(e.own) <= maxPooledJSON {
			encoders.Put(e)
		}
	}()
	if a, ok := v.(Appender); ok {
		if b, ok := a.AppendJSON(e.own[:0]); ok {
			e.own = b
			JSONBytes(w, status, b)
			return
		}
	}
	e.buf.Reset()
	err := e.enc.Encode(v)
	b := bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))
	if err != nil {
		// Only wire types are encoded here; failing is a programming error.
		b = []byte(fmt.Sprintf(`{"error":%q}`, "internal error"))
		status = http.StatusInternalServerError
	}
	JSONBytes(w, status, b) // no trailing newline: the dialects' own servers send none
}

// Appender is a wire type that writes its own JSON, for an answer served
// often (a login list, an app): encoding/json's reflection was a twentieth
// of such a request's CPU. AppendJSON appends to dst exactly the bytes
// encoding/json writes for the value (HTML escaping off) and reports true;
// or it reports false when it cannot (a string that needs escaping, a
// value of a kind it does not write), and JSON encodes the value with
// encoding/json instead. Each Appender's test holds it to encoding/json.
type Appender interface {
	AppendJSON(dst []byte) ([]byte, bool)
}

// AppendString appends s as encoding/json writes it when s is Plain (it
// writes such a string as it is, in quotes, HTML escaping off), and reports
// false for any other s.
func AppendString(dst []byte, s string) ([]byte, bool) {
	if !Plain(s) {
		return dst, false
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"'), true
}

// Plain reports whether every byte of s is printable ASCII other than '"'
// and '\\': what encoding/json and both log/slog handlers write as it is
// (the text handler in quotes when s is empty or holds a space or '=').
func Plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] {
			return false
		}
	}
	return true
}

// plainByte is Plain's test of one byte, looked up: one load a byte
// instead of four comparisons.
var plainByte = func() (t [256]bool) {
	for b := 0x20; b <= 0x7e; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// Marshal returns the bytes JSON writes for v, for an answer encoded once
// and written many times. It is encoding/json's encoding, never an
// Appender's: the Appenders' tests hold them to it.
func Marshal(v any) ([]byte, error) {
	e := encoders.New().(*encoder)
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")), nil
}

// encoder is a JSON encoder with its buffer, kept in encoders between
// answers (the buffer is written out before it is put back).
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
	own []byte // what an Appender wrote
}

// maxPooledJSON is the largest buffer kept for the next answer: a large
// listing's buffer is left to the garbage collector.
const maxPooledJSON = 64 << 10

var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false) // links carry "&"; this is JSON, not HTML
	return e
}}

// JSONBytes writes status and b, a JSON body already encoded, with the
// headers of a JSON answer.
func JSONBytes(w http.ResponseWriter, status int, b []byte) {
	StartJSON(w, status)
	w.Write(b)
}

// Empty writes an answer of status and no body, not to be stored by any
// cache (net/http adds Content-Length: 0).
func Empty(w http.ResponseWriter, status int) {
	w.Header()["Cache-Control"] = cacheNoStore
	w.WriteHeader(status)
}

// The values of StartJSON's headers, shared by every answer: net/http never
// writes into a header's value slice, and an Add would copy these
// (capacity 1) rather than change them.
var (
	contentTypeJSON = []string{"application/json"}
	cacheNoStore    = []string{"no-store"}
)

// StartJSON writes the status and headers of a JSON answer whose body the
// caller then writes itself (an answer streamed as it is read).
func StartJSON(w http.ResponseWriter, status int) {
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	h["Cache-Control"] = cacheNoStore
	w.WriteHeader(status)
}
