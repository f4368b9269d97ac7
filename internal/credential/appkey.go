package credential

import (
	"crypto/rand"
	"encoding/base64"
)

// App and account key (Sunshine credential) id prefixes: a key id is a
// prefix and an ObjectId (objectid.ValidWithPrefix); its secret is made by
// NewKeySecret.
const (
	AppKeyPrefix     = "app_"
	AccountKeyPrefix = "act_"
)

// NewKeySecret returns a 256-bit random secret, base64url (43 characters).
// Server-generated, never user-chosen (docs/security.md 6).
func NewKeySecret() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
