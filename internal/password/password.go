package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams follows the OWASP Password Storage Cheat Sheet's first
// argon2id option (m = 19 MiB, t = 2, p = 1).
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Hasher hashes passwords as PHC strings
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash). Checking one is Check.
type Hasher struct {
	Params Params
}

// Hash returns the PHC string of pw.
func (h Hasher) Hash(pw string) (string, error) {
	p := h.Params
	salt := make([]byte, p.SaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// ErrMalformed is a stored hash Check cannot read.
var ErrMalformed = errors.New("password: malformed argon2id hash")

// maxMemory bounds the cost a stored hash may ask of Check (256 MiB, t ≤ 16),
// so a hash written by hand cannot make one login exhaust the machine.
const (
	maxMemory = 256 * 1024
	maxTime   = 16
)

// Check reports whether pw matches the PHC string phc, comparing in
// constant time. It recomputes argon2id with the hash's own parameters, so
// hashes made under older Params still verify. A hash it cannot read is
// ErrMalformed (and no match).
func Check(pw, phc string) (bool, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, ErrMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformed
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil ||
		m == 0 || m > maxMemory || t == 0 || t > maxTime || p == 0 ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", m, t, p) || parts[2] != fmt.Sprintf("v=%d", version) {
		return false, ErrMalformed
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false, ErrMalformed
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, ErrMalformed
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether phc was made with less memory, fewer passes
// or a shorter key than p asks for (or cannot be read), so that a login
// that just checked the password should store a new hash of it.
func NeedsRehash(phc string, p Params) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return true
	}
	var m, t uint32
	var th uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil {
		return true
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	return err != nil || m < p.Memory || t < p.Time || uint32(len(key)) < p.KeyLen
}
