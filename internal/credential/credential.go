package credential

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"

	"github.com/gatehouse/gatehouse"
)

// Kind is what a credential string looks like.
type Kind uint8

// Credential kinds recognised by Classify.
const (
	Garbage     Kind = iota // not a well-formed gatehouse credential
	APIKey                  // "stai-..."
	AccessToken             // "gat_..."
)

const (
	APIKeyPrefix      = "stai-"
	AccessTokenPrefix = "gat_"

	apiKeyBodyBytes  = 24
	tokenBodyBytes   = 32
	checksumLen      = 6 // base64url of 4 bytes, unpadded
	APIKeyLen        = len(APIKeyPrefix) + 32 + checksumLen
	AccessTokenLen   = len(AccessTokenPrefix) + 43 + checksumLen
	maxCredentialLen = AccessTokenLen
	hintTailLen      = 4
)

var b64 = base64.RawURLEncoding

// NewAPIKey returns a new random API key.
func NewAPIKey() string { return newCredential(APIKeyPrefix, apiKeyBodyBytes) }

// NewAccessToken returns a new random access token.
func NewAccessToken() string { return newCredential(AccessTokenPrefix, tokenBodyBytes) }

// SessionPrefix starts a web console session token, the value of the
// console's cookie. Classify does not know it: a session token is never a
// credential of the APIs, and an API credential never a session.
const SessionPrefix = "ghs_"

// SessionTokenLen is the length of a session token.
const SessionTokenLen = len(SessionPrefix) + 43 + checksumLen

// NewSessionToken returns a new random console session token.
func NewSessionToken() string { return newCredential(SessionPrefix, tokenBodyBytes) }

// IsSessionToken tells whether s is a well-formed session token: prefix,
// length, alphabet and checksum, as Classify checks the others.
func IsSessionToken(s string) bool {
	if len(s) != SessionTokenLen || s[:len(SessionPrefix)] != SessionPrefix {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !urlSafe(s[i]) {
			return false
		}
	}
	var sum [checksumLen]byte
	checksum(&sum, s[:len(s)-checksumLen])
	return string(sum[:]) == s[len(s)-checksumLen:]
}

func newCredential(prefix string, n int) string {
	raw := make([]byte, n)
	rand.Read(raw) // never returns an error; crashes the program if randomness is unavailable
	body := prefix + b64.EncodeToString(raw)
	var sum [checksumLen]byte
	checksum(&sum, body)
	return body + string(sum[:])
}

// checksum writes the base64url CRC-32/IEEE of s into out. It walks the
// string eight bytes at a time ("slicing-by-8", the standard library's own
// generic method) with tables derived from crc32.IEEETable, instead of
// calling crc32.ChecksumIEEE, whose indirect call makes its argument
// escape: this way checking a credential allocates nothing, and costs a
// quarter of a byte-at-a-time walk. TestChecksumMatchesCRC32 and
// FuzzChecksum pin it to crc32.ChecksumIEEE.
func checksum(out *[checksumLen]byte, s string) {
	crc := ^uint32(0)
	for len(s) >= 8 {
		crc ^= uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
		crc = slicing8[0][s[7]] ^ slicing8[1][s[6]] ^ slicing8[2][s[5]] ^ slicing8[3][s[4]] ^
			slicing8[4][crc>>24] ^ slicing8[5][crc>>16&0xFF] ^ slicing8[6][crc>>8&0xFF] ^ slicing8[7][crc&0xFF]
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		crc = crc32.IEEETable[byte(crc)^s[i]] ^ (crc >> 8)
	}
	var c [4]byte
	binary.BigEndian.PutUint32(c[:], ^crc)
	b64.Encode(out[:], c[:])
}

// slicing8[k][b] is the CRC-32/IEEE of byte b followed by k zero bytes.
var slicing8 = func() (t [8][256]uint32) {
	t[0] = *crc32.IEEETable
	for i := range 256 {
		crc := t[0][i]
		for k := 1; k < 8; k++ {
			crc = t[0][crc&0xFF] ^ crc>>8
			t[k][i] = crc
		}
	}
	return t
}()

// Classify tells whether s is a well-formed API key or access token: right
// prefix, length, alphabet and checksum. It reads nothing but s.
func Classify(s string) Kind {
	var k Kind
	switch {
	case len(s) == APIKeyLen && s[:len(APIKeyPrefix)] == APIKeyPrefix:
		k = APIKey
	case len(s) == AccessTokenLen && s[:len(AccessTokenPrefix)] == AccessTokenPrefix:
		k = AccessToken
	default:
		return Garbage
	}
	for i := 0; i < len(s); i++ {
		if !urlSafe(s[i]) {
			return Garbage
		}
	}
	var sum [checksumLen]byte
	checksum(&sum, s[:len(s)-checksumLen])
	if string(sum[:]) != s[len(s)-checksumLen:] {
		return Garbage
	}
	return k
}

func urlSafe(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// hashBufLen covers every credential gatehouse issues, and an app or
// account key id with its secret, so hashing them allocates nothing.
const hashBufLen = 128

// Hash returns the SHA-256 of a credential, the only form that is stored.
// Longer inputs (JWTs) are hashed too, with one allocation.
func Hash(s string) gatehouse.Hash {
	if len(s) <= hashBufLen {
		var buf [hashBufLen]byte
		n := copy(buf[:], s)
		return sha256.Sum256(buf[:n])
	}
	return sha256.Sum256([]byte(s))
}

// HashParts returns the SHA-256 of the parts joined, without building the
// joined string: the cache keys of Basic credentials ("basic", NUL, id, NUL,
// secret) and of JWTs are made on every request, and joining would allocate.
// Inputs up to 512 bytes (every Basic credential, typical JWTs) allocate
// nothing.
func HashParts(parts ...string) gatehouse.Hash {
	var buf [512]byte
	n := 0
	for _, p := range parts {
		if n+len(p) > len(buf) {
			var b []byte
			for _, p := range parts {
				b = append(b, p...)
			}
			return sha256.Sum256(b)
		}
		n += copy(buf[n:], p)
	}
	return sha256.Sum256(buf[:n])
}

// Hint returns the non-secret hint shown in listings: the prefix and the last
// four characters ("stai-…E_k8"). Four characters of a 43-character key leave
// more than 190 bits unknown.
func Hint(s string) string {
	if len(s) < len(APIKeyPrefix)+hintTailLen {
		return ""
	}
	return s[:len(APIKeyPrefix)] + "…" + s[len(s)-hintTailLen:]
}
