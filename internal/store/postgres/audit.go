package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type audit struct{ tx querier }

func (s audit) CreateAuditEvent(ctx context.Context, e *gatehouse.AuditEvent) error {
	return appendRow(ctx, s.tx, []any{&e.ID}, `INSERT INTO audit_events (at, type, actor, actor_norm, subject, email, email_norm, ip, request_id, outcome, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		ts(e.At), string(e.Type), e.Actor, gatehouse.NormalizeEmail(e.Actor), e.Subject, e.Email, gatehouse.NormalizeEmail(e.Email),
		e.IP, e.RequestID, e.Outcome, e.Detail)
}

func (s audit) FindAuditEvents(ctx context.Context, f gatehouse.AuditFilter) ([]*gatehouse.AuditEvent, error) {
	q := strings.Builder{}
	q.WriteString(`SELECT id, at, type, actor, subject, email, ip, request_id, outcome, detail FROM audit_events WHERE true`)
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Email != "" {
		n := gatehouse.NormalizeEmail(f.Email)
		p := arg(n)
		q.WriteString(` AND (email_norm = ` + p + ` OR actor_norm = ` + p + `)`)
	}
	if !f.Since.IsZero() {
		q.WriteString(` AND at >= ` + arg(ts(f.Since)))
	}
	if !f.Until.IsZero() {
		q.WriteString(` AND at < ` + arg(ts(f.Until)))
	}
	if f.Type != "" {
		q.WriteString(` AND type = ` + arg(string(f.Type)))
	}
	q.WriteString(` ORDER BY id`)
	if f.Limit > 0 {
		q.WriteString(` LIMIT ` + arg(f.Limit))
	}
	rows, err := s.tx.Query(ctx, q.String(), args...)
	return collect(rows, err, func(row sqlrows.Row) (*gatehouse.AuditEvent, error) {
		var e gatehouse.AuditEvent
		var at time.Time
		var typ string
		if err := row.Scan(&e.ID, &at, &typ, &e.Actor, &e.Subject, &e.Email, &e.IP, &e.RequestID, &e.Outcome, &e.Detail); err != nil {
			return nil, mapErr(err)
		}
		e.At, e.Type = at.UTC(), gatehouse.AuditType(typ)
		return &e, nil
	})
}

func (s audit) DeleteAuditEventsBefore(ctx context.Context, t time.Time) (int64, error) {
	tag, err := s.tx.Exec(ctx, `DELETE FROM audit_events WHERE at < $1`, ts(t))
	if err != nil {
		return 0, mapErr(err)
	}
	return tag.RowsAffected(), nil
}
