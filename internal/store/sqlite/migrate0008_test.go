package sqlite_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// TestMigration0008RenamesSettings: a database at migration 0007 holding
// apps with settings under the Sunshine wire's camelCase names (a
// retention unset, set, 0, the largest; booleans true and false; keys left
// out) comes out of 0008 with the store's snake_case names, booleans still
// booleans (json_extract would have made them 1 and 0), and every app
// reading back the settings it had. Metadata is untouched, and a document
// that is not JSON is left for the codec to report.
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
	f := storetest.Fill0008{Metadata: `{"n":1.50,"s":"é"}`, Corrupt: "ffffffffffffffffffffffff", CorruptDoc: "not json"}
	for i, c := range storetest.Settings0007 {
		f.IDs = append(f.IDs, fmt.Sprintf("%024x", i+1))
		exec(`INSERT INTO apps (id, account_id, display_name, settings, metadata, created_at, updated_at) VALUES (?, 1, ?, ?, ?, 0, 0)`,
			f.IDs[i], c.Name, c.Doc, f.Metadata)
	}
	exec(`INSERT INTO apps (id, account_id, display_name, settings, created_at, updated_at) VALUES (?, 1, 'corrupt', ?, 0, 0)`, f.Corrupt, f.CorruptDoc)

	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckMigration0008(t, s, f, func(t *testing.T, id string) (settings, metadata string) {
		t.Helper()
		if err := db.QueryRowContext(t.Context(), `SELECT settings, COALESCE(metadata, '') FROM apps WHERE id = ?`, id).Scan(&settings, &metadata); err != nil {
			t.Fatal(err)
		}
		return settings, metadata
	})
}
