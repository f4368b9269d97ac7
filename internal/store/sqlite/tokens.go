package sqlite

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type tokens struct{ tx *sqlTx }

func (s tokens) CreateToken(ctx context.Context, t *gatehouse.AccessToken) error {
	_, err := s.tx.ExecContext(ctx, `INSERT INTO access_tokens (hash, user_id, key_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		t.Hash[:], t.UserID, t.KeyID, ms(t.CreatedAt), ms(t.ExpiresAt))
	return mapErr(err)
}

func (s tokens) FindTokenAndOwner(ctx context.Context, h gatehouse.Hash) (*gatehouse.AccessToken, *gatehouse.User, error) {
	t := gatehouse.AccessToken{Hash: h}
	var created, expires int64
	var u userRow
	err := s.tx.QueryRowContext(ctx, `SELECT t.user_id, t.key_id, t.created_at, t.expires_at, `+sqlrows.Qualified("u", userCols)+`
		FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, h[:]).
		Scan(append([]any{&t.UserID, &t.KeyID, &created, &expires}, u.dest()...)...)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	t.CreatedAt, t.ExpiresAt = fromMS(created), fromMS(expires)
	return &t, u.value(), nil
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
