package postgres

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type tokens struct{ tx querier }

func (s tokens) CreateToken(ctx context.Context, t *gatehouse.AccessToken) error {
	return appendRow(ctx, s.tx, nil, `INSERT INTO access_tokens (hash, user_id, key_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		t.Hash[:], t.UserID, t.KeyID, ts(t.CreatedAt), ts(t.ExpiresAt))
}

func (s tokens) FindTokenAndOwner(ctx context.Context, h gatehouse.Hash) (*gatehouse.AccessToken, *gatehouse.User, error) {
	t := gatehouse.AccessToken{Hash: h}
	var created, expires time.Time
	var u userRow
	err := s.tx.QueryRow(ctx, `SELECT t.user_id, t.key_id, t.created_at, t.expires_at, `+sqlrows.Qualified("u", userCols)+`
		FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1`, h[:]).
		Scan(append([]any{&t.UserID, &t.KeyID, &created, &expires}, u.dest()...)...)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	t.CreatedAt, t.ExpiresAt = created.UTC(), expires.UTC()
	return &t, u.value(), nil
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
