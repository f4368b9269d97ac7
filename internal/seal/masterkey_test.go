package seal

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Many processes starting at once on a fresh data directory all get the
// same key, the one in the file, and none sees a half-written file.
func TestLoadOrCreateMasterKeyConcurrentFirstStart(t *testing.T) {
	t.Parallel()
	for range 20 {
		dir := t.TempDir()
		path := filepath.Join(dir, "master.key")
		const n = 32
		keys := make([][]byte, n)
		errs := make([]error, n)
		var start, wg sync.WaitGroup
		start.Add(1)
		for i := range n {
			wg.Go(func() {
				start.Wait()
				keys[i], errs[i] = LoadOrCreateMasterKey(path)
			})
		}
		start.Done()
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("start %d of %d: %v", i, n, errs[i])
			}
			if !bytes.Equal(keys[i], keys[0]) {
				t.Fatalf("start %d got another key than start 0", i)
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(b)); got != hex.EncodeToString(keys[0]) {
			t.Fatalf("master.key holds %q, not the key the starts got", got)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("master.key mode %v, want 0600", st.Mode().Perm())
		}
		// Only master.key is left: no temporary file.
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) != 1 {
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			t.Fatalf("data directory holds %v, want only master.key", names)
		}
	}
}

func TestLoadOrCreateMasterKeyExisting(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{0xab}, MasterKeyLen)
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		wantErr string // "" = the key is read
	}{
		{"hex with newline", hex.EncodeToString(key) + "\n", 0o600, ""},
		{"hex without newline", hex.EncodeToString(key), 0o400, ""},
		{"empty", "", 0o600, "64 hex characters"},
		{"short", hex.EncodeToString(key[:16]), 0o600, "64 hex characters"},
		{"not hex", strings.Repeat("zz", 32), 0o600, "64 hex characters"},
		{"readable by group", hex.EncodeToString(key), 0o640, "readable by other users"},
		{"readable by all", hex.EncodeToString(key), 0o644, "readable by other users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "master.key")
			if err := os.WriteFile(path, []byte(tt.content), tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil { // past the umask
				t.Fatal(err)
			}
			got, err := LoadOrCreateMasterKey(path)
			if tt.wantErr == "" {
				if err != nil || !bytes.Equal(got, key) {
					t.Fatalf("got %x, %v; want the file's key", got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err %v, want one saying %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("err %v does not name the file", err)
			}
			// An existing file is never replaced.
			if b, _ := os.ReadFile(path); string(b) != tt.content {
				t.Errorf("the file was changed to %q", b)
			}
		})
	}
}

func TestLoadOrCreateMasterKeyMissingDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "missing")
	if _, err := LoadOrCreateMasterKey(filepath.Join(dir, "master.key")); err == nil {
		t.Fatal("no error for a key file in a missing directory")
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the missing directory was created")
	}
}
