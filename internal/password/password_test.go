package password

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

// TestHasher: Hash writes the PHC string of its parameters, a fresh salt
// each time, and the argon2id key of the password under that salt.
func TestHasher(t *testing.T) {
	t.Parallel()
	h := Hasher{Params: Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	key := func(phc string) (salt, key []byte) {
		t.Helper()
		rest, ok := strings.CutPrefix(phc, "$argon2id$v=19$m=64,t=1,p=1$")
		parts := strings.Split(rest, "$")
		if !ok || len(parts) != 2 {
			t.Fatalf("phc = %q", phc)
		}
		salt, err1 := base64.RawStdEncoding.DecodeString(parts[0])
		key, err2 := base64.RawStdEncoding.DecodeString(parts[1])
		if err1 != nil || err2 != nil || len(salt) != 16 || len(key) != 32 {
			t.Fatalf("phc = %q: salt %d bytes (%v), key %d bytes (%v)", phc, len(salt), err1, len(key), err2)
		}
		return salt, key
	}
	phc1, err := h.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	phc2, _ := h.Hash("correct horse")
	salt1, key1 := key(phc1)
	salt2, key2 := key(phc2)
	if bytes.Equal(salt1, salt2) || bytes.Equal(key1, key2) {
		t.Fatalf("two hashes of one password share a salt or a key: %q %q", phc1, phc2)
	}
	if want := argon2.IDKey([]byte("correct horse"), salt1, 1, 64, 1, 32); !bytes.Equal(key1, want) {
		t.Fatal("the key is not argon2id of the password under the salt")
	}
	if other := argon2.IDKey([]byte("correct horsE"), salt1, 1, 64, 1, 32); bytes.Equal(key1, other) {
		t.Fatal("another password gives the same key")
	}
}

// TestCheck: the right password matches, any other does not, hashes made
// under other parameters still verify, and a hash that does not parse (or
// asks for an absurd cost) is ErrMalformed.
func TestCheck(t *testing.T) {
	t.Parallel()
	small := Hasher{Params: Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	other := Hasher{Params: Params{Memory: 128, Time: 2, Threads: 2, SaltLen: 8, KeyLen: 16}}
	for _, h := range []Hasher{small, other} {
		phc, err := h.Hash("correct horse")
		if err != nil {
			t.Fatal(err)
		}
		for pw, want := range map[string]bool{"correct horse": true, "correct hors": false, "correct horse ": false, "": false} {
			got, err := Check(pw, phc)
			if err != nil || got != want {
				t.Errorf("Check(%q, %q) = %v, %v; want %v", pw, phc, got, err, want)
			}
		}
	}
	good, _ := small.Hash("pw")
	p := strings.Split(good, "$")
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$" + p[4] + "$" + p[5],
		"$argon2id$v=18$m=64,t=1,p=1$" + p[4] + "$" + p[5],
		"$argon2id$v=19$m=64,t=1,p=1x$" + p[4] + "$" + p[5],
		"$argon2id$v=19$m=4194304,t=1,p=1$" + p[4] + "$" + p[5],
		"$argon2id$v=19$m=64,t=1000,p=1$" + p[4] + "$" + p[5],
		"$argon2id$v=19$m=64,t=1,p=0$" + p[4] + "$" + p[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!$" + p[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + p[4] + "$",
		good + "$",
	} {
		if ok, err := Check("pw", bad); ok || err != ErrMalformed {
			t.Errorf("Check(%q) = %v, %v; want false, ErrMalformed", bad, ok, err)
		}
	}
}

// TestNeedsRehash: a hash made under the current parameters or stronger
// ones stays; a weaker or unreadable one is rehashed.
func TestNeedsRehash(t *testing.T) {
	t.Parallel()
	cur := Params{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	for _, c := range []struct {
		p    Params
		want bool
	}{
		{cur, false},
		{Params{Memory: 256, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}, false},
		{Params{Memory: 64, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{Params{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{Params{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 16}, true},
	} {
		phc, _ := Hasher{Params: c.p}.Hash("pw")
		if got := NeedsRehash(phc, cur); got != c.want {
			t.Errorf("NeedsRehash(%s) = %v, want %v", phc, got, c.want)
		}
	}
	if !NeedsRehash("garbage", cur) {
		t.Error("NeedsRehash(garbage) = false")
	}
}
