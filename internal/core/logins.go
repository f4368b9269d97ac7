package core

import (
	"context"

	"github.com/gatehouse/gatehouse"
)

// Login history bounds, per the Ask Sage spec (1..100).
const (
	LoginsMaxLimit = 100
)

// ListLogins returns the caller's newest logins first; limit must be 1..100.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) ListLogins(ctx context.Context, limit int) ([]*gatehouse.Login, error) {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, err
	}
	if limit < 1 || limit > LoginsMaxLimit {
		return nil, gatehouse.Err(gatehouse.ReasonLimitRange).WithLimit(LoginsMaxLimit)
	}
	var out []*gatehouse.Login
	err = s.store.Read(ctx, func(tx gatehouse.Tx) error {
		out, err = tx.Logins().FindLoginsByUser(ctx, p.UserID, limit)
		return err
	})
	return out, err
}
