package sqlite_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// legacyTexts are chat texts as a store before migration 0007 may hold
// them: every kind of character JSON escapes, multi-byte ones, nothing.
var legacyTexts = []string{"", "plain", `say "hi" \ bye`, "\x01\x1f\b\f\n\r\t", "\u2028 and \u2029", "é‹🙂<>&", strings.Repeat("\"\x02é", 1000)}

// jsonSize is the size core gives a text: its length as a JSON string.
func jsonSize(s string) int64 {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return int64(b.Len() - 3)
}

// TestMigration0007SizesExistingChats: a database made before the chat
// quotas gets each message, session and account sized as core sizes new
// ones (text as JSON, plus 128 per message and 256 per session).
func TestMigration0007SizesExistingChats(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "g.db")
	openThrough(t, path, "0006")
	db := rawDB(t, path)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(t.Context(), q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	for id := 1; id <= 2; id++ {
		exec(`INSERT INTO users (id, email, email_norm, password_hash, status, created_at, updated_at) VALUES (?, ?, ?, 'x', 'active', 0, 0)`,
			id, "u"+string(rune('0'+id))+"@example.com", "u"+string(rune('0'+id))+"@example.com")
	}
	want := map[string]int64{}
	var usage int64
	for i, title := range legacyTexts {
		sid := "s" + string(rune('a'+i))
		exec(`INSERT INTO chat_sessions (id, user_id, title, created_at, updated_at) VALUES (?, 1, ?, 0, 0)`, sid, title)
		want[sid] = jsonSize(title) + 256
		for _, body := range legacyTexts[i:] {
			exec(`INSERT INTO chat_messages (session_id, role, body, created_at) VALUES (?, 'user', ?, 0)`, sid, body)
			want[sid] += jsonSize(body) + 128
		}
		usage += want[sid]
	}
	exec(`INSERT INTO chat_sessions (id, user_id, title, created_at, updated_at) VALUES ('other', 2, 't', 0, 0)`)
	db.Close()

	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(t.Context(), func(tx gatehouse.Tx) error {
		for sid, size := range want {
			c, err := tx.Chats().FindChatByID(t.Context(), sid)
			if err != nil {
				return err
			}
			if c.Size != size {
				t.Errorf("session %s (title %q): Size %d, want %d", sid, c.Title, c.Size, size)
			}
			ms, err := tx.Chats().FindChatMessages(t.Context(), sid)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if m.Size != jsonSize(m.Text)+128 {
					t.Errorf("message %q: Size %d, want %d", m.Text, m.Size, jsonSize(m.Text)+128)
				}
			}
		}
		for user, want := range map[int64]int64{1: usage, 2: jsonSize("t") + 256, 3: 0} {
			if got, err := tx.Chats().ChatUsage(t.Context(), user); err != nil || got != want {
				t.Errorf("ChatUsage(%d) = %d, %v; want %d", user, got, err, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
