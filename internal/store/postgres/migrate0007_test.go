package postgres_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
)

// legacyTexts are chat texts as a store before migration 0007 may hold
// them: every kind of character JSON escapes (PostgreSQL text holds no
// NUL), multi-byte ones, nothing.
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
	dsn, conn, exec := schemaBefore(t, "0007")
	var users [2]int64
	for i := range users {
		email := fmt.Sprintf("u%d@example.com", i)
		if err := conn.QueryRow(t.Context(), `INSERT INTO users (email, email_norm, password_hash, status, created_at, updated_at) VALUES ($1, $1, 'x', 'active', now(), now()) RETURNING id`, email).Scan(&users[i]); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int64{}
	var usage int64
	for i, title := range legacyTexts {
		sid := fmt.Sprint("s", i)
		exec(`INSERT INTO chat_sessions (id, user_id, title, created_at, updated_at) VALUES ($1, $2, $3, now(), now())`, sid, users[0], title)
		want[sid] = jsonSize(title) + 256
		for _, body := range legacyTexts[i:] {
			exec(`INSERT INTO chat_messages (session_id, role, body, created_at) VALUES ($1, 'user', $2, now())`, sid, body)
			want[sid] += jsonSize(body) + 128
		}
		usage += want[sid]
	}
	exec(`INSERT INTO chat_sessions (id, user_id, title, created_at, updated_at) VALUES ('other', $1, 't', now(), now())`, users[1])

	s, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 2})
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
		for user, want := range map[int64]int64{users[0]: usage, users[1]: jsonSize("t") + 256, users[1] + 100: 0} {
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
