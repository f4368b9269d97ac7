package sqlite

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
)

type tokens struct{ tx *sqlTx }

func (s tokens) CreateToken(ctx context.Context, t *gatehouse.AccessToken) error {
	_, err := s.tx.ExecContext(ctx, `INSERT INTO access_tokens (hash, user_id, key_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		t.Hash[:], t.UserID, t.KeyID, ms(t.CreatedAt), ms(t.ExpiresAt))
	return mapErr(err)
}

func (s tokens) FindTokenByHash(ctx context.Context, h gatehouse.Hash) (*gatehouse.AccessToken, error) {
	t := gatehouse.AccessToken{Hash: h}
	var created, expires int64
	err := s.tx.QueryRowContext(ctx, `SELECT user_id, key_id, created_at, expires_at FROM access_tokens WHERE hash = ?`, h[:]).
		Scan(&t.UserID, &t.KeyID, &created, &expires)
	if err != nil {
		return nil, mapErr(err)
	}
	t.CreatedAt, t.ExpiresAt = fromMS(created), fromMS(expires)
	return &t, nil
}

func (s tokens) DeleteTokensByUser(ctx context.Context, userID int64) error {
	_, err := s.tx.ExecContext(ctx, `DELETE FROM access_tokens WHERE user_id = ?`, userID)
	return mapErr(err)
}

func (s tokens) DeleteExpiredTokens(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.tx.ExecContext(ctx, `DELETE FROM access_tokens WHERE expires_at < ?`, ms(t))
	if err != nil {
		return 0, mapErr(err)
	}
	return res.RowsAffected()
}
