package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBackupRestore takes an online backup of a serving SQLite database with
// the CLI, puts it in a new data directory with the same master key, and
// proves the copy opens and serves: the account, its key and its dataset
// all work there.
func TestBackupRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs servers; skipped with -short")
	}
	h := newE2E(t)
	dirA := filepath.Join(t.TempDir(), "a")
	srv := h.startServer(dirA)
	c := &apiClient{t: t, base: "http://" + srv.addr, http: &http.Client{Timeout: 10 * time.Second}}
	c.waitHealthy()

	const email = "backup@example.com"
	status, body := c.do(http.MethodPost, "/signup", "", map[string]string{"email": email, "password": "password123", "confirm_password": "password123"})
	if status != http.StatusOK {
		t.Fatalf("signup: %d %s", status, body)
	}
	var su struct {
		APIKey string `json:"api_key"`
	}
	mustUnmarshal(t, body, &su)
	h.secrets = append(h.secrets, su.APIKey)
	if out, code := h.cli("users", "activate", email, "--data", dirA); code != 0 {
		t.Fatalf("users activate: %s", out)
	}
	if status, body := c.do(http.MethodPost, "/user/add-dataset", su.APIKey, map[string]string{"dataset": "kept-across-restore"}); status != http.StatusOK {
		t.Fatalf("add-dataset: %d %s", status, body)
	}

	// An online backup while the server runs and writes.
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if out, code := h.cli("backup", copyPath, "--data", dirA); code != 0 {
		t.Fatalf("backup: exit %d: %s", code, out)
	}
	if st, err := os.Stat(copyPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	if out, code := h.cli("backup", copyPath, "--data", dirA); code == 0 || !strings.Contains(out, "exists") {
		t.Fatalf("backup over an existing file: exit %d: %s; want a refusal", code, out)
	}
	srv.stop()

	// Restore: the copy and the master key into a fresh data directory.
	dirB := filepath.Join(t.TempDir(), "b")
	if err := os.MkdirAll(dirB, 0o700); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirB, "gatehouse.db"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(filepath.Join(dirA, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirB, "master.key"), mk, 0o600); err != nil {
		t.Fatal(err)
	}
	srvB := h.startServer(dirB)
	cB := &apiClient{t: t, base: "http://" + srvB.addr, http: c.http}
	cB.waitHealthy()
	status, body = cB.do(http.MethodPost, "/user/get-datasets-with-permissions", su.APIKey, map[string]any{})
	if status != http.StatusOK || !strings.Contains(string(body), "kept-across-restore") {
		t.Fatalf("restored server: datasets %d %s", status, body)
	}
	if status, body := cB.exchange(email, su.APIKey); status != http.StatusOK {
		t.Fatalf("restored server: token exchange %d %s", status, body)
	}
	srvB.stop()
	h.assertNoSecretsLogged()
}
