package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type chats struct{ tx *sqlTx }

const chatCols = `id, user_id, title, created_at, updated_at, size`

func (s chats) CreateChat(ctx context.Context, c *gatehouse.ChatSession) error {
	_, err := s.tx.ExecContext(ctx, `INSERT INTO chat_sessions (`+chatCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, c.UserID, c.Title, ms(c.CreatedAt), ms(c.UpdatedAt), c.Size)
	if err != nil {
		return mapErr(err)
	}
	return s.addUsage(ctx, c.UserID, c.Size)
}

// addUsage adds n (which may be negative) to the account's chat usage.
func (s chats) addUsage(ctx context.Context, userID, n int64) error {
	_, err := s.tx.ExecContext(ctx, `INSERT INTO chat_usage (user_id, size) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET size = chat_usage.size + excluded.size`, userID, n)
	return mapErr(err)
}

func scanChat(row sqlrows.Row) (*gatehouse.ChatSession, error) {
	var c gatehouse.ChatSession
	var created, updated int64
	if err := row.Scan(&c.ID, &c.UserID, &c.Title, &created, &updated, &c.Size); err != nil {
		return nil, mapErr(err)
	}
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return &c, nil
}

func (s chats) FindChatByID(ctx context.Context, id string) (*gatehouse.ChatSession, error) {
	return scanChat(s.tx.QueryRowContext(ctx, `SELECT `+chatCols+` FROM chat_sessions WHERE id = ?`, id))
}

func (s chats) FindChatIDsByUser(ctx context.Context, userID int64) ([]string, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT id FROM chat_sessions WHERE user_id = ? ORDER BY updated_at DESC, created_at DESC, id`, userID)
	return collect(rows, err, sqlrows.ID[string])
}

// placeholders returns "?, ?, ..." for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func (s chats) FindChatsByIDs(ctx context.Context, userID int64, ids []string) ([]*gatehouse.ChatSession, error) {
	if len(ids) == 0 {
		return []*gatehouse.ChatSession{}, nil
	}
	args := []any{userID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := s.tx.QueryContext(ctx, `SELECT `+chatCols+` FROM chat_sessions WHERE user_id = ? AND id IN (`+placeholders(len(ids))+`)`, args...)
	return collect(rows, err, scanChat)
}

const messageCols = `id, session_id, role, body, created_at, size`

func scanMessage(row sqlrows.Row) (*gatehouse.ChatMessage, error) {
	var m gatehouse.ChatMessage
	var role string
	var created int64
	if err := row.Scan(&m.ID, &m.SessionID, &role, &m.Text, &created, &m.Size); err != nil {
		return nil, mapErr(err)
	}
	m.Role, m.CreatedAt = gatehouse.ChatRole(role), fromMS(created)
	return &m, nil
}

func (s chats) FindChatMessages(ctx context.Context, sessionID string) ([]*gatehouse.ChatMessage, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT `+messageCols+` FROM chat_messages WHERE session_id = ? ORDER BY id`, sessionID)
	return collect(rows, err, scanMessage)
}

// FindChatMessagesPage first reads ids and sizes (from the index
// chat_messages_session_size, no body) to find where the page ends, then
// reads the bodies up to there.
func (s chats) FindChatMessagesPage(ctx context.Context, p gatehouse.ChatMessagePage) ([]*gatehouse.ChatMessage, error) {
	if len(p.SessionIDs) == 0 || p.MaxRows <= 0 || p.UpTo <= p.After {
		return []*gatehouse.ChatMessage{}, nil
	}
	in := placeholders(len(p.SessionIDs))
	args := make([]any, 0, len(p.SessionIDs)+3)
	for _, id := range p.SessionIDs {
		args = append(args, id)
	}
	args = append(args, p.After, p.UpTo, p.MaxRows)
	rows, err := s.tx.QueryContext(ctx, `SELECT id, size FROM chat_messages INDEXED BY chat_messages_session_size
		WHERE session_id IN (`+in+`) AND id > ? AND id <= ? ORDER BY id LIMIT ?`, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	last, err := sqlrows.PageEnd(rows, p.MaxSize)
	rows.Close()
	if err != nil || last == 0 {
		return []*gatehouse.ChatMessage{}, mapErr(err)
	}
	args[len(args)-2] = last
	rows, err = s.tx.QueryContext(ctx, `SELECT `+messageCols+` FROM chat_messages
		WHERE session_id IN (`+in+`) AND id > ? AND id <= ? ORDER BY id`, args[:len(args)-1]...)
	return collect(rows, err, scanMessage)
}

func (s chats) LatestChatMessageID(ctx context.Context) (int64, error) {
	var id int64
	err := s.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM chat_messages`).Scan(&id)
	return id, mapErr(err)
}

func (s chats) AppendChatMessages(ctx context.Context, sessionID string, msgs []*gatehouse.ChatMessage, at time.Time) error {
	var size int64
	for _, m := range msgs {
		size += m.Size
	}
	var userID int64
	err := s.tx.QueryRowContext(ctx, `UPDATE chat_sessions SET updated_at = ?, size = size + ? WHERE id = ? RETURNING user_id`,
		ms(at), size, sessionID).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	if err != nil {
		return mapErr(err)
	}
	for _, m := range msgs {
		res, err := s.tx.ExecContext(ctx, `INSERT INTO chat_messages (session_id, role, body, created_at, size) VALUES (?, ?, ?, ?, ?)`,
			sessionID, string(m.Role), m.Text, ms(m.CreatedAt), m.Size)
		if err != nil {
			return mapErr(err)
		}
		if m.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		m.SessionID = sessionID
	}
	return s.addUsage(ctx, userID, size)
}

func (s chats) ChatUsage(ctx context.Context, userID int64) (int64, error) {
	var n int64
	err := s.tx.QueryRowContext(ctx, `SELECT size FROM chat_usage WHERE user_id = ?`, userID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, mapErr(err)
}

func (s chats) DeleteChat(ctx context.Context, userID int64, id string) error {
	var size int64
	err := s.tx.QueryRowContext(ctx, `DELETE FROM chat_sessions WHERE id = ? AND user_id = ? RETURNING size`, id, userID).Scan(&size)
	if errors.Is(err, sql.ErrNoRows) {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	if err != nil {
		return mapErr(err)
	}
	return s.addUsage(ctx, userID, -size)
}
