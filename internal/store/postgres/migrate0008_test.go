package postgres_test

import (
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
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
	dsn, conn, exec := schemaBefore(t, "0008")
	var user int64
	if err := conn.QueryRow(t.Context(), `INSERT INTO users (email, email_norm, password_hash, status, created_at, updated_at) VALUES ('u@example.com', 'u@example.com', 'x', 'active', now(), now()) RETURNING id`).Scan(&user); err != nil {
		t.Fatal(err)
	}
	f := storetest.Fill0008{Metadata: `{"n":1.50,"s":"é"}`, Corrupt: "ffffffffffffffffffffffff", CorruptDoc: "[true]"}
	for i, c := range storetest.Settings0007 {
		f.IDs = append(f.IDs, fmt.Sprintf("%024x", i+1))
		exec(`INSERT INTO apps (id, account_id, display_name, settings, metadata, created_at, updated_at) VALUES ($1, $2, $3, $4::jsonb, $5::json, now(), now())`,
			f.IDs[i], user, c.Name, c.Doc, f.Metadata)
	}
	exec(`INSERT INTO apps (id, account_id, display_name, settings, created_at, updated_at) VALUES ($1, $2, 'corrupt', $3::jsonb, now(), now())`, f.Corrupt, user, f.CorruptDoc)

	s, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckMigration0008(t, s, f, func(t *testing.T, id string) (settings, metadata string) {
		t.Helper()
		if err := conn.QueryRow(t.Context(), `SELECT settings::text, COALESCE(metadata::text, '') FROM apps WHERE id = $1`, id).Scan(&settings, &metadata); err != nil {
			t.Fatal(err)
		}
		return settings, metadata
	})
}
