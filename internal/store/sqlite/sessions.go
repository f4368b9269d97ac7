package sqlite

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
)

type sessions struct{ tx *sqlTx }

func (s sessions) CreateSession(ctx context.Context, c *gatehouse.ConsoleSession) error {
	_, err := s.tx.ExecContext(ctx, `INSERT INTO console_sessions (hash, user_id, created_at, seen_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.Hash[:], c.UserID, ms(c.CreatedAt), ms(c.SeenAt), ms(c.ExpiresAt), c.IP, c.UserAgent)
	return mapErr(err)
}

func (s sessions) FindSessionByHash(ctx context.Context, h gatehouse.Hash) (*gatehouse.ConsoleSession, error) {
	c := gatehouse.ConsoleSession{Hash: h}
	var created, seen, expires int64
	err := s.tx.QueryRowContext(ctx, `SELECT user_id, created_at, seen_at, expires_at, ip, user_agent FROM console_sessions WHERE hash = ?`, h[:]).
		Scan(&c.UserID, &created, &seen, &expires, &c.IP, &c.UserAgent)
	if err != nil {
		return nil, mapErr(err)
	}
	c.CreatedAt, c.SeenAt, c.ExpiresAt = fromMS(created), fromMS(seen), fromMS(expires)
	return &c, nil
}

func (s sessions) TouchSession(ctx context.Context, h gatehouse.Hash, at time.Time) error {
	_, err := s.tx.ExecContext(ctx, `UPDATE console_sessions SET seen_at = ? WHERE hash = ? AND seen_at < ?`, ms(at), h[:], ms(at))
	return mapErr(err)
}

func (s sessions) DeleteSession(ctx context.Context, h gatehouse.Hash) error {
	res, err := s.tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE hash = ?`, h[:])
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return nil
}

func (s sessions) DeleteSessionsByUser(ctx context.Context, userID int64) error {
	_, err := s.tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE user_id = ?`, userID)
	return mapErr(err)
}

func (s sessions) DeleteExpiredSessions(ctx context.Context, t, idleBefore time.Time) (int64, error) {
	res, err := s.tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE expires_at < ? OR seen_at < ?`, ms(t), ms(idleBefore))
	if err != nil {
		return 0, mapErr(err)
	}
	return res.RowsAffected()
}
