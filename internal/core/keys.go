package core

import (
	"context"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/credential"
)

// ListKeys lists the caller's API keys (never their secrets).
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) ListKeys(ctx context.Context) ([]*gatehouse.APIKey, error) {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, err
	}
	var out []*gatehouse.APIKey
	err = s.store.Read(ctx, func(tx gatehouse.Tx) error {
		out, err = tx.Keys().FindKeysByUser(ctx, p.UserID)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Report last-used times not yet flushed, so a key used a moment ago
	// does not list as unused.
	for _, k := range out {
		if t, ok := s.usage.pending(k.ID); ok && t.After(k.LastUsedAt) {
			k.LastUsedAt = t
		}
	}
	return out, nil
}

// CreateKey makes a new API key for the caller and returns it with the key
// in clear: the only time it is shown. Returns EINVALID for a bad name and
// ECONFLICT when the caller already holds MaxKeysPerUser keys.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) CreateKey(ctx context.Context, name string) (*gatehouse.APIKey, string, error) {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, "", err
	}
	return s.createKey(ctx, p.UserID, name, true)
}

// IssueKey makes a new API key for the account with that e-mail (operator
// use, e.g. after re-activating an account), returned in clear once.
// Callers: the operator only (no principal).
func (s *Service) IssueKey(ctx context.Context, email, name string) (*gatehouse.APIKey, string, error) {
	if err := operator(ctx); err != nil {
		return nil, "", err
	}
	u, err := s.FindUserByEmail(ctx, email)
	if err != nil {
		return nil, "", err
	}
	return s.createKey(ctx, u.ID, name, false)
}

func (s *Service) createKey(ctx context.Context, userID int64, name string, needActive bool) (*gatehouse.APIKey, string, error) {
	name = strings.TrimSpace(name)
	if err := gatehouse.ValidateKeyName(name); err != nil {
		return nil, "", err
	}
	clear := credential.NewAPIKey()
	k := &gatehouse.APIKey{UserID: userID, Name: name, Hash: credential.Hash(clear), Hint: credential.Hint(clear), CreatedAt: s.now().UTC()}
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		u, err := mayGetKey(ctx, tx, userID, needActive)
		if err != nil {
			return err
		}
		n, err := tx.Keys().CountKeysByUser(ctx, userID)
		if err != nil {
			return err
		}
		if n >= s.opt.MaxKeysPerUser {
			return gatehouse.Err(gatehouse.ReasonAPIKeysMax).WithLimit(int64(s.opt.MaxKeysPerUser))
		}
		if err := tx.Keys().CreateKey(ctx, k); err != nil {
			return err
		}
		return s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditKeyCreate, Actor: actorOf(ctx),
			Subject: "key " + strconv.FormatInt(k.ID, 10), Email: u.Email, Detail: "name " + name})
	})
	if err != nil {
		return nil, "", err
	}
	s.neg.forget(k.Hash)
	return k, clear, nil
}

// mayGetKey is the rule for giving account userID a new API key or account
// key, read inside the write that creates it so that a deactivation racing
// the request cannot leave a live key behind: a disabled account gets none,
// and a key the account holder asks for (needActive; the operator's IssueKey
// and IssueAccountKey do not) needs the account to be active.
//
// It locks the account (LockUser): the count of its keys that follows, and
// a deactivation racing it, take turns with every other write of the
// account (see gatehouse.Store).
func mayGetKey(ctx context.Context, tx gatehouse.Tx, userID int64, needActive bool) (*gatehouse.User, error) {
	u, err := tx.Users().LockUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	if needActive && u.Status != gatehouse.UserActive {
		return nil, errInactive
	}
	if u.Status == gatehouse.UserDisabled {
		return nil, gatehouse.Err(gatehouse.ReasonAccountDisabled)
	}
	return u, nil
}

// DeleteKey deletes one of the caller's API keys. The key, and every access
// token made from it, stops working at once on this node and within a
// second on every other. Returns ENOTFOUND for an id that is not the
// caller's, so another user's ids reveal nothing.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) DeleteKey(ctx context.Context, id int64) error {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		// The account's lock first, so a token exchange from this key
		// either commits first (and its token goes with the key) or finds
		// the key gone.
		if _, err := tx.Users().LockUser(ctx, p.UserID); err != nil {
			return err
		}
		if err := tx.Keys().DeleteKey(ctx, p.UserID, id); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditKeyDelete, Actor: p.Email,
			Subject: "key " + strconv.FormatInt(id, 10), Email: p.Email}); err != nil {
			return err
		}
		return tx.Revocations().CreateRevocation(ctx, &gatehouse.Revocation{Kind: gatehouse.RevokeKey, SubjectID: id, At: s.now().UTC()})
	})
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return gatehouse.Err(gatehouse.ReasonAPIKeyNotFound)
	}
	if err != nil {
		return err
	}
	s.cache.revokeKey(id)
	s.usage.forget(id)
	return nil
}
