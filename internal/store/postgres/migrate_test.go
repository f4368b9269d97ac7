package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

// schemaBefore is a fresh database at the schema the migrations numbered
// below next (such as "0008") make, recorded as the runner records them:
// as a store of that age left it, for a test to fill and then Open to
// upgrade. It returns the database's DSN, a connection to fill it with,
// and exec, which runs a statement on that connection or fails t.
func schemaBefore(t *testing.T, next string) (dsn string, conn *pgx.Conn, exec func(q string, args ...any)) {
	t.Helper()
	dsn = pgtest.SchemaDSN(t)
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	exec = func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(t.Context(), q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	exec(`CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`)
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
		exec(string(body))
		exec(`INSERT INTO migrations (name) VALUES ($1)`, name)
	}
	return dsn, conn, exec
}
