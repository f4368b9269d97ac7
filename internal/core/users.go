package core

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/credential"
)

// SignupInput is what a sign-up asks for.
type SignupInput struct {
	Email           string
	Password        string
	ConfirmPassword string
	CompanyID       string
	Client          ClientInfo // where the request came from, for throttling
}

// Signup creates a pending account (active with OpenSignup) and its first API
// key, and returns the key in clear: the only time it is ever shown.
// Returns EINVALID for bad input, ECONFLICT for a taken e-mail and
// EUNAVAILABLE when too many passwords are being hashed at once, and
// ERATELIMIT when the client's IP has signed up too often.
func (s *Service) Signup(ctx context.Context, in SignupInput) (*gatehouse.User, string, error) {
	if ip := clientKey(in.Client.IP); ip != "" {
		if ok, wait := s.signupPerIP.Allow(ip); !ok {
			return nil, "", throttled(wait)
		}
	}
	in.Email = strings.TrimSpace(in.Email)
	if err := gatehouse.ValidateEmail(in.Email); err != nil {
		return nil, "", err
	}
	if err := gatehouse.ValidatePassword(in.Password); err != nil {
		return nil, "", err
	}
	if in.Password != in.ConfirmPassword {
		return nil, "", gatehouse.Err(gatehouse.ReasonPasswordMismatch)
	}
	if len(in.CompanyID) > 200 || !utf8.ValidString(in.CompanyID) {
		return nil, "", gatehouse.Err(gatehouse.ReasonCompanyIDTooLong)
	}
	status := gatehouse.UserPending
	if s.opt.OpenSignup {
		status = gatehouse.UserActive
	}
	return s.createUser(ctx, gatehouse.AuditSignup, in.Email, in.Password, in.CompanyID, status, false)
}

// CreateUser creates an account for the operator (the CLI), with its first
// API key, returned in clear once.
// Callers: the operator only (no principal).
func (s *Service) CreateUser(ctx context.Context, email, password string, admin, active bool) (*gatehouse.User, string, error) {
	if err := operator(ctx); err != nil {
		return nil, "", err
	}
	email = strings.TrimSpace(email)
	if err := gatehouse.ValidateEmail(email); err != nil {
		return nil, "", err
	}
	if err := gatehouse.ValidatePassword(password); err != nil {
		return nil, "", err
	}
	status := gatehouse.UserPending
	if active {
		status = gatehouse.UserActive
	}
	return s.createUser(ctx, gatehouse.AuditAccountCreate, email, password, "", status, admin)
}

func (s *Service) createUser(ctx context.Context, via gatehouse.AuditType, email, password, company string, status gatehouse.UserStatus, admin bool) (*gatehouse.User, string, error) {
	// Refuse a taken e-mail before spending an argon2 hash on it.
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		_, err := tx.Users().FindUserByEmail(ctx, email)
		return err
	})
	switch gatehouse.ErrorCode(err) {
	case gatehouse.ENOTFOUND:
	case "":
		return nil, "", errEmailTaken
	default:
		return nil, "", err
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return nil, "", err
	}
	now := s.now().UTC()
	u := &gatehouse.User{Email: email, PasswordHash: hash, Status: status, Admin: admin, CompanyID: company, CreatedAt: now, UpdatedAt: now}
	clear := credential.NewAPIKey()
	k := &gatehouse.APIKey{Name: "default", Hash: credential.Hash(clear), Hint: credential.Hint(clear), CreatedAt: now}
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if err := tx.Users().CreateUser(ctx, u); err != nil {
			return err
		}
		k.UserID = u.ID
		if err := tx.Keys().CreateKey(ctx, k); err != nil {
			return err
		}
		e := gatehouse.AuditEvent{Type: gatehouse.AuditSignup, Actor: email, Subject: email, Email: email, Detail: "status " + string(status)}
		if via == gatehouse.AuditAccountCreate {
			e.Type, e.Actor = gatehouse.AuditAccountCreate, gatehouse.AuditActorCLI
			if admin {
				e.Detail += ", admin"
			}
		}
		return s.audit(ctx, tx, e)
	})
	if gatehouse.ErrorCode(err) == gatehouse.ECONFLICT {
		return nil, "", errEmailTaken
	}
	if err != nil {
		return nil, "", err
	}
	s.neg.forget(k.Hash)
	return u, clear, nil
}

var errEmailTaken = gatehouse.Err(gatehouse.ReasonEmailTaken)

