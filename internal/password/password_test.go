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
