package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// The runner's foreign-keys-off mode, on migrations made for the test: a
// parent table (p) with a child (c) whose rows cascade on delete.

const (
	runnerBase = `CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER NOT NULL REFERENCES p (id) ON DELETE CASCADE);
INSERT INTO p (id) VALUES (1), (2);
INSERT INTO c (id, p_id) VALUES (10, 1), (20, 2);`
	// rebuildP rebuilds the parent the twelve-step way.
	rebuildP = `CREATE TABLE p_new (id INTEGER PRIMARY KEY AUTOINCREMENT);
INSERT INTO p_new (id) SELECT id FROM p;
DROP TABLE p;
ALTER TABLE p_new RENAME TO p;`
)

func runnerFS(files ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i, body := range files {
		fsys[fmt.Sprintf("migrations/%04d_test.sql", i+1)] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

// openRunner opens a store at the base schema, closed when t ends.
func openRunner(t *testing.T) *Store {
	t.Helper()
	s, err := open(t.Context(), filepath.Join(t.TempDir(), "g.db"), Options{}, runnerFS(runnerBase))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// count runs a COUNT(*) query on the writer connection.
func count(t *testing.T, s *Store, q string) int {
	t.Helper()
	var n int
	if err := s.w.QueryRowContext(t.Context(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// wantForeignKeysOn checks the writer connection enforces foreign keys
// after a migration, by pragma and by behaviour.
func wantForeignKeysOn(t *testing.T, s *Store) {
	t.Helper()
	if fk := count(t, s, `SELECT foreign_keys FROM pragma_foreign_keys`); fk != 1 {
		t.Errorf("foreign_keys = %d on the writer after the migration, want 1", fk)
	}
	if _, err := s.w.ExecContext(t.Context(), `INSERT INTO c (id, p_id) VALUES (99, 999)`); err == nil {
		t.Errorf("an orphan row was accepted after the migration: foreign keys are off")
	}
}

func TestMigrationForeignKeysOff(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		body      string
		wantErr   string // "" when the migration must apply
		wantC     int    // child rows afterwards
		wantPAuto bool   // p rebuilt with AUTOINCREMENT
	}{
		{
			name:      "rebuild keeps the children",
			body:      foreignKeysOff + "\n" + rebuildP,
			wantC:     2,
			wantPAuto: true,
		},
		{
			name: "directive with trailing space and CRLF",
			body: foreignKeysOff + " \r\n" + rebuildP, wantC: 2, wantPAuto: true,
		},
		{
			// The same rebuild as a plain migration: DROP TABLE p
			// cascades, which is what the directive is for.
			name:  "plain migration runs with foreign keys on",
			body:  rebuildP,
			wantC: 0, wantPAuto: true,
		},
		{
			name:    "orphans left behind roll the migration back",
			body:    foreignKeysOff + "\n" + rebuildP + "\nDELETE FROM p WHERE id = 2;",
			wantErr: "foreign_key_check found 1 row(s)",
			wantC:   2,
		},
		{
			name:    "a failing statement rolls back",
			body:    foreignKeysOff + "\n" + rebuildP + "\nINSERT INTO nowhere VALUES (1);",
			wantErr: "no such table",
			wantC:   2,
		},
		{
			name:    "unknown directive refused before anything runs",
			body:    "-- gatehouse:foreign_key=off\n" + rebuildP,
			wantErr: "unknown directive",
			wantC:   2,
		},
		{
			name:    "directive not on the first line refused",
			body:    "-- rebuild\n" + foreignKeysOff + "\n" + rebuildP,
			wantErr: "directives go on the first line",
			wantC:   2,
		},
		{
			name:    "misspelt directive further down refused",
			body:    foreignKeysOff + "\n" + rebuildP + "\n  -- gatehouse:foreign_keys=of\n",
			wantErr: "directives go on the first line",
			wantC:   2,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := openRunner(t)
			s.migrations = runnerFS(runnerBase, tc.body)
			applied, err := s.Migrate(t.Context())
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Migrate: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Migrate = %v, %v; want an error containing %q", applied, err, tc.wantErr)
			}
			recorded := count(t, s, `SELECT COUNT(*) FROM migrations WHERE name = '0002_test.sql'`)
			if want := map[bool]int{true: 1, false: 0}[tc.wantErr == ""]; recorded != want {
				t.Errorf("0002 recorded %d times, want %d", recorded, want)
			}
			if got := count(t, s, `SELECT COUNT(*) FROM c`); got != tc.wantC {
				t.Errorf("child rows = %d, want %d", got, tc.wantC)
			}
			if got := count(t, s, `SELECT COUNT(*) FROM p`); got != 2 {
				t.Errorf("parent rows = %d, want 2 (rolled back or copied)", got)
			}
			auto := count(t, s, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'p' AND sql LIKE '%AUTOINCREMENT%'`) == 1
			if auto != tc.wantPAuto {
				t.Errorf("p rebuilt = %v, want %v", auto, tc.wantPAuto)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'p_new'`); n != 0 {
				t.Errorf("p_new left behind")
			}
			wantForeignKeysOn(t, s)
			// Applying again does nothing (and still leaves them on).
			if applied, err := s.Migrate(t.Context()); tc.wantErr == "" && (err != nil || len(applied) != 0) {
				t.Errorf("second Migrate = %v, %v; want nothing to apply", applied, err)
			}
			wantForeignKeysOn(t, s)
		})
	}
}

// TestMigrationRefusesNewerSchemaMidway: a newer gatehouse that records
// its own migration while this one is applying (here: the first file does
// it, between the check Open makes first and the next file) stops this
// one before its next file, which is checked again under the write lock,
// so nothing of this build's is applied on top of the newer schema.
func TestMigrationRefusesNewerSchemaMidway(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "g.db")
	fsys := runnerFS(
		`CREATE TABLE a (id INTEGER PRIMARY KEY);
INSERT INTO migrations (name, applied_at) VALUES ('9999_from_the_future.sql', 1);`,
		`CREATE TABLE b (id INTEGER PRIMARY KEY);`)
	s, err := open(t.Context(), p, Options{}, fsys)
	want := "sqlite: this database was migrated by a newer gatehouse (9999_from_the_future.sql is not known to this build, which knows up to 0002_test.sql); run that version or newer"
	if err == nil || err.Error() != want {
		if s != nil {
			s.Close()
		}
		t.Fatalf("open: %v, want %q", err, want)
	}
	s, err = open(t.Context(), p, Options{}, runnerFS(runnerBase)) // any migrations: only the record is read
	if err == nil {
		s.Close()
		t.Fatal("second open succeeded")
	}
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	rows, err := db.QueryContext(t.Context(), `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	if got := strings.Join(tables, " "); got != "a migrations" {
		t.Errorf("tables %q, want %q: the second file must not have run", got, "a migrations")
	}
}
