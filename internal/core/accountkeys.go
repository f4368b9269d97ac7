package core

import (
	"context"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/credential"
)

// AccountKeyView is an account key with, on creation only, its secret.
type AccountKeyView struct {
	Key    *gatehouse.AccountKey
	Secret string // empty except in the answer that creates it
}

// maxAccountKeys caps a user's account keys.
const maxAccountKeys = 20

// CreateAccountKey makes an account key (act_) for the caller: a user API
// key or token holder managing their own account. The secret is shown once.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) CreateAccountKey(ctx context.Context, name string) (*AccountKeyView, error) {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, err
	}
	return s.createAccountKey(ctx, p.UserID, name, true)
}

// IssueAccountKey makes an account key for the account with that e-mail
// (operator use); the secret is shown once.
// Callers: the operator only (no principal).
func (s *Service) IssueAccountKey(ctx context.Context, email, name string) (*AccountKeyView, error) {
	if err := operator(ctx); err != nil {
		return nil, err
	}
	u, err := s.FindUserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	return s.createAccountKey(ctx, u.ID, name, false)
}

func (s *Service) createAccountKey(ctx context.Context, userID int64, name string, needActive bool) (*AccountKeyView, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "default"
	}
	if err := gatehouse.ValidateKeyName(name); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	sec := credential.NewKeySecret()
	k := &gatehouse.AccountKey{ID: credential.AccountKeyPrefix + s.ids.New(now), UserID: userID, Name: name, CreatedAt: now}
	k.SecretSealed = s.box.Seal(k.ID, []byte(sec))
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		u, err := mayGetKey(ctx, tx, userID, needActive)
		if err != nil {
			return err
		}
		ks, err := tx.AccountKeys().FindAccountKeysByUser(ctx, userID)
		if err != nil {
			return err
		}
		if len(ks) >= maxAccountKeys {
			return gatehouse.Err(gatehouse.ReasonAccountKeysMax).WithLimit(maxAccountKeys)
		}
		if err := tx.AccountKeys().CreateAccountKey(ctx, k); err != nil {
			return err
		}
		return s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditAccountKeyCreate, Actor: actorOf(ctx),
			Subject: k.ID, Email: u.Email, Detail: "name " + name})
	})
	if err != nil {
		return nil, err
	}
	s.neg.forget(basicHash(k.ID, sec))
	return &AccountKeyView{Key: k, Secret: sec}, nil
}

// ListAccountKeys lists the caller's account keys, without secrets.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) ListAccountKeys(ctx context.Context) ([]*gatehouse.AccountKey, error) {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, err
	}
	return s.listAccountKeys(ctx, p.UserID)
}

// ListAccountKeysOf lists the account keys of the account with that e-mail
// (operator use), without secrets.
// Callers: the operator only (no principal).
func (s *Service) ListAccountKeysOf(ctx context.Context, email string) ([]*gatehouse.AccountKey, error) {
	if err := operator(ctx); err != nil {
		return nil, err
	}
	u, err := s.FindUserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	return s.listAccountKeys(ctx, u.ID)
}

func (s *Service) listAccountKeys(ctx context.Context, userID int64) ([]*gatehouse.AccountKey, error) {
	var out []*gatehouse.AccountKey
	err := s.store.Read(ctx, func(tx gatehouse.Tx) error {
		var err error
		out, err = tx.AccountKeys().FindAccountKeysByUser(ctx, userID)
		return err
	})
	return out, err
}

// DeleteAccountKey deletes one of the caller's account keys: EINVALID
// without an id, ENOTFOUND for one that is not the caller's.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) DeleteAccountKey(ctx context.Context, id string) error {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return err
	}
	if id == "" {
		return gatehouse.Err(gatehouse.ReasonIDRequired)
	}
	return s.deleteAccountKey(ctx, p.UserID, p.Email, id)
}

// DeleteAccountKeyOf deletes an account key of the account with that
// e-mail (operator use).
// Callers: the operator only (no principal).
func (s *Service) DeleteAccountKeyOf(ctx context.Context, email, id string) error {
	if err := operator(ctx); err != nil {
		return err
	}
	u, err := s.FindUserByEmail(ctx, email)
	if err != nil {
		return err
	}
	return s.deleteAccountKey(ctx, u.ID, u.Email, id)
}

func (s *Service) deleteAccountKey(ctx context.Context, userID int64, email, id string) error {
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if _, err := tx.Users().LockUser(ctx, userID); err != nil {
			return err
		}
		if err := tx.AccountKeys().DeleteAccountKey(ctx, userID, id); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditAccountKeyDelete, Actor: actorOf(ctx), Subject: id, Email: email}); err != nil {
			return err
		}
		return tx.Revocations().CreateRevocation(ctx, &gatehouse.Revocation{Kind: gatehouse.RevokeAccountKey, Subject: id, At: s.now().UTC()})
	})
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return gatehouse.Err(gatehouse.ReasonAccountKeyNotFound)
	}
	if err != nil {
		return err
	}
	s.cache.revoke(subjectCred(id))
	return nil
}
