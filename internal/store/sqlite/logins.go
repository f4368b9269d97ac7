package sqlite

import (
	"context"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type logins struct{ tx *sqlTx }

func (s logins) CreateLogin(ctx context.Context, l *gatehouse.Login) error {
	res, err := s.tx.ExecContext(ctx, `INSERT INTO logins (user_id, at, ip, user_agent, kind, success, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		l.UserID, ms(l.At), l.IP, l.UserAgent, string(l.Kind), l.Success, l.Reason)
	if err != nil {
		return mapErr(err)
	}
	l.ID, err = res.LastInsertId()
	return err
}

func (s logins) FindLoginsByUser(ctx context.Context, userID int64, limit int) ([]*gatehouse.Login, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT id, user_id, at, ip, user_agent, kind, success, reason
		FROM logins WHERE user_id = ? ORDER BY id DESC LIMIT ?`, userID, limit)
	return collect(rows, err, func(row sqlrows.Row) (*gatehouse.Login, error) {
		var l gatehouse.Login
		var at int64
		var kind string
		if err := row.Scan(&l.ID, &l.UserID, &at, &l.IP, &l.UserAgent, &kind, &l.Success, &l.Reason); err != nil {
			return nil, mapErr(err)
		}
		l.At, l.Kind = fromMS(at), gatehouse.LoginKind(kind)
		return &l, nil
	})
}
