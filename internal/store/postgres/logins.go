package postgres

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type logins struct{ tx querier }

func (s logins) CreateLogin(ctx context.Context, l *gatehouse.Login) error {
	return appendRow(ctx, s.tx, []any{&l.ID}, `INSERT INTO logins (user_id, at, ip, user_agent, kind, success, reason) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		l.UserID, ts(l.At), l.IP, l.UserAgent, string(l.Kind), l.Success, l.Reason)
}

func (s logins) FindLoginsByUser(ctx context.Context, userID int64, limit int) ([]*gatehouse.Login, error) {
	rows, err := s.tx.Query(ctx, `SELECT id, user_id, at, ip, user_agent, kind, success, reason
		FROM logins WHERE user_id = $1 ORDER BY id DESC LIMIT $2`, userID, limitArg(limit))
	return collect(rows, err, func(row sqlrows.Row) (*gatehouse.Login, error) {
		var l gatehouse.Login
		var at time.Time
		var kind string
		if err := row.Scan(&l.ID, &l.UserID, &at, &l.IP, &l.UserAgent, &kind, &l.Success, &l.Reason); err != nil {
			return nil, mapErr(err)
		}
		l.At, l.Kind = at.UTC(), gatehouse.LoginKind(kind)
		return &l, nil
	})
}
