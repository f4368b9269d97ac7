package sqlite_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// TestStoreIDs runs the id contract (no id is ever handed out twice) on
// SQLite files, reopened by closing and opening the file again.
func TestStoreIDs(t *testing.T) {
	t.Parallel()
	storetest.RunIDs(t, func(t *testing.T) storetest.Database {
		path := filepath.Join(t.TempDir(), "gatehouse.db")
		return storetest.Database{
			Store:  openStore(t, path, sqlite.Options{}),
			Reopen: func(t *testing.T) gatehouse.Store { return openStore(t, path, sqlite.Options{}) },
			Exec:   func(t *testing.T, query string) { execSQL(t, path, query) },
		}
	})
}

// execSQL runs one statement on the file from a connection of its own, with
// foreign keys enforced as the store enforces them.
func execSQL(t *testing.T, path, query string) {
	t.Helper()
	db := rawDB(t, "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// internalIntegerKeys lists tables whose INTEGER PRIMARY KEY no client ever
// sees, and so may be reused. A table added here needs a reason.
var internalIntegerKeys = map[string]string{
	"chat_usage": "keyed by the account id it counts for (a users.id, never generated here); no client sees a chat_usage id",
}

// TestSchemaIntegerKeysAutoincrement guards the class of defect, not just
// today's tables: in the fully migrated schema, every table whose integer
// primary key is the rowid (and so, without AUTOINCREMENT, is handed out
// again after the newest row is deleted) is AUTOINCREMENT.
func TestSchemaIntegerKeysAutoincrement(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	openStore(t, path, sqlite.Options{})
	db := rawDB(t, path)
	rows, err := db.QueryContext(t.Context(), `SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]string{}
	for rows.Next() {
		var name, sqlText string
		if err := rows.Scan(&name, &sqlText); err != nil {
			t.Fatal(err)
		}
		tables[name] = sqlText
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	checked := 0
	for name, sqlText := range tables {
		upper := strings.ToUpper(sqlText)
		if strings.Contains(upper, "WITHOUT ROWID") {
			continue
		}
		// A rowid alias: exactly one primary key column, declared INTEGER.
		var pkCols int
		var pkType string
		if err := db.QueryRowContext(t.Context(), `SELECT COUNT(*), MAX(type) FROM pragma_table_info(?) WHERE pk > 0`, name).Scan(&pkCols, &pkType); err != nil {
			t.Fatal(err)
		}
		if pkCols != 1 || !strings.EqualFold(pkType, "INTEGER") {
			continue
		}
		checked++
		if _, ok := internalIntegerKeys[name]; ok {
			continue
		}
		if !strings.Contains(upper, "AUTOINCREMENT") {
			t.Errorf("table %s has an INTEGER PRIMARY KEY without AUTOINCREMENT: SQLite hands its ids out again after the newest row is deleted\n%s", name, sqlText)
		}
	}
	if checked < 7 {
		t.Errorf("checked %d tables with integer keys, want at least 7 (users, api_keys, logins, datasets, chat_messages, prompt_logs, revocations)", checked)
	}
}

// TestBackupKeepsIDs: a backup carries the record of the highest ids used
// (sqlite_sequence), so a server started on it does not hand out again the
// id of a key deleted before the backup was taken.
func TestBackupKeepsIDs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openStore(t, filepath.Join(dir, "gatehouse.db"), sqlite.Options{})
	u := createUser(t, s, "a@example.com")
	k := &gatehouse.APIKey{UserID: u.ID, Name: "deleted", Hint: "h", CreatedAt: t0}
	k.Hash[0] = 1
	err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
		if err := tx.Keys().CreateKey(t.Context(), k); err != nil {
			return err
		}
		return tx.Keys().DeleteKey(t.Context(), u.ID, k.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := s.Backup(t.Context(), backup); err != nil {
		t.Fatal(err)
	}
	b := openStore(t, backup, sqlite.Options{})
	next := &gatehouse.APIKey{UserID: u.ID, Name: "next", Hint: "h", CreatedAt: t0}
	next.Hash[0] = 2
	if err := b.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Keys().CreateKey(t.Context(), next) }); err != nil {
		t.Fatal(err)
	}
	if next.ID <= k.ID {
		t.Errorf("key id %d on the restored backup, want above %d, deleted before the backup", next.ID, k.ID)
	}
}
