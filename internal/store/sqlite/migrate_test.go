package sqlite_test

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// migrationsThrough is the embedded migrations up to and including the one
// whose name starts with last (a number such as "0004").
func migrationsThrough(t *testing.T, last string) fs.FS {
	t.Helper()
	names, err := fs.Glob(sqlite.Migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, name := range names {
		if path.Base(name)[:len(last)] > last {
			continue
		}
		b, err := fs.ReadFile(sqlite.Migrations, name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = &fstest.MapFile{Data: b}
	}
	return out
}

// openThrough opens path migrated up to last, and closes it again: the file
// is left at that schema.
func openThrough(t *testing.T, path, last string) {
	t.Helper()
	s, err := sqlite.OpenWithMigrations(t.Context(), path, sqlite.Options{}, migrationsThrough(t, last))
	if err != nil {
		t.Fatalf("open at %s: %v", last, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// seed0004 fills a database at schema 0004 with rows of every table, written
// with SQL as the 0004 code wrote them (ids taken by SQLite), with gaps in the
// ids, NULLs, blobs and non-ASCII text. The newest API key (and a newer
// account's only key) are deleted as core deletes them: the row goes, and the
// revocation log names it. It returns the id of that deleted key.
func seed0004(t *testing.T, db *sql.DB) (deletedKey int64) {
	t.Helper()
	ctx := t.Context()
	exec := func(q string, args ...any) sql.Result {
		t.Helper()
		res, err := db.ExecContext(ctx, q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return res
	}
	at := func(i int) int64 { return t0.UnixMilli() + int64(i)*60_000 }
	for u := 1; u <= 6; u++ {
		exec(`INSERT INTO users (email, email_norm, password_hash, status, is_admin, cac, company_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			fmt.Sprintf("User%d@Example.com", u), fmt.Sprintf("user%d@example.com", u), "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
			[]string{"active", "pending", "disabled"}[u%3], u == 1, u%2, fmt.Sprintf("société-%d", u), at(u), at(u+100))
	}
	var keyIDs []int64
	for u := 1; u <= 5; u++ {
		for k := range 3 {
			var used any
			if k != 1 {
				used = at(200 + u*10 + k)
			}
			res := exec(`INSERT INTO api_keys (user_id, name, hash, hint, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?)`,
				u, fmt.Sprintf("clé %d.%d 🔑", u, k), []byte(fmt.Sprintf("hash-%02d-%d\x00\xff", u, k)), fmt.Sprintf("stai-…%d%d", u, k), at(u*3+k), used)
			id, _ := res.LastInsertId()
			keyIDs = append(keyIDs, id)
		}
	}
	for i, k := range keyIDs[:8] {
		exec(`INSERT INTO access_tokens (hash, user_id, key_id, created_at, expires_at) VALUES (?, (SELECT user_id FROM api_keys WHERE id = ?), ?, ?, ?)`,
			[]byte(fmt.Sprintf("token-%d", i)), k, k, at(i), at(i+1440))
	}
	for i := range 20 {
		exec(`INSERT INTO logins (user_id, at, ip, user_agent, kind, success, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			i%5+1, at(i), fmt.Sprintf("192.0.2.%d", i), "curl/8.5.0 ü", []string{"token", "console"}[i%2], i%3 != 0, []string{"", "bad key"}[i%2])
	}
	for u := 1; u <= 4; u++ {
		for d := range 2 {
			exec(`INSERT INTO datasets (owner_id, name, classification, created_at) VALUES (?, ?, ?, ?)`,
				u, fmt.Sprintf("ds-%d", d), []string{"Unclassified", "CUI"}[d], at(u+d))
		}
	}
	exec(`INSERT INTO dataset_shares (dataset_id, user_id, permission, created_at, updated_at) VALUES (1, 2, 'read', ?, ?), (1, 3, 'edit', ?, ?), (3, 1, 'admin', ?, ?)`,
		at(1), at(2), at(3), at(4), at(5), at(6))
	for c := 1; c <= 4; c++ {
		sid := fmt.Sprintf("0b7e4a52-3c1f-4d6a-9b8e-%012d", c)
		exec(`INSERT INTO chat_sessions (id, user_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`, sid, c%3+1, fmt.Sprintf("chat «%d»", c), at(c), at(c+10))
		for m := range 3 {
			exec(`INSERT INTO chat_messages (session_id, role, body, created_at) VALUES (?, ?, ?, ?)`, sid, []string{"user", "assistant"}[m%2], strings.Repeat("‹message› ", m+1), at(c*10+m))
		}
	}
	for i := range 10 {
		exec(`INSERT INTO prompt_logs (user_id, session_id, at, prompt, completion, model, prompt_tokens, completion_tokens, total_tokens, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			i%4+1, fmt.Sprintf("s-%d", i%3), at(i), "prompt — ü", "completion\n", "llama3.1:8b", 10+i, 20+i, 30+2*i, "2001:db8::7")
	}
	exec(`INSERT INTO apps (id, account_id, display_name, settings, metadata, created_at, updated_at) VALUES
		('5d8cff3cd55b040010928b5b', 1, 'App one', '{"a":1}', NULL, ?, ?),
		('5d8cff3cd55b040010928b5c', 2, 'App two', '{}', '{"k":"v"}', ?, ?)`, at(1), at(2), at(3), at(4))
	exec(`INSERT INTO app_keys (id, app_id, display_name, secret_sealed, created_at) VALUES ('app_5d8cff3cd55b040010928b5d', '5d8cff3cd55b040010928b5b', 'k', X'00010203', ?)`, at(5))
	exec(`INSERT INTO account_keys (id, user_id, name, secret_sealed, created_at) VALUES ('act_5d8cff3cd55b040010928b5e', 1, 'acct', X'0405', ?)`, at(6))
	exec(`INSERT INTO settings (name, value) VALUES ('master_key_fingerprint', X'deadbeef')`)
	exec(`INSERT INTO revocations (kind, subject_id, subject, at) VALUES ('user', 3, '', ?), ('app_key', 0, 'app_5d8cff3cd55b040010928b00', ?)`, at(7), at(8))

	// Gaps: a middle key, a middle login, a middle chat message and prompt
	// log, a dataset (with its share) deleted long ago.
	exec(`DELETE FROM api_keys WHERE id = ?`, keyIDs[4])
	exec(`DELETE FROM logins WHERE id = 7`)
	exec(`DELETE FROM chat_messages WHERE id = 5`)
	exec(`DELETE FROM prompt_logs WHERE id = 3`)
	exec(`DELETE FROM datasets WHERE id = 3`)
	// The newest key, deleted as core does it just before the upgrade: the
	// max id is gone from api_keys, only the revocation log remembers it.
	deletedKey = keyIDs[len(keyIDs)-1]
	exec(`DELETE FROM api_keys WHERE id = ?`, deletedKey)
	exec(`INSERT INTO revocations (kind, subject_id, subject, at) VALUES ('key', ?, '', ?)`, deletedKey, at(9))
	return deletedKey
}

// tableDump is every table's columns, constraints, indexes and rows, in an
// order that does not depend on how the table is stored.
type tableDump struct {
	Columns     []string // PRAGMA table_info, one line per column
	ForeignKeys []string // PRAGMA foreign_key_list
	Indexes     []string // PRAGMA index_list + index_info, by index columns
	Rows        []string // every row, sorted
}

// dumpSchemaAndRows reads every user table except the migrations record
// and sqlite_sequence.
func dumpSchemaAndRows(t *testing.T, db *sql.DB) map[string]tableDump {
	t.Helper()
	ctx := t.Context()
	lines := func(q string) [][]any {
		t.Helper()
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out [][]any
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, vals)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	strs := func(q string) []string {
		var out []string
		for _, r := range lines(q) {
			out = append(out, formatRow(r))
		}
		return out
	}
	dump := map[string]tableDump{}
	for _, r := range lines(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('migrations', 'sqlite_sequence') ORDER BY name`) {
		name := fmt.Sprint(r[0])
		d := tableDump{
			Columns:     strs(fmt.Sprintf("PRAGMA table_info(%q)", name)),
			ForeignKeys: strs(fmt.Sprintf("PRAGMA foreign_key_list(%q)", name)),
			Rows:        strs(fmt.Sprintf("SELECT * FROM %q", name)),
		}
		// Indexes by what they index, not by name: a UNIQUE constraint's
		// automatic index is named after the table it was created with.
		for _, ix := range lines(fmt.Sprintf("PRAGMA index_list(%q)", name)) {
			// seq, name, unique, origin, partial
			cols := strs(fmt.Sprintf("PRAGMA index_info(%q)", fmt.Sprint(ix[1])))
			label := fmt.Sprint(ix[1])
			if strings.HasPrefix(label, "sqlite_autoindex_") {
				label = "(automatic)"
			}
			d.Indexes = append(d.Indexes, fmt.Sprintf("%s unique=%v origin=%v partial=%v %v", label, ix[2], ix[3], ix[4], cols))
		}
		slices.Sort(d.Rows)
		slices.Sort(d.Indexes)
		dump[name] = d
	}
	return dump
}

// formatRow writes a row's values with their types: 1, "1" and x'31' differ.
func formatRow(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		switch v := v.(type) {
		case nil:
			parts[i] = "NULL"
		case []byte:
			parts[i] = fmt.Sprintf("x'%x'", v)
		case string:
			parts[i] = fmt.Sprintf("%q", v)
		default:
			parts[i] = fmt.Sprintf("%T(%v)", v, v)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// TestMigration0005KeepsDataAndNeverReusesIDs upgrades a database with rows
// in every table from schema 0004: every table, column, constraint, index and
// row survives unchanged, the foreign keys still hold and still cascade, and
// the next id of every kind is above every id used before, including the
// newest key deleted just before the upgrade (which only the revocation log
// remembers).
func TestMigration0005KeepsDataAndNeverReusesIDs(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	openThrough(t, path, "0004")
	db := rawDB(t, "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
	deletedKey := seed0004(t, db)
	before := dumpSchemaAndRows(t, db)
	var maxBefore = map[string]int64{}
	for _, table := range []string{"users", "api_keys", "logins", "datasets", "chat_messages", "prompt_logs"} {
		var m int64
		if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT MAX(id) FROM %s", table)).Scan(&m); err != nil {
			t.Fatal(err)
		}
		maxBefore[table] = m
	}
	if maxBefore["api_keys"] >= deletedKey {
		t.Fatalf("seed: api_keys max %d, want the deleted key %d to have been the newest", maxBefore["api_keys"], deletedKey)
	}

	openThrough(t, path, "0005")

	after := dumpSchemaAndRows(t, db)
	diffDumps(t, before, after)
	var integrity string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Errorf("integrity_check = %q, %v; want ok", integrity, err)
	}
	rows, err := db.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Errorf("foreign_key_check reports violations after the migration")
	}
	rows.Close()
	for table := range maxBefore {
		var sqlText string
		if err := db.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&sqlText); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(sqlText, "AUTOINCREMENT") {
			t.Errorf("%s is not AUTOINCREMENT after the migration: %s", table, sqlText)
		}
	}

	// The current code on the upgraded file: new ids are above every id
	// used before, the deleted key's included.
	s := openStore(t, path, sqlite.Options{})
	u := createUser(t, s, "new@example.com")
	if u.ID <= maxBefore["users"] {
		t.Errorf("new user id %d, want above %d", u.ID, maxBefore["users"])
	}
	k := &gatehouse.APIKey{UserID: 5, Name: "after upgrade", Hint: "h", CreatedAt: t0}
	k.Hash[0] = 0xaa
	l := &gatehouse.Login{UserID: 1, At: t0, IP: "192.0.2.1", Kind: gatehouse.LoginToken, Success: true}
	d := &gatehouse.Dataset{OwnerID: 1, Name: "after", Classification: gatehouse.Unclassified, CreatedAt: t0}
	msgs := []*gatehouse.ChatMessage{{SessionID: "0b7e4a52-3c1f-4d6a-9b8e-000000000001", Role: gatehouse.RoleUser, Text: "again", CreatedAt: t0}}
	pl := &gatehouse.PromptLog{UserID: 1, SessionID: "s", At: t0, Prompt: "p", Completion: "c", Model: "m", IP: "192.0.2.1"}
	err = s.Update(ctx, func(tx gatehouse.Tx) error {
		return errors.Join(
			tx.Keys().CreateKey(ctx, k),
			tx.Logins().CreateLogin(ctx, l),
			tx.Datasets().CreateDataset(ctx, d),
			tx.Chats().AppendChatMessages(ctx, msgs[0].SessionID, msgs, t0),
			tx.PromptLogs().CreatePromptLog(ctx, pl),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	if k.ID <= deletedKey {
		t.Errorf("new key id %d, want above %d, the key deleted before the upgrade (a retried DELETE of it would delete the new key)", k.ID, deletedKey)
	}
	for table, id := range map[string]int64{"logins": l.ID, "datasets": d.ID, "chat_messages": msgs[0].ID, "prompt_logs": pl.ID} {
		if id <= maxBefore[table] {
			t.Errorf("new %s id %d, want above %d", table, id, maxBefore[table])
		}
	}

	// The foreign keys were rebuilt, not just kept as text: deletions still
	// cascade to the children of the rebuilt tables.
	var keyWithToken int64
	if err := db.QueryRowContext(ctx, "SELECT key_id FROM access_tokens ORDER BY key_id LIMIT 1").Scan(&keyWithToken); err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx gatehouse.Tx) error {
		return errors.Join(
			tx.Keys().DeleteKey(ctx, 1, keyWithToken),
			tx.Datasets().DeleteDataset(ctx, 1),
			tx.Chats().DeleteChat(ctx, 2, "0b7e4a52-3c1f-4d6a-9b8e-000000000001"),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{
		fmt.Sprintf("SELECT COUNT(*) FROM access_tokens WHERE key_id = %d", keyWithToken):              0,
		"SELECT COUNT(*) FROM dataset_shares WHERE dataset_id = 1":                                     0,
		"SELECT COUNT(*) FROM chat_messages WHERE session_id = '0b7e4a52-3c1f-4d6a-9b8e-000000000001'": 0,
		"SELECT COUNT(*) FROM chat_messages WHERE session_id = '0b7e4a52-3c1f-4d6a-9b8e-000000000003'": 3,
		fmt.Sprintf("SELECT COUNT(*) FROM access_tokens WHERE key_id <> %d", keyWithToken):             6,
	} {
		var n int
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
}

// diffDumps reports every table, column, foreign key, index and row that is
// in one dump and not the other.
func diffDumps(t *testing.T, before, after map[string]tableDump) {
	t.Helper()
	for name := range before {
		if _, ok := after[name]; !ok {
			t.Errorf("table %s gone after the migration", name)
		}
	}
	for name, a := range after {
		b, ok := before[name]
		if !ok {
			t.Errorf("table %s new after the migration", name)
			continue
		}
		for _, part := range []struct {
			what          string
			before, after []string
		}{
			{"columns", b.Columns, a.Columns},
			{"foreign keys", b.ForeignKeys, a.ForeignKeys},
			{"indexes", b.Indexes, a.Indexes},
			{"rows", b.Rows, a.Rows},
		} {
			if slices.Equal(part.before, part.after) {
				continue
			}
			for _, x := range part.before {
				if !slices.Contains(part.after, x) {
					t.Errorf("%s %s: lost %s", name, part.what, x)
				}
			}
			for _, x := range part.after {
				if !slices.Contains(part.before, x) {
					t.Errorf("%s %s: gained %s", name, part.what, x)
				}
			}
			if len(part.before) != len(part.after) {
				t.Errorf("%s %s: %d before, %d after", name, part.what, len(part.before), len(part.after))
			}
		}
	}
	if len(before) < 14 {
		t.Errorf("only %d tables dumped; the seed should cover every table of schema 0004", len(before))
	}
	for name, d := range before {
		if len(d.Rows) == 0 {
			t.Errorf("seed left table %s empty", name)
		}
	}
}
