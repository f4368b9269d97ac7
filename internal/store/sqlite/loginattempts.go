package sqlite

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

func (s logins) CreateLoginAttempt(ctx context.Context, a *gatehouse.LoginAttempt) error {
	res, err := s.tx.ExecContext(ctx, `INSERT INTO login_attempts (at, ip, user_agent, kind, email, reason) VALUES (?, ?, ?, ?, ?, ?)`,
		ms(a.At), a.IP, a.UserAgent, string(a.Kind), a.Email, a.Reason)
	if err != nil {
		return mapErr(err)
	}
	a.ID, err = res.LastInsertId()
	return err
}

func (s logins) FindLoginAttempts(ctx context.Context, limit int) ([]*gatehouse.LoginAttempt, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT id, at, ip, user_agent, kind, email, reason
		FROM login_attempts ORDER BY id DESC LIMIT ?`, limit)
	return collect(rows, err, func(row sqlrows.Row) (*gatehouse.LoginAttempt, error) {
		var a gatehouse.LoginAttempt
		var at int64
		var kind string
		if err := row.Scan(&a.ID, &at, &a.IP, &a.UserAgent, &kind, &a.Email, &a.Reason); err != nil {
			return nil, mapErr(err)
		}
		a.At, a.Kind = fromMS(at), gatehouse.LoginKind(kind)
		return &a, nil
	})
}

func (s logins) DeleteLoginAttemptsBefore(ctx context.Context, t time.Time) error {
	_, err := s.tx.ExecContext(ctx, `DELETE FROM login_attempts WHERE at < ?`, ms(t))
	return mapErr(err)
}
