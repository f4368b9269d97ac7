package postgres_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// migrateBefore applies, on conn, the migrations numbered below next (such
// as "0008") and records them as the runner does: the schema is left as a
// store of that age left it, for a test to fill and then Open to upgrade.
func migrateBefore(t *testing.T, conn *pgx.Conn, next string) {
	t.Helper()
	if _, err := conn.Exec(t.Context(), `CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") && e.Name() < next {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for _, name := range names {
		body, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(t.Context(), string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := conn.Exec(t.Context(), `INSERT INTO migrations (name) VALUES ($1)`, name); err != nil {
			t.Fatal(err)
		}
	}
}
