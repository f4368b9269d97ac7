package credential

import "testing"

// FuzzClassify: no input panics, and whatever is accepted is a canonical
// credential that re-verifies: changing any one character makes it garbage.
func FuzzClassify(f *testing.F) {
	f.Add(NewAPIKey())
	f.Add(NewAccessToken())
	f.Add("stai-KxHZNuyhUVhapikeyAz1EdqAexampleqe7k8E_")
	f.Add("")
	f.Add("gat_")
	f.Fuzz(func(t *testing.T, s string) {
		k := Classify(s)
		if k == Garbage {
			return
		}
		if Classify(s) != k {
			t.Fatal("Classify is not stable")
		}
		for i := range len(s) {
			b := []byte(s)
			b[i] ^= 0x01
			if Classify(string(b)) != Garbage && string(b) != s {
				// A flipped bit must break the checksum or the alphabet,
				// except when it lands in the checksum's unused low bits.
				if i < len(s)-1 {
					t.Fatalf("bit flip at %d of %q still classifies", i, s)
				}
			}
		}
		_ = Hash(s)
		_ = Hint(s)
	})
}
