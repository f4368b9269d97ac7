package sqlite_test

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// lastMigration is the name of the last migration in fsys.
func lastMigration(t *testing.T, fsys fs.FS) string {
	t.Helper()
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("migrations: %v %v", names, err)
	}
	return path.Base(names[len(names)-1]) // Glob sorts
}

// migrationsAfter is the names of fsys's migrations after the one that
// starts with prefix, in order.
func migrationsAfter(t *testing.T, fsys fs.FS, prefix string) []string {
	t.Helper()
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if b := path.Base(n); b > prefix && !strings.HasPrefix(b, prefix) {
			out = append(out, b)
		}
	}
	return out
}

// TestOpenRefusesNewerSchema: a database whose migrations table records a
// migration this build does not embed (one a newer gatehouse applied) is
// refused by Open, which changes nothing: it applies none of its own
// pending migrations either (the "one behind" database still has 0008 to
// apply, and its app keeps its 0007 settings document).
func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	const legacy = `{"maskCreditCardNumbers":true,"useAnimalNames":false}`
	upToDate := func(t *testing.T, p string) {
		t.Helper()
		s, err := sqlite.Open(t.Context(), p, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	through0007 := migrationsThrough(t, "0007")
	for _, c := range []struct {
		name    string
		prepare func(t *testing.T, p string) // leaves the database at some schema
		future  bool                         // then record FutureMigration
		fsys    fs.FS                        // what the opening build embeds
		unknown []string
	}{
		{"up to date", upToDate, true, sqlite.Migrations, []string{storetest.FutureMigration}},
		{"one behind", func(t *testing.T, p string) {
			openThrough(t, p, "0007")
			db := rawDB(t, p)
			for _, q := range []string{
				`INSERT INTO users (id, email, email_norm, password_hash, status, created_at, updated_at) VALUES (1, 'u@example.com', 'u@example.com', 'x', 'active', 0, 0)`,
				`INSERT INTO apps (id, account_id, display_name, settings, created_at, updated_at) VALUES ('000000000000000000000001', 1, 'a', '` + legacy + `', 0, 0)`,
			} {
				if _, err := db.ExecContext(t.Context(), q); err != nil {
					t.Fatalf("%.60s: %v", q, err)
				}
			}
		}, true, sqlite.Migrations, []string{storetest.FutureMigration}},
		// The real case: a build that stops at 0007 on a database 0008 migrated.
		{"older build", upToDate, false, through0007, migrationsAfter(t, sqlite.Migrations, "0007")},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), "g.db")
			c.prepare(t, p)
			db := rawDB(t, p)
			if c.future {
				if _, err := db.ExecContext(t.Context(), `INSERT INTO migrations (name, applied_at) VALUES (?, 1)`, storetest.FutureMigration); err != nil {
					t.Fatal(err)
				}
			}
			state := func(t *testing.T) string {
				t.Helper()
				var b strings.Builder
				for _, q := range []string{
					`SELECT name, applied_at FROM migrations ORDER BY name`,
					`SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name`,
					`SELECT id, settings FROM apps ORDER BY id`,
				} {
					rows, err := db.QueryContext(t.Context(), q)
					if err != nil {
						t.Fatalf("%s: %v", q, err)
					}
					cols, _ := rows.Columns()
					for rows.Next() {
						vals := make([]any, len(cols))
						ptrs := make([]any, len(cols))
						for i := range vals {
							ptrs[i] = &vals[i]
						}
						if err := rows.Scan(ptrs...); err != nil {
							t.Fatal(err)
						}
						fmt.Fprintln(&b, vals...)
					}
					if err := rows.Err(); err != nil {
						t.Fatal(err)
					}
					rows.Close()
				}
				return b.String()
			}
			want := storetest.NewerSchemaMessage("sqlite", lastMigration(t, c.fsys), c.unknown...)
			storetest.CheckRefusesNewerSchema(t, func() (gatehouse.Store, error) {
				return sqlite.OpenWithMigrations(t.Context(), p, sqlite.Options{}, c.fsys)
			}, state, want)
		})
	}
}
