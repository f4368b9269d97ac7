package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
)

// Box seals app and account key secrets with AES-256-GCM under the master
// key. The key's id is the additional data, so a sealed secret copied onto
// another key's row does not open.
type Box struct{ aead cipher.AEAD }

// NewBox returns a Box for a 32-byte master key.
func NewBox(master []byte) (*Box, error) {
	if len(master) != MasterKeyLen {
		return nil, errors.New("seal: master key must be 32 bytes")
	}
	block, err := aes.NewCipher(master)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext bound to id: nonce || ciphertext.
func (b *Box) Seal(id string, plaintext []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	rand.Read(nonce)
	return b.aead.Seal(nonce, nonce, plaintext, []byte(id))
}

// ErrSealed is returned when a sealed secret does not open (wrong master
// key, wrong id, or tampering).
var ErrSealed = errors.New("seal: sealed secret does not open")

// Open decrypts what Seal made for id.
func (b *Box) Open(id string, sealed []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return nil, ErrSealed
	}
	pt, err := b.aead.Open(nil, sealed[:n], sealed[n:], []byte(id))
	if err != nil {
		return nil, ErrSealed
	}
	return pt, nil
}
