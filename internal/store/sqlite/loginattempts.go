package sqlite

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
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
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*gatehouse.LoginAttempt{}
	for rows.Next() {
		var a gatehouse.LoginAttempt
		var at int64
		var kind string
		if err := rows.Scan(&a.ID, &at, &a.IP, &a.UserAgent, &kind, &a.Email, &a.Reason); err != nil {
			return nil, mapErr(err)
		}
		a.At, a.Kind = fromMS(at), gatehouse.LoginKind(kind)
		out = append(out, &a)
	}
	return out, mapErr(rows.Err())
}

func (s logins) DeleteLoginAttemptsBefore(ctx context.Context, t time.Time) error {
	_, err := s.tx.ExecContext(ctx, `DELETE FROM login_attempts WHERE at < ?`, ms(t))
	return mapErr(err)
}
