package sqlite_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// TestMigration0008RenamesSettings: a database at migration 0007 holding
// apps with settings under the Sunshine wire's camelCase names (a
// retention unset, set, 0, the largest; booleans true and false; keys left
// out) comes out of 0008 with the store's snake_case names, booleans still
// booleans, and every app reading back the settings it had. Metadata is
// untouched, and a document that is not JSON is left for the codec to
// report.
func TestMigration0008RenamesSettings(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "g.db")
	openThrough(t, path, "0007")
	db := rawDB(t, path)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(t.Context(), q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	exec(`INSERT INTO users (id, email, email_norm, password_hash, status, created_at, updated_at) VALUES (1, 'u@example.com', 'u@example.com', 'x', 'active', 0, 0)`)
	ids := make([]string, len(storetest.Settings0007))
	for i, c := range storetest.Settings0007 {
		ids[i] = fmt.Sprintf("%024x", i+1)
		exec(`INSERT INTO apps (id, account_id, display_name, settings, metadata, created_at, updated_at) VALUES (?, 1, ?, ?, ?, 0, 0)`,
			ids[i], c.Name, c.Doc, `{"n":1.50,"s":"é"}`)
	}
	const corrupt = "ffffffffffffffffffffffff"
	exec(`INSERT INTO apps (id, account_id, display_name, settings, created_at, updated_at) VALUES (?, 1, 'corrupt', 'not json', 0, 0)`, corrupt)
	db.Close()

	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db = rawDB(t, path)
	for i, c := range storetest.Settings0007 {
		t.Run(c.Name, func(t *testing.T) {
			var doc, metadata string
			if err := db.QueryRowContext(t.Context(), `SELECT settings, metadata FROM apps WHERE id = ?`, ids[i]).Scan(&doc, &metadata); err != nil {
				t.Fatal(err)
			}
			storetest.CheckSettings0008(t, s, ids[i], doc, c.Want)
			if metadata != `{"n":1.50,"s":"é"}` {
				t.Errorf("metadata became %s", metadata)
			}
		})
	}
	var doc string
	if err := db.QueryRowContext(t.Context(), `SELECT settings FROM apps WHERE id = ?`, corrupt).Scan(&doc); err != nil || doc != "not json" {
		t.Errorf("corrupt settings became %q (%v), want them left as they were", doc, err)
	}
	err = s.View(t.Context(), func(tx gatehouse.Tx) error {
		_, err := tx.Apps().FindAppByID(t.Context(), corrupt)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), corrupt) {
		t.Errorf("reading the corrupt app: %v, want an error naming it", err)
	}
}
