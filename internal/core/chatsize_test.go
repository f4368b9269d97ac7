package core

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestJSONSize: jsonSize is the length encoding/json gives a string (with
// HTML escaping off, as answers are written), for any text, and clipText
// keeps the longest prefix within a size, cut between characters.
func TestJSONSize(t *testing.T) {
	t.Parallel()
	pieces := []string{"a", `"`, `\`, "<", ">", "&", "\x00", "\x01", "\b", "\f", "\n", "\r", "\t", "\x1f", "\x7f",
		"\u2028", "\u2029", "é", "‹", "🙂", "\xff", "\xe2\x80", "\ufffd", "\u0080"}
	encoded := func(s string) int64 {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		return int64(b.Len() - 3)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		var sb strings.Builder
		for range r.IntN(30) {
			sb.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := sb.String()
		if got, want := jsonSize(s), encoded(s); got != want {
			t.Fatalf("jsonSize(%q) = %d, encoding/json writes %d", s, got, want)
		}
		n := r.Int64N(jsonSize(s) + 2)
		c := clipText(s, n)
		if !strings.HasPrefix(s, c) || jsonSize(c) > n {
			t.Fatalf("case %d: clipText(%q, %d) = %q (size %d)", i, s, n, c, jsonSize(c))
		}
		if rest := s[len(c):]; rest != "" {
			_, w := utf8.DecodeRuneInString(rest)
			if jsonSize(s[:len(c)+w]) <= n {
				t.Fatalf("case %d: clipText(%q, %d) = %q stops short", i, s, n, c)
			}
		}
	}
}
