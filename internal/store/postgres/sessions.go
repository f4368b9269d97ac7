package postgres

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
)

type sessions struct{ tx querier }

func (s sessions) CreateSession(ctx context.Context, c *gatehouse.ConsoleSession) error {
	_, err := s.tx.Exec(ctx, `INSERT INTO console_sessions (hash, user_id, created_at, seen_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.Hash[:], c.UserID, ts(c.CreatedAt), ts(c.SeenAt), ts(c.ExpiresAt), c.IP, c.UserAgent)
	return mapErr(err)
}

func (s sessions) FindSessionByHash(ctx context.Context, h gatehouse.Hash) (*gatehouse.ConsoleSession, error) {
	c := gatehouse.ConsoleSession{Hash: h}
	var created, seen, expires time.Time
	err := s.tx.QueryRow(ctx, `SELECT user_id, created_at, seen_at, expires_at, ip, user_agent FROM console_sessions WHERE hash = $1`, h[:]).
		Scan(&c.UserID, &created, &seen, &expires, &c.IP, &c.UserAgent)
	if err != nil {
		return nil, mapErr(err)
	}
	c.CreatedAt, c.SeenAt, c.ExpiresAt = created.UTC(), seen.UTC(), expires.UTC()
	return &c, nil
}

func (s sessions) TouchSession(ctx context.Context, h gatehouse.Hash, at time.Time) error {
	_, err := s.tx.Exec(ctx, `UPDATE console_sessions SET seen_at = $1 WHERE hash = $2 AND seen_at < $1`, ts(at), h[:])
	return mapErr(err)
}

func (s sessions) DeleteSession(ctx context.Context, h gatehouse.Hash) error {
	tag, err := s.tx.Exec(ctx, `DELETE FROM console_sessions WHERE hash = $1`, h[:])
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return nil
}

func (s sessions) DeleteSessionsByUser(ctx context.Context, userID int64) error {
	_, err := s.tx.Exec(ctx, `DELETE FROM console_sessions WHERE user_id = $1`, userID)
	return mapErr(err)
}

func (s sessions) DeleteExpiredSessions(ctx context.Context, t, idleBefore time.Time) (int64, error) {
	tag, err := s.tx.Exec(ctx, `DELETE FROM console_sessions WHERE expires_at < $1 OR seen_at < $2`, ts(t), ts(idleBefore))
	if err != nil {
		return 0, mapErr(err)
	}
	return tag.RowsAffected(), nil
}
