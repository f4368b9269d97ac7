package secret

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"
	"time"
)

// NewObjectID returns a 24-hex-character id built like a MongoDB ObjectId,
// as Sunshine's app ids are: 4 bytes of Unix time, 5 random bytes fixed per
// process, and a 3-byte counter. Ids made by one process sort in creation
// order, which keeps list pagination in creation order and its cursors
// stable. Ids are not secrets.
func NewObjectID(now time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], uint32(now.Unix()))
	copy(b[4:9], processUnique[:])
	c := objectCounter.Add(1)
	b[9], b[10], b[11] = byte(c>>16), byte(c>>8), byte(c)
	return hex.EncodeToString(b[:])
}

var (
	processUnique [5]byte
	objectCounter atomic.Uint32
)

func init() {
	rand.Read(processUnique[:])
	var c [4]byte
	rand.Read(c[:])
	objectCounter.Store(binary.BigEndian.Uint32(c[:]) & 0xffffff)
}

// App and account key id prefixes.
const (
	AppKeyPrefix     = "app_"
	AccountKeyPrefix = "act_"
)

// NewAppKeyID returns "app_" + 24 hex; NewAccountKeyID "act_" + 24 hex.
func NewAppKeyID(now time.Time) string     { return AppKeyPrefix + NewObjectID(now) }
func NewAccountKeyID(now time.Time) string { return AccountKeyPrefix + NewObjectID(now) }

// NewKeySecret returns a 256-bit random secret, base64url (43 characters).
// Server-generated, never user-chosen (SECURITY.md 6).
func NewKeySecret() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// IsObjectID reports whether s is 24 lowercase hex characters.
func IsObjectID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// IsKeyID reports whether s is prefix + an ObjectId.
func IsKeyID(s, prefix string) bool {
	return len(s) == len(prefix)+24 && s[:len(prefix)] == prefix && IsObjectID(s[len(prefix):])
}
