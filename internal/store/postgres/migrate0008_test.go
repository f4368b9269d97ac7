package postgres_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/jackc/pgx/v5"
)

// TestMigration0008RenamesSettings: a database at migration 0007 holding
// apps with settings under the Sunshine wire's camelCase names (a
// retention unset, set, 0, the largest; booleans true and false; keys left
// out) comes out of 0008 with the store's snake_case names, booleans still
// booleans, and every app reading back the settings it had. Metadata (a
// JSON column: text kept) is untouched, and a document that is not an
// object is left for the codec to report.
func TestMigration0008RenamesSettings(t *testing.T) {
	t.Parallel()
	dsn := pgtest.SchemaDSN(t)
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(t.Context(), q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	migrateBefore(t, conn, "0008")
	var user int64
	if err := conn.QueryRow(t.Context(), `INSERT INTO users (email, email_norm, password_hash, status, created_at, updated_at) VALUES ('u@example.com', 'u@example.com', 'x', 'active', now(), now()) RETURNING id`).Scan(&user); err != nil {
		t.Fatal(err)
	}
	const metadata = `{"n":1.50,"s":"é"}`
	ids := make([]string, len(storetest.Settings0007))
	for i, c := range storetest.Settings0007 {
		ids[i] = fmt.Sprintf("%024x", i+1)
		exec(`INSERT INTO apps (id, account_id, display_name, settings, metadata, created_at, updated_at) VALUES ($1, $2, $3, $4::jsonb, $5::json, now(), now())`,
			ids[i], user, c.Name, c.Doc, metadata)
	}
	const corrupt = "ffffffffffffffffffffffff"
	exec(`INSERT INTO apps (id, account_id, display_name, settings, created_at, updated_at) VALUES ($1, $2, 'corrupt', '[true]', now(), now())`, corrupt, user)
	conn.Close(t.Context())

	s, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err = pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	for i, c := range storetest.Settings0007 {
		t.Run(c.Name, func(t *testing.T) {
			var doc, md string
			if err := conn.QueryRow(t.Context(), `SELECT settings::text, metadata::text FROM apps WHERE id = $1`, ids[i]).Scan(&doc, &md); err != nil {
				t.Fatal(err)
			}
			storetest.CheckSettings0008(t, s, ids[i], doc, c.Want)
			if md != metadata {
				t.Errorf("metadata became %s", md)
			}
		})
	}
	var doc string
	if err := conn.QueryRow(t.Context(), `SELECT settings::text FROM apps WHERE id = $1`, corrupt).Scan(&doc); err != nil || doc != "[true]" {
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