// FindUserByEmail returns the account with that e-mail, or ENOTFOUND.
// Callers: the operator only (no principal).
func (s *Service) FindUserByEmail(ctx context.Context, email string) (*gatehouse.User, error) {
	if err := operator(ctx); err != nil {
		return nil, err
	}
	var u *gatehouse.User
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		u, err = tx.Users().FindUserByEmail(ctx, email)
		return err
	})
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return nil, gatehouse.Err(gatehouse.ReasonNoSuchAccount).WithName(email)
	}
	return u, err
}

// ListUsers lists accounts, optionally by status.
// Callers: the operator, or an admin's console session (admin).
func (s *Service) ListUsers(ctx context.Context, f gatehouse.UserFilter) ([]*gatehouse.User, error) {
	if _, err := admin(ctx); err != nil {
		return nil, err
	}
	var out []*gatehouse.User
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		out, err = tx.Users().FindUsers(ctx, f)
		return err
	})
	return out, err
}

// ActivateUser lets a pending (or disabled) account use its credentials.
// A disabled account comes back with no keys: deactivation revoked them.
// Callers: the operator, or an admin's console session (admin).
func (s *Service) ActivateUser(ctx context.Context, email string) (*gatehouse.User, error) {
	if _, err := admin(ctx); err != nil {
		return nil, err
	}
	active := gatehouse.UserActive
	return s.updateUserByEmail(ctx, email, gatehouse.UserUpdate{Status: &active}, func(tx gatehouse.Tx, u *gatehouse.User) error {
		return s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditActivate, Actor: actorOf(ctx), Subject: u.Email, Email: u.Email})
	})
}

// DeactivateUser disables an account and revokes everything it holds: its
// API keys, every access token, its account keys and its apps' keys (the
// apps themselves are kept), at once on this node and, through the
// revocation log, within a second on every other; its console sessions
// end with it. An admin may not deactivate their own account
// (ReasonAdminSelf): the last admin would lock everyone out of the console.
// Callers: the operator, or an admin's console session (admin).
func (s *Service) DeactivateUser(ctx context.Context, email string) (*gatehouse.User, error) {
	p, err := admin(ctx)
	if err != nil {
		return nil, err
	}
	if p.UserID != 0 && gatehouse.NormalizeEmail(strings.TrimSpace(email)) == gatehouse.NormalizeEmail(p.Email) {
		return nil, gatehouse.Err(gatehouse.ReasonAdminSelf)
	}
	disabled := gatehouse.UserDisabled
	u, err := s.updateUserByEmail(ctx, email, gatehouse.UserUpdate{Status: &disabled}, func(tx gatehouse.Tx, u *gatehouse.User) error {
		if _, err := tx.Keys().DeleteKeysByUser(ctx, u.ID); err != nil {
			return err
		}
		if err := tx.Tokens().DeleteTokensByUser(ctx, u.ID); err != nil {
			return err
		}
		if _, err := tx.AccountKeys().DeleteAccountKeysByUser(ctx, u.ID); err != nil {
			return err
		}
		if _, err := tx.AppKeys().DeleteAppKeysByAccount(ctx, u.ID); err != nil {
			return err
		}
		if err := tx.Sessions().DeleteSessionsByUser(ctx, u.ID); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditDeactivate, Actor: actorOf(ctx), Subject: u.Email, Email: u.Email}); err != nil {
			return err
		}
		return tx.Revocations().CreateRevocation(ctx, &gatehouse.Revocation{Kind: gatehouse.RevokeUser, SubjectID: u.ID, At: s.now().UTC()})
	})
	if err == nil {
		s.cache.revokeUser(u.ID)
	}
	return u, err
}

func (s *Service) updateUserByEmail(ctx context.Context, email string, upd gatehouse.UserUpdate, also func(gatehouse.Tx, *gatehouse.User) error) (*gatehouse.User, error) {
	var out *gatehouse.User
	upd.UpdatedAt = s.now().UTC()
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		u, err := tx.Users().FindUserByEmail(ctx, email)
		if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
			return gatehouse.Err(gatehouse.ReasonNoSuchAccount).WithName(email)
		}
		if err != nil {
			return err
		}
		if out, err = tx.Users().UpdateUser(ctx, u.ID, upd); err != nil {
			return recode(err, gatehouse.ENOTFOUND, gatehouse.Err(gatehouse.ReasonNoSuchAccount).WithName(email))
		}
		if also != nil {
			return also(tx, out)
		}
		return nil
	})
	return out, err
}
