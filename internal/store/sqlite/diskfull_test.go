package sqlite_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// TestDiskFull fills a small tmpfs under a live store (docs/security.md 25):
// writes on a full disk fail with EUNAVAILABLE (a 503 on every surface),
// never an internal error; reads go on; nothing acknowledged is lost; and
// writes resume once space returns. It needs root to mount the tmpfs, so it
// is skipped elsewhere (CI runs as root).
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs; skipped with -short")
	}
	if os.Geteuid() != 0 {
		if os.Getenv("GATEHOUSE_TEST_REQUIRE") == "1" {
			t.Fatal("GATEHOUSE_TEST_REQUIRE=1, but the disk-full test needs root to mount a tmpfs")
		}
		t.Skip("needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })

	// A filler file holds back space to give back later.
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, filepath.Join(dir, "gatehouse.db"), sqlite.Options{})
	pad := strings.Repeat("x", 150)
	var acked []string
	var full error
	for i := 0; i < 100000; i++ {
		email := fmt.Sprintf("u%06d@example.com", i)
		u := newUser(email)
		u.CompanyID = pad
		err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Users().CreateUser(t.Context(), u) })
		if err != nil {
			full = err
			break
		}
		acked = append(acked, email)
	}
	if full == nil {
		t.Fatal("the disk never filled")
	}
	if code := gatehouse.ErrorCode(full); code != gatehouse.EUNAVAILABLE {
		t.Fatalf("write on a full disk: code %q (%v), want %q", code, full, gatehouse.EUNAVAILABLE)
	}
	t.Logf("disk full after %d acknowledged writes: %v", len(acked), full)

	// Reads go on while the disk is full.
	if err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		_, err := tx.Users().FindUserByEmail(t.Context(), acked[0])
		return err
	}); err != nil {
		t.Fatalf("read on a full disk: %v", err)
	}

	// Space returns: writes resume, and every acknowledged write is there.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	createUser(t, s, "after@example.com")
	var n int
	if err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		us, err := tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
		n = len(us)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(acked)+1 {
		t.Fatalf("%d users after the disk filled and emptied, want %d acknowledged + 1", n, len(acked))
	}
	for _, email := range acked {
		if err := s.View(t.Context(), func(tx gatehouse.Tx) error {
			_, err := tx.Users().FindUserByEmail(t.Context(), email)
			return err
		}); err != nil {
			t.Fatalf("acknowledged %s lost: %v", email, err)
		}
	}
}
