package postgres

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/jackc/pgx/v5"
)

type chats struct{ tx pgx.Tx }

const chatCols = `id, user_id, title, created_at, updated_at`

func (s chats) CreateChat(ctx context.Context, c *gatehouse.ChatSession) error {
	_, err := s.tx.Exec(ctx, `INSERT INTO chat_sessions (`+chatCols+`) VALUES ($1, $2, $3, $4, $5)`,
		c.ID, c.UserID, c.Title, ts(c.CreatedAt), ts(c.UpdatedAt))
	return mapErr(err)
}

func scanChat(row scanner) (*gatehouse.ChatSession, error) {
	var c gatehouse.ChatSession
	var created, updated time.Time
	if err := row.Scan(&c.ID, &c.UserID, &c.Title, &created, &updated); err != nil {
		return nil, mapErr(err)
	}
	c.CreatedAt, c.UpdatedAt = created.UTC(), updated.UTC()
	return &c, nil
}

func (s chats) FindChatByID(ctx context.Context, id string) (*gatehouse.ChatSession, error) {
	return scanChat(s.tx.QueryRow(ctx, `SELECT `+chatCols+` FROM chat_sessions WHERE id = $1`, id))
}

func (s chats) FindChatsByUser(ctx context.Context, userID int64) ([]*gatehouse.ChatSession, error) {
	rows, err := s.tx.Query(ctx, `SELECT `+chatCols+` FROM chat_sessions WHERE user_id = $1 ORDER BY updated_at DESC, created_at DESC, id`, userID)
	return collect(rows, err, scanChat)
}

func scanMessage(row scanner) (*gatehouse.ChatMessage, error) {
	var m gatehouse.ChatMessage
	var role string
	var created time.Time
	if err := row.Scan(&m.ID, &m.SessionID, &role, &m.Text, &created); err != nil {
		return nil, mapErr(err)
	}
	m.Role, m.CreatedAt = gatehouse.ChatRole(role), created.UTC()
	return &m, nil
}

func (s chats) FindChatMessagesByUser(ctx context.Context, userID int64) (map[string][]*gatehouse.ChatMessage, error) {
	rows, err := s.tx.Query(ctx, `SELECT m.id, m.session_id, m.role, m.body, m.created_at
		FROM chat_messages m JOIN chat_sessions c ON c.id = m.session_id WHERE c.user_id = $1 ORDER BY m.id`, userID)
	msgs, err := collect(rows, err, scanMessage)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]*gatehouse.ChatMessage)
	for _, m := range msgs {
		out[m.SessionID] = append(out[m.SessionID], m)
	}
	return out, nil
}

func (s chats) FindChatMessages(ctx context.Context, sessionID string) ([]*gatehouse.ChatMessage, error) {
	rows, err := s.tx.Query(ctx, `SELECT id, session_id, role, body, created_at FROM chat_messages WHERE session_id = $1 ORDER BY id`, sessionID)
	return collect(rows, err, scanMessage)
}

func (s chats) AppendChatMessages(ctx context.Context, sessionID string, msgs []*gatehouse.ChatMessage, at time.Time) error {
	tag, err := s.tx.Exec(ctx, `UPDATE chat_sessions SET updated_at = $1 WHERE id = $2`, ts(at), sessionID)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return gatehouse.Errorf(gatehouse.ENOTFOUND, "Chat session not found.")
	}
	if len(msgs) == 0 {
		return nil
	}
	// One round trip for all the messages. A batch runs its statements in
	// order, so the ids (which order a session's messages) follow msgs.
	var b pgx.Batch
	for _, m := range msgs {
		b.Queue(`INSERT INTO chat_messages (session_id, role, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			sessionID, string(m.Role), m.Text, ts(m.CreatedAt))
	}
	br := s.tx.SendBatch(ctx, &b)
	for _, m := range msgs {
		if err := br.QueryRow().Scan(&m.ID); err != nil {
			br.Close()
			return mapErr(err)
		}
		m.SessionID = sessionID
	}
	return mapErr(br.Close())
}

func (s chats) DeleteChat(ctx context.Context, userID int64, id string) error {
	// Its messages go with it (ON DELETE CASCADE).
	tag, err := s.tx.Exec(ctx, `DELETE FROM chat_sessions WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return gatehouse.Errorf(gatehouse.ENOTFOUND, "Chat session not found.")
	}
	return nil
}
