package core

import (
	"context"

	"github.com/gatehouse/gatehouse"
)

// WithClientCertificate returns p marked CAC-authenticated when a client
// certificate, already verified against the configured client CA, names the
// account's e-mail (as an e-mail SAN or the subject's emailAddress). The
// account flag set by `gatehouse users set-cac` also counts, and is already
// in p.
func WithClientCertificate(p gatehouse.Principal, certEmails []string) gatehouse.Principal {
	for _, e := range certEmails {
		if gatehouse.NormalizeEmail(e) == gatehouse.NormalizeEmail(p.Email) && p.Email != "" {
			p.CAC = true
			return p
		}
	}
	return p
}

// SetCAC marks an account as CAC-verified, or not. Cached verifications of
// the account are dropped so the change applies on the next request.
// Callers: the operator, or an admin's console session (admin).
func (s *Service) SetCAC(ctx context.Context, email string, on bool) (*gatehouse.User, error) {
	if _, err := admin(ctx); err != nil {
		return nil, err
	}
	u, err := s.updateUserByEmail(ctx, email, gatehouse.UserUpdate{CAC: &on}, func(tx gatehouse.Tx, u *gatehouse.User) error {
		detail := "off"
		if on {
			detail = "on"
		}
		if err := s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditCAC, Actor: actorOf(ctx), Subject: u.Email, Email: u.Email, Detail: detail}); err != nil {
			return err
		}
		return tx.Revocations().CreateRevocation(ctx, &gatehouse.Revocation{Kind: gatehouse.RevokeUser, SubjectID: u.ID, At: s.now().UTC()})
	})
	if err == nil {
		s.cache.revokeUser(u.ID)
	}
	return u, err
}
