package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
	"github.com/jackc/pgx/v5"
)

type chats struct{ tx querier }

const chatCols = `id, user_id, title, created_at, updated_at, size`

func (s chats) CreateChat(ctx context.Context, c *gatehouse.ChatSession) error {
	_, err := s.tx.Exec(ctx, `INSERT INTO chat_sessions (`+chatCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.ID, c.UserID, c.Title, ts(c.CreatedAt), ts(c.UpdatedAt), c.Size)
	if err != nil {
		return mapErr(err)
	}
	return s.addUsage(ctx, c.UserID, c.Size)
}

// addUsage adds n (which may be negative) to the account's chat usage.
func (s chats) addUsage(ctx context.Context, userID, n int64) error {
	_, err := s.tx.Exec(ctx, `INSERT INTO chat_usage (user_id, size) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET size = chat_usage.size + excluded.size`, userID, n)
	return mapErr(err)
}

func scanChat(row sqlrows.Row) (*gatehouse.ChatSession, error) {
	var c gatehouse.ChatSession
	var created, updated time.Time
	if err := row.Scan(&c.ID, &c.UserID, &c.Title, &created, &updated, &c.Size); err != nil {
		return nil, mapErr(err)
	}
	c.CreatedAt, c.UpdatedAt = created.UTC(), updated.UTC()
	return &c, nil
}

func (s chats) FindChatByID(ctx context.Context, id string) (*gatehouse.ChatSession, error) {
	return scanChat(s.tx.QueryRow(ctx, `SELECT `+chatCols+` FROM chat_sessions WHERE id = $1`, id))
}

func (s chats) FindChatIDsByUser(ctx context.Context, userID int64) ([]string, error) {
	rows, err := s.tx.Query(ctx, `SELECT id FROM chat_sessions WHERE user_id = $1 ORDER BY updated_at DESC, created_at DESC, id`, userID)
	return collect(rows, err, sqlrows.ID[string])
}

func (s chats) FindChatsByIDs(ctx context.Context, userID int64, ids []string) ([]*gatehouse.ChatSession, error) {
	if len(ids) == 0 {
		return []*gatehouse.ChatSession{}, nil
	}
	rows, err := s.tx.Query(ctx, `SELECT `+chatCols+` FROM chat_sessions WHERE user_id = $1 AND id = ANY($2)`, userID, ids)
	return collect(rows, err, scanChat)
}

const messageCols = `id, session_id, role, body, created_at, size`

func scanMessage(row sqlrows.Row) (*gatehouse.ChatMessage, error) {
	var m gatehouse.ChatMessage
	var role string
	var created time.Time
	if err := row.Scan(&m.ID, &m.SessionID, &role, &m.Text, &created, &m.Size); err != nil {
		return nil, mapErr(err)
	}
	m.Role, m.CreatedAt = gatehouse.ChatRole(role), created.UTC()
	return &m, nil
}

func (s chats) FindChatMessages(ctx context.Context, sessionID string) ([]*gatehouse.ChatMessage, error) {
	rows, err := s.tx.Query(ctx, `SELECT `+messageCols+` FROM chat_messages WHERE session_id = $1 ORDER BY id`, sessionID)
	return collect(rows, err, scanMessage)
}

// FindChatMessagesPage first reads ids and sizes (no body) to find where
// the page ends, then reads the bodies up to there.
func (s chats) FindChatMessagesPage(ctx context.Context, p gatehouse.ChatMessagePage) ([]*gatehouse.ChatMessage, error) {
	if len(p.SessionIDs) == 0 || p.MaxRows <= 0 || p.UpTo <= p.After {
		return []*gatehouse.ChatMessage{}, nil
	}
	rows, err := s.tx.Query(ctx, `SELECT id, size FROM chat_messages
		WHERE session_id = ANY($1) AND id > $2 AND id <= $3 ORDER BY id LIMIT $4`, p.SessionIDs, p.After, p.UpTo, p.MaxRows)
	if err != nil {
		return nil, mapErr(err)
	}
	last, err := sqlrows.PageEnd(rows, p.MaxSize)
	rows.Close()
	if err == nil {
		err = rows.Err() // pgx reports some errors only once the rows are closed
	}
	if err != nil || last == 0 {
		return []*gatehouse.ChatMessage{}, mapErr(err)
	}
	rows, err = s.tx.Query(ctx, `SELECT `+messageCols+` FROM chat_messages
		WHERE session_id = ANY($1) AND id > $2 AND id <= $3 ORDER BY id`, p.SessionIDs, p.After, last)
	return collect(rows, err, scanMessage)
}

func (s chats) LatestChatMessageID(ctx context.Context) (int64, error) {
	var id int64
	err := s.tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM chat_messages`).Scan(&id)
	return id, mapErr(err)
}

func (s chats) AppendChatMessages(ctx context.Context, sessionID string, msgs []*gatehouse.ChatMessage, at time.Time) error {
	var size int64
	for _, m := range msgs {
		size += m.Size
	}
	var userID int64
	err := s.tx.QueryRow(ctx, `UPDATE chat_sessions SET updated_at = $1, size = size + $2 WHERE id = $3 RETURNING user_id`,
		ts(at), size, sessionID).Scan(&userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	if err != nil {
		return mapErr(err)
	}
	if len(msgs) > 0 {
		// One round trip for all the messages. A batch runs its statements
		// in order, so the ids (which order a session's messages) follow msgs.
		var b pgx.Batch
		for _, m := range msgs {
			b.Queue(`INSERT INTO chat_messages (session_id, role, body, created_at, size) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
				sessionID, string(m.Role), m.Text, ts(m.CreatedAt), m.Size)
		}
		br := s.tx.SendBatch(ctx, &b)
		for _, m := range msgs {
			if err := br.QueryRow().Scan(&m.ID); err != nil {
				br.Close()
				return mapErr(err)
			}
			m.SessionID = sessionID
		}
		if err := br.Close(); err != nil {
			return mapErr(err)
		}
	}
	return s.addUsage(ctx, userID, size)
}

func (s chats) ChatUsage(ctx context.Context, userID int64) (int64, error) {
	var n int64
	err := s.tx.QueryRow(ctx, `SELECT size FROM chat_usage WHERE user_id = $1`, userID).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return n, mapErr(err)
}

func (s chats) DeleteChat(ctx context.Context, userID int64, id string) error {
	// Its messages go with it (ON DELETE CASCADE).
	var size int64
	err := s.tx.QueryRow(ctx, `DELETE FROM chat_sessions WHERE id = $1 AND user_id = $2 RETURNING size`, id, userID).Scan(&size)
	if errors.Is(err, pgx.ErrNoRows) {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	if err != nil {
		return mapErr(err)
	}
	return s.addUsage(ctx, userID, -size)
}
