package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/gatehouse/gatehouse"
)

type chats struct{ tx *sql.Tx }

func (s chats) CreateChat(ctx context.Context, c *gatehouse.ChatSession) error {
	_, err := s.tx.ExecContext(ctx, `INSERT INTO chat_sessions (id, user_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		c.ID, c.UserID, c.Title, ms(c.CreatedAt), ms(c.UpdatedAt))
	return mapErr(err)
}

func scanChat(row interface{ Scan(...any) error }) (*gatehouse.ChatSession, error) {
	var c gatehouse.ChatSession
	var created, updated int64
	if err := row.Scan(&c.ID, &c.UserID, &c.Title, &created, &updated); err != nil {
		return nil, mapErr(err)
	}
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return &c, nil
}

func (s chats) FindChatByID(ctx context.Context, id string) (*gatehouse.ChatSession, error) {
	return scanChat(s.tx.QueryRowContext(ctx, `SELECT id, user_id, title, created_at, updated_at FROM chat_sessions WHERE id = ?`, id))
}

func (s chats) FindChatsByUser(ctx context.Context, userID int64) ([]*gatehouse.ChatSession, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT id, user_id, title, created_at, updated_at FROM chat_sessions WHERE user_id = ? ORDER BY updated_at DESC, created_at DESC, id`, userID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*gatehouse.ChatSession{}
	for rows.Next() {
		c, err := scanChat(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

func scanMessages(rows *sql.Rows) ([]*gatehouse.ChatMessage, error) {
	defer rows.Close()
	out := []*gatehouse.ChatMessage{}
	for rows.Next() {
		var m gatehouse.ChatMessage
		var role string
		var created int64
		if err := rows.Scan(&m.ID, &m.SessionID, &role, &m.Text, &created); err != nil {
			return nil, mapErr(err)
		}
		m.Role, m.CreatedAt = gatehouse.ChatRole(role), fromMS(created)
		out = append(out, &m)
	}
	return out, mapErr(rows.Err())
}

func (s chats) FindChatMessagesByUser(ctx context.Context, userID int64) (map[string][]*gatehouse.ChatMessage, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT m.id, m.session_id, m.role, m.body, m.created_at
		FROM chat_messages m JOIN chat_sessions c ON c.id = m.session_id WHERE c.user_id = ? ORDER BY m.id`, userID)
	if err != nil {
		return nil, mapErr(err)
	}
	msgs, err := scanMessages(rows)
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
	rows, err := s.tx.QueryContext(ctx, `SELECT id, session_id, role, body, created_at FROM chat_messages WHERE session_id = ? ORDER BY id`, sessionID)
	if err != nil {
		return nil, mapErr(err)
	}
	return scanMessages(rows)
}

func (s chats) AppendChatMessages(ctx context.Context, sessionID string, msgs []*gatehouse.ChatMessage, at time.Time) error {
	res, err := s.tx.ExecContext(ctx, `UPDATE chat_sessions SET updated_at = ? WHERE id = ?`, ms(at), sessionID)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gatehouse.Errorf(gatehouse.ENOTFOUND, "Chat session not found.")
	}
	for _, m := range msgs {
		res, err := s.tx.ExecContext(ctx, `INSERT INTO chat_messages (session_id, role, body, created_at) VALUES (?, ?, ?, ?)`,
			sessionID, string(m.Role), m.Text, ms(m.CreatedAt))
		if err != nil {
			return mapErr(err)
		}
		if m.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		m.SessionID = sessionID
	}
	return nil
}

func (s chats) DeleteChat(ctx context.Context, userID int64, id string) error {
	res, err := s.tx.ExecContext(ctx, `DELETE FROM chat_sessions WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gatehouse.Errorf(gatehouse.ENOTFOUND, "Chat session not found.")
	}
	return nil
}
