package postgres

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

func (s logins) CreateLoginAttempt(ctx context.Context, a *gatehouse.LoginAttempt) error {
	return appendRow(ctx, s.tx, []any{&a.ID}, `INSERT INTO login_attempts (at, ip, user_agent, kind, email, reason) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		ts(a.At), a.IP, a.UserAgent, string(a.Kind), a.Email, a.Reason)
}

func (s logins) FindLoginAttempts(ctx context.Context, limit int) ([]*gatehouse.LoginAttempt, error) {
	rows, err := s.tx.Query(ctx, `SELECT id, at, ip, user_agent, kind, email, reason
		FROM login_attempts ORDER BY id DESC LIMIT $1`, limitArg(limit))
	return collect(rows, err, func(row sqlrows.Row) (*gatehouse.LoginAttempt, error) {
		var a gatehouse.LoginAttempt
		var at time.Time
		var kind string
		if err := row.Scan(&a.ID, &at, &a.IP, &a.UserAgent, &kind, &a.Email, &a.Reason); err != nil {
			return nil, mapErr(err)
		}
		a.At, a.Kind = at.UTC(), gatehouse.LoginKind(kind)
		return &a, nil
	})
}

func (s logins) DeleteLoginAttemptsBefore(ctx context.Context, t time.Time) error {
	_, err := s.tx.Exec(ctx, `DELETE FROM login_attempts WHERE at < $1`, ts(t))
	return mapErr(err)
}
