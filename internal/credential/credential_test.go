package credential

import (
	"encoding/binary"
	"hash/crc32"
	"regexp"
	"strings"
	"testing"
)

var (
	apiKeyRE = regexp.MustCompile(`^stai-[A-Za-z0-9_-]{38}$`)
	tokenRE  = regexp.MustCompile(`^gat_[A-Za-z0-9_-]{49}$`)
)

func TestNewCredentialsClassify(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		k, tok := NewAPIKey(), NewAccessToken()
		if !apiKeyRE.MatchString(k) || Classify(k) != APIKey {
			t.Fatalf("NewAPIKey() = %q: shape %v, Classify %v", k, apiKeyRE.MatchString(k), Classify(k))
		}
		if !tokenRE.MatchString(tok) || Classify(tok) != AccessToken {
			t.Fatalf("NewAccessToken() = %q: shape %v, Classify %v", tok, tokenRE.MatchString(tok), Classify(tok))
		}
		if seen[k] || seen[tok] {
			t.Fatal("a credential repeated")
		}
		seen[k], seen[tok] = true, true
	}
}

func TestClassifyRejects(t *testing.T) {
	k := NewAPIKey()
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	cases := map[string]string{
		"empty":            "",
		"seed example":     "stai-KxHZNuyhUVhapikeyAz1EdqAexampleqe7k8E_",
		"prefix only":      "stai-",
		"truncated":        k[:len(k)-1],
		"extended":         k + "A",
		"body typo":        flip(k, 10),
		"checksum typo":    flip(k, len(k)-2),
		"wrong prefix":     "stak-" + k[5:],
		"upper prefix":     "STAI-" + k[5:],
		"space inside":     k[:20] + " " + k[21:],
		"non-ascii":        k[:20] + "é" + k[22:],
		"token as key len": "gat_" + k[5:],
	}
	for name, s := range cases {
		if got := Classify(s); got != Garbage {
			t.Errorf("%s: Classify(%q) = %v, want Garbage", name, s, got)
		}
	}
}

func TestHashAndHint(t *testing.T) {
	k := NewAPIKey()
	if h1, h2 := Hash(k), Hash(k); h1 != h2 || h1 == Hash(NewAPIKey()) {
		t.Fatal("Hash is not a function of its input")
	}
	long := strings.Repeat("x", 500)
	if Hash(long) == Hash(long[:499]) {
		t.Fatal("long inputs collide")
	}
	h := Hint(k)
	if !strings.HasPrefix(h, "stai-") || !strings.HasSuffix(h, k[len(k)-4:]) || strings.Contains(h, k[5:len(k)-4]) {
		t.Fatalf("Hint(%q) = %q", k, h)
	}
}

func BenchmarkClassify(b *testing.B) {
	k := NewAPIKey()
	b.ReportAllocs()
	for b.Loop() {
		if Classify(k) != APIKey {
			b.Fatal("not a key")
		}
	}
}

func BenchmarkHash(b *testing.B) {
	k := NewAPIKey()
	b.ReportAllocs()
	for b.Loop() {
		_ = Hash(k)
	}
}

func TestChecksumMatchesCRC32(t *testing.T) {
	cases := []string{"", "a", "stai-abc", NewAPIKey(), NewAccessToken()}
	// Every length around the eight-byte steps, of every byte value.
	var b []byte
	for n := range 100 {
		b = append(b, byte(n*37+11))
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		checkChecksum(t, s)
	}
}

func checkChecksum(t *testing.T, s string) {
	t.Helper()
	var got [checksumLen]byte
	checksum(&got, s)
	var c [4]byte
	binary.BigEndian.PutUint32(c[:], crc32.ChecksumIEEE([]byte(s)))
	if want := b64.EncodeToString(c[:]); string(got[:]) != want {
		t.Errorf("checksum(%q) = %s, want %s", s, got[:], want)
	}
}

// FuzzChecksum: checksum is crc32.ChecksumIEEE, for any input.
func FuzzChecksum(f *testing.F) {
	f.Add("")
	f.Add(NewAPIKey())
	f.Fuzz(func(t *testing.T, s string) { checkChecksum(t, s) })
}

func TestHashParts(t *testing.T) {
	long := strings.Repeat("j", 600)
	for _, parts := range [][]string{{}, {"a"}, {"basic\x00", "app_x", "\x00", "s"}, {"jwt\x00", long}} {
		if got, want := HashParts(parts...), Hash(strings.Join(parts, "")); got != want {
			t.Errorf("HashParts(%d parts) differs from Hash of the joined string", len(parts))
		}
	}
}

// TestSessionToken: a new session token is recognised, is never an API
// credential, and a changed byte, prefix or length is refused.
func TestSessionToken(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		s := NewSessionToken()
		if !IsSessionToken(s) || len(s) != SessionTokenLen || seen[s] {
			t.Fatalf("NewSessionToken() = %q: IsSessionToken %v, len %d, repeated %v", s, IsSessionToken(s), len(s), seen[s])
		}
		seen[s] = true
		if k := Classify(s); k != Garbage {
			t.Fatalf("Classify(session token) = %v, want Garbage", k)
		}
	}
	s := NewSessionToken()
	flip := []byte(s)
	flip[10] ^= 1
	for _, bad := range []string{"", s[:len(s)-1], s + "A", "gat_" + s[4:], string(flip), s[:20] + "+" + s[21:], NewAccessToken(), NewAPIKey()} {
		if IsSessionToken(bad) {
			t.Errorf("IsSessionToken(%q) = true", bad)
		}
	}
}
