package seal

import (
	"bytes"
	"errors"
	"testing"
)

// TestBox: what Seal makes opens for the same id under the same key, and
// for nothing else.
func TestBox(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, MasterKeyLen)
	b, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewBox(bytes.Repeat([]byte{8}, MasterKeyLen))
	if err != nil {
		t.Fatal(err)
	}
	sealed := b.Seal("app_1", []byte("the secret"))
	if bytes.Contains(sealed, []byte("the secret")) {
		t.Fatal("the sealed form holds the plaintext")
	}
	if got, err := b.Open("app_1", sealed); err != nil || string(got) != "the secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if again := b.Seal("app_1", []byte("the secret")); bytes.Equal(again, sealed) {
		t.Fatal("two seals of the same secret are equal: the nonce repeats")
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	for _, tt := range []struct {
		name   string
		box    *Box
		id     string
		sealed []byte
	}{
		{"another id", b, "app_2", sealed},
		{"another key", other, "app_1", sealed},
		{"tampered", b, "app_1", tampered},
		{"truncated", b, "app_1", sealed[:10]},
		{"empty", b, "app_1", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := tt.box.Open(tt.id, tt.sealed); !errors.Is(err, ErrSealed) {
				t.Fatalf("Open = %q, %v; want ErrSealed", got, err)
			}
		})
	}
}

func TestNewBoxKeyLength(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewBox(make([]byte, n)); err == nil {
			t.Errorf("NewBox accepted a %d-byte key", n)
		}
	}
}
