package asksage

import (
	"net/http"
	"strings"
	"testing"
)

func TestCredential(t *testing.T) {
	key := "stai-KxHZNuyhUVhapikeyAz1EdqAexampleqe7k8E_"
	cases := []struct {
		name   string
		header http.Header
		want   string
		ok     bool
	}{
		{"x-access-tokens", http.Header{"X-Access-Tokens": {key}}, key, true},
		{"x-api-key alias", http.Header{"X-Api-Key": {key}}, key, true},
		{"both agree", http.Header{"X-Access-Tokens": {key}, "X-Api-Key": {key}}, key, true},
		{"surrounding space", http.Header{"X-Access-Tokens": {"  " + key + " "}}, key, true},
		{"none", http.Header{}, "", false},
		{"empty", http.Header{"X-Access-Tokens": {""}}, "", false},
		{"blank", http.Header{"X-Access-Tokens": {"   "}}, "", false},
		{"repeated", http.Header{"X-Access-Tokens": {key, key}}, "", false},
		{"both disagree", http.Header{"X-Access-Tokens": {key}, "X-Api-Key": {key + "x"}}, "", false},
		{"oversized", http.Header{"X-Access-Tokens": {strings.Repeat("a", maxCredentialLen+1)}}, "", false},
		{"bearer is not this dialect", http.Header{"Authorization": {"Bearer " + key}}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := credential(c.header)
			if got != c.want || ok != c.ok {
				t.Errorf("credential() = %q, %v; want %q, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

// FuzzCredential: any header values parse without panicking, and an
// accepted credential is non-empty, bounded and trimmed.
func FuzzCredential(f *testing.F) {
	f.Add("stai-KxHZNuyhUVhapikeyAz1EdqAexampleqe7k8E_", "", false)
	f.Add("a", "b", true)
	f.Add("", " ", false)
	f.Fuzz(func(t *testing.T, a, b string, twice bool) {
		h := http.Header{}
		if a != "" {
			h.Add("X-Access-Tokens", a)
			if twice {
				h.Add("X-Access-Tokens", a)
			}
		}
		if b != "" {
			h.Add("X-Api-Key", b)
		}
		got, ok := credential(h)
		if !ok {
			if got != "" {
				t.Fatalf("refused but returned %q", got)
			}
			return
		}
		if got == "" || len(got) > maxCredentialLen || strings.TrimSpace(got) != got {
			t.Fatalf("accepted %q", got)
		}
		if twice && a != "" {
			t.Fatal("accepted a repeated header")
		}
	})
}

func TestFlexInt(t *testing.T) {
	good := map[string]int64{`5`: 5, `"5"`: 5, `5.0`: 5, `-3`: -3, `0`: 0}
	for in, want := range good {
		var f flexInt
		if err := f.UnmarshalJSON([]byte(in)); err != nil || !f.Set || f.Value != want {
			t.Errorf("flexInt(%s) = %+v, %v; want %d", in, f, err, want)
		}
	}
	for _, in := range []string{`5.5`, `true`, `"five"`, `{}`, `[]`, `""`, `1e400`} {
		var f flexInt
		if err := f.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("flexInt(%s) accepted: %+v", in, f)
		}
	}
	var f flexInt
	if err := f.UnmarshalJSON([]byte(`null`)); err != nil || f.Set {
		t.Errorf("flexInt(null) = %+v, %v; want unset", f, err)
	}
}
