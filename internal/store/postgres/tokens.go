package postgres

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
)

type tokens struct{ tx querier }

func (s tokens) CreateToken(ctx context.Context, t *gatehouse.AccessToken) error {
	_, err := s.tx.Exec(ctx, `INSERT INTO access_tokens (hash, user_id, key_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		t.Hash[:], t.UserID, t.KeyID, ts(t.CreatedAt), ts(t.ExpiresAt))
	return mapErr(err)
}

func (s tokens) FindTokenByHash(ctx context.Context, h gatehouse.Hash) (*gatehouse.AccessToken, error) {
	t := gatehouse.AccessToken{Hash: h}
	var created, expires time.Time
	err := s.tx.QueryRow(ctx, `SELECT user_id, key_id, created_at, expires_at FROM access_tokens WHERE hash = $1`, h[:]).
		Scan(&t.UserID, &t.KeyID, &created, &expires)
	if err != nil {
		return nil, mapErr(err)
	}
	t.CreatedAt, t.ExpiresAt = created.UTC(), expires.UTC()
	return &t, nil
}

func (s tokens) DeleteTokensByUser(ctx context.Context, userID int64) error {
	_, err := s.tx.Exec(ctx, `DELETE FROM access_tokens WHERE user_id = $1`, userID)
	return mapErr(err)
}

func (s tokens) DeleteExpiredTokens(ctx context.Context, t time.Time) (int64, error) {
	tag, err := s.tx.Exec(ctx, `DELETE FROM access_tokens WHERE expires_at < $1`, ts(t))
	if err != nil {
		return 0, mapErr(err)
	}
	return tag.RowsAffected(), nil
}
