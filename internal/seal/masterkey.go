package seal

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// MasterKeyLen is the length of the master key in bytes (AES-256).
const MasterKeyLen = 32

// ParseMasterKey decodes a master key given as 64 hex characters.
func ParseMasterKey(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != MasterKeyLen {
		return nil, errors.New("master key must be 64 hex characters (32 bytes)")
	}
	return b, nil
}

// LoadOrCreateMasterKey reads the master key from path, or creates it there
// with mode 0600 when the file does not exist. It refuses a key file that
// other users can read. The directory must exist.
//
// Creation is atomic: the key is written and synced to a temporary file in
// the same directory, which is then hard-linked to path. link(2) fails when
// path exists and never replaces it, so of several processes starting at
// once exactly one key wins, every process gets that key, and no reader
// ever sees an empty or half-written file.
func LoadOrCreateMasterKey(path string) ([]byte, error) {
	key, err := readMasterKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key, err = createMasterKey(path)
	if errors.Is(err, fs.ErrExist) { // another process linked its key first
		return readMasterKey(path)
	}
	return key, err
}

func readMasterKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("read master key: %w", err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("master key file %s is readable by other users (mode %v); chmod 600 it", path, st.Mode().Perm())
	}
	key, err := ParseMasterKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	return key, nil
}

// createMasterKey makes a new key at path. It returns an error matching
// fs.ErrExist when path exists, leaving that file alone.
func createMasterKey(path string) ([]byte, error) {
	key := make([]byte, MasterKeyLen)
	rand.Read(key)
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("create master key: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write master key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("write master key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write master key: %w", err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		return nil, fmt.Errorf("create master key %s: %w (the data directory's file system must support hard links; or set GATEHOUSE_MASTER_KEY)", path, err)
	}
	// The new name must survive a crash: secrets get sealed with this key.
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("create master key %s: sync directory: %w", path, err)
	}
	return key, nil
}

// syncDir makes the directory's entries durable. File systems that cannot
// sync a directory (EINVAL) are let through.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return err
	}
	return nil
}
