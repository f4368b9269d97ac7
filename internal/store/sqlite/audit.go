package sqlite

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type audit struct{ tx *sqlTx }

func (s audit) CreateAuditEvent(ctx context.Context, e *gatehouse.AuditEvent) error {
	res, err := s.tx.ExecContext(ctx, `INSERT INTO audit_events (at, type, actor, actor_norm, subject, email, email_norm, ip, request_id, outcome, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ms(e.At), string(e.Type), e.Actor, gatehouse.NormalizeEmail(e.Actor), e.Subject, e.Email, gatehouse.NormalizeEmail(e.Email),
		e.IP, e.RequestID, e.Outcome, e.Detail)
	if err != nil {
		return mapErr(err)
	}
	e.ID, err = res.LastInsertId()
	return err
}

func (s audit) FindAuditEvents(ctx context.Context, f gatehouse.AuditFilter) ([]*gatehouse.AuditEvent, error) {
	q := strings.Builder{}
	q.WriteString(`SELECT id, at, type, actor, subject, email, ip, request_id, outcome, detail FROM audit_events WHERE 1 = 1`)
	var args []any
	if f.Email != "" {
		n := gatehouse.NormalizeEmail(f.Email)
		q.WriteString(` AND (email_norm = ? OR actor_norm = ?)`)
		args = append(args, n, n)
	}
	if !f.Since.IsZero() {
		q.WriteString(` AND at >= ?`)
		args = append(args, ms(f.Since))
	}
	if !f.Until.IsZero() {
		q.WriteString(` AND at < ?`)
		args = append(args, ms(f.Until))
	}
	if f.Type != "" {
		q.WriteString(` AND type = ?`)
		args = append(args, string(f.Type))
	}
	q.WriteString(` ORDER BY id`)
	if f.Limit > 0 {
		q.WriteString(` LIMIT ?`)
		args = append(args, f.Limit)
	}
	rows, err := s.tx.QueryContext(ctx, q.String(), args...)
	return collect(rows, err, func(row sqlrows.Row) (*gatehouse.AuditEvent, error) {
		var e gatehouse.AuditEvent
		var at int64
		var typ string
		if err := row.Scan(&e.ID, &at, &typ, &e.Actor, &e.Subject, &e.Email, &e.IP, &e.RequestID, &e.Outcome, &e.Detail); err != nil {
			return nil, mapErr(err)
		}
		e.At, e.Type = fromMS(at), gatehouse.AuditType(typ)
		return &e, nil
	})
}

func (s audit) DeleteAuditEventsBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.tx.ExecContext(ctx, `DELETE FROM audit_events WHERE at < ?`, ms(t))
	if err != nil {
		return 0, mapErr(err)
	}
	return res.RowsAffected()
}
