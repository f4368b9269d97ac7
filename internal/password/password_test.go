package password

import (
	"strings"
	"testing"
)

func TestHasher(t *testing.T) {
	h := Hasher{Params: Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	phc, err := h.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("phc = %q", phc)
	}
	if ok, rehash, err := h.Verify("correct horse", phc); !ok || rehash || err != nil {
		t.Fatalf("Verify(right) = %v %v %v", ok, rehash, err)
	}
	if ok, _, _ := h.Verify("correct horsE", phc); ok {
		t.Fatal("wrong password verified")
	}
	stronger := Hasher{Params: DefaultParams}
	if ok, rehash, _ := stronger.Verify("correct horse", phc); !ok || !rehash {
		t.Fatalf("stronger params: ok=%v rehash=%v, want true true", ok, rehash)
	}
	for _, bad := range []string{"", "$2a$10$abc", "$argon2id$v=19$m=x$a$b", "$argon2id$v=19$m=64,t=1,p=1$!!$!!"} {
		if _, _, err := h.Verify("x", bad); err == nil {
			t.Errorf("Verify(%q) accepted an unknown format", bad)
		}
	}
}
