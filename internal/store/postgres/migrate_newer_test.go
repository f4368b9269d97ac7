package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/jackc/pgx/v5"
)

// TestOpenRefusesNewerSchema: a database whose migrations table records a
// migration this build does not embed (one a newer gatehouse applied) is
// refused by Open, which changes nothing: it applies none of its own
// pending migrations either (the "one behind" database still has 0008 to
// apply, and its app keeps its 0007 settings document).
func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	const legacy = `{"maskCreditCardNumbers": true, "useAnimalNames": false}`
	files := migrationFiles(t)
	for _, c := range []struct {
		name    string
		prepare func(t *testing.T) (dsn string, conn *pgx.Conn)
	}{
		{"up to date", func(t *testing.T) (string, *pgx.Conn) {
			dsn := pgtest.SchemaDSN(t)
			s, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 2})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			conn, err := pgx.Connect(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close(context.Background()) })
			return dsn, conn
		}},
		{"one behind", func(t *testing.T) (string, *pgx.Conn) {
			dsn, conn, exec := schemaBefore(t, "0008")
			exec(`INSERT INTO users (id, email, email_norm, password_hash, status, created_at, updated_at) VALUES (1, 'u@example.com', 'u@example.com', 'x', 'active', now(), now())`)
			exec(`INSERT INTO apps (id, account_id, display_name, settings, created_at, updated_at) VALUES ('000000000000000000000001', 1, 'a', $1::jsonb, now(), now())`, legacy)
			return dsn, conn
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dsn, conn := c.prepare(t)
			if _, err := conn.Exec(t.Context(), `INSERT INTO migrations (name) VALUES ($1)`, storetest.FutureMigration); err != nil {
				t.Fatal(err)
			}
			state := func(t *testing.T) string {
				t.Helper()
				var b strings.Builder
				for _, q := range []string{
					`SELECT name, applied_at::text FROM migrations ORDER BY name`,
					`SELECT table_name, column_name, data_type, is_nullable, COALESCE(column_default, '') FROM information_schema.columns
						WHERE table_schema = current_schema() ORDER BY table_name, column_name`,
					`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`,
					`SELECT id, settings::text FROM apps ORDER BY id`,
				} {
					rows, err := conn.Query(t.Context(), q)
					if err != nil {
						t.Fatalf("%s: %v", q, err)
					}
					for rows.Next() {
						vals, err := rows.Values()
						if err != nil {
							t.Fatal(err)
						}
						fmt.Fprintln(&b, vals...)
					}
					if err := rows.Err(); err != nil {
						t.Fatal(err)
					}
				}
				return b.String()
			}
			want := storetest.NewerSchemaMessage("postgres", files[len(files)-1], storetest.FutureMigration)
			storetest.CheckRefusesNewerSchema(t, func() (gatehouse.Store, error) {
				return postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 2})
			}, state, want)
		})
	}
}
