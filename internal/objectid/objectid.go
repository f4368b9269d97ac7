package objectid

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"
	"time"
)

// Len is the length of an ObjectId in characters.
const Len = 24

// Generator makes ObjectIds: 4 bytes of Unix time, 5 random bytes fixed per
// generator, and a 3-byte counter that starts at a random value. Ids made
// by one generator sort in creation order, which keeps list pagination in
// creation order and its cursors stable; a process makes one (core.New) and
// uses it for every id. It is safe for concurrent use.
type Generator struct {
	unique  [5]byte
	counter atomic.Uint32
}

// NewGenerator returns a Generator with its own random bytes and counter.
func NewGenerator() *Generator {
	g := &Generator{}
	rand.Read(g.unique[:])
	var c [4]byte
	rand.Read(c[:])
	g.counter.Store(binary.BigEndian.Uint32(c[:]) & 0xffffff)
	return g
}

// New returns a new ObjectId made at time now.
func (g *Generator) New(now time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], uint32(now.Unix()))
	copy(b[4:9], g.unique[:])
	c := g.counter.Add(1)
	b[9], b[10], b[11] = byte(c>>16), byte(c>>8), byte(c)
	return hex.EncodeToString(b[:])
}

// Valid reports whether s is 24 lowercase hex characters.
func Valid(s string) bool {
	if len(s) != Len {
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

// ValidWithPrefix reports whether s is prefix + an ObjectId, as app and
// account key ids are.
func ValidWithPrefix(s, prefix string) bool {
	return len(s) == len(prefix)+Len && s[:len(prefix)] == prefix && Valid(s[len(prefix):])
}
