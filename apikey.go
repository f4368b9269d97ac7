package gatehouse

import (
	"strings"
	"time"
	"unicode/utf8"
)

// HashLen is the length of a credential hash (SHA-256).
const HashLen = 32

// Hash is the SHA-256 of a credential's full text; only this is stored.
type Hash [HashLen]byte

// APIKey is a user's static API key ("stai-..."). The clear key is returned
// once, by the call that creates it, and never stored.
type APIKey struct {
	ID         int64
	UserID     int64
	Name       string
	Hash       Hash
	Hint       string // non-secret: the prefix and the last characters, e.g. "stai-…7k8E_"
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
}

// KeyNameMaxLen bounds a key's name.
const KeyNameMaxLen = 100

// Validate checks the fields a store relies on.
func (k *APIKey) Validate() error {
	if k.UserID <= 0 {
		return Err(ReasonUserRequired)
	}
	return ValidateKeyName(k.Name)
}

// ValidateKeyName checks a key's display name.
func ValidateKeyName(name string) error {
	if strings.TrimSpace(name) == "" {
		return Err(ReasonKeyNameRequired)
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > KeyNameMaxLen {
		return Err(ReasonKeyNameTooLong).WithLimit(KeyNameMaxLen)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return Err(ReasonKeyNameControl)
		}
	}
	return nil
}

// AccessToken is a 24-hour token made from an API key. Like keys, only its
// hash is stored; it dies with the key it came from.
type AccessToken struct {
	Hash      Hash
	UserID    int64
	KeyID     int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AccessTokenTTL is the lifetime of an access token (exactly 24 hours).
const AccessTokenTTL = 24 * time.Hour
