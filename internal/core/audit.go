package core

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/reqinfo"
)

// The audit trail (docs/security.md): every security event is written by
// the use case that makes the change, in the transaction that makes it, so
// a change that rolls back leaves no row and one that commits always has
// one. Events never hold a secret: subjects are e-mails, key ids, app ids
// and dataset names. The actor is the caller's e-mail, AuditActorCLI for
// the operator (a context without a principal), or, for the use cases that
// act for no one (sign-up, token exchange, console log-in), the e-mail the
// request named.

// actorOf is who acts in ctx: the principal's e-mail, or the operator.
func actorOf(ctx context.Context) string {
	if p, ok := gatehouse.PrincipalFromContext(ctx); ok {
		return p.Email
	}
	return gatehouse.AuditActorCLI
}

// audit writes e in tx, filling its time, the request's IP and id (from
// ctx, when a request carries them) and "success" as the outcome by
// default.
func (s *Service) audit(ctx context.Context, tx gatehouse.Tx, e gatehouse.AuditEvent) error {
	if e.At.IsZero() {
		e.At = s.now().UTC()
	}
	info := reqinfo.From(ctx)
	if e.IP == "" {
		e.IP = info.IP
	}
	e.RequestID = info.ID
	if e.Outcome == "" {
		e.Outcome = "success"
	}
	e.Detail = truncate(e.Detail, 256)
	return tx.Audit().CreateAuditEvent(ctx, &e)
}

// ListAudit returns the audit events f selects, oldest first (gatehouse
// audit).
// Callers: the operator, or an admin's console session (admin).
func (s *Service) ListAudit(ctx context.Context, f gatehouse.AuditFilter) ([]*gatehouse.AuditEvent, error) {
	if _, err := admin(ctx); err != nil {
		return nil, err
	}
	var out []*gatehouse.AuditEvent
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		out, err = tx.Audit().FindAuditEvents(ctx, f)
		return err
	})
	return out, err
}

// pruneAudit deletes the events older than the retention, off the request
// path (cleanup). A zero retention keeps every event.
func (s *Service) pruneAudit(ctx context.Context, tx gatehouse.Tx, now time.Time) error {
	if s.opt.AuditRetention <= 0 {
		return nil
	}
	_, err := tx.Audit().DeleteAuditEventsBefore(ctx, now.Add(-s.opt.AuditRetention))
	return err
}
