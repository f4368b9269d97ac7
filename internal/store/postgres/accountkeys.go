package postgres

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type accountKeys struct{ tx querier }

func scanAccountKey(row sqlrows.Row) (*gatehouse.AccountKey, error) {
	var k gatehouse.AccountKey
	var created time.Time
	if err := row.Scan(&k.ID, &k.UserID, &k.Name, &k.SecretSealed, &created); err != nil {
		return nil, mapErr(err)
	}
	k.CreatedAt = created.UTC()
	return &k, nil
}

func (s accountKeys) CreateAccountKey(ctx context.Context, k *gatehouse.AccountKey) error {
	_, err := s.tx.Exec(ctx, `INSERT INTO account_keys (id, user_id, name, secret_sealed, created_at) VALUES ($1, $2, $3, $4, $5)`,
		k.ID, k.UserID, k.Name, k.SecretSealed, ts(k.CreatedAt))
	return mapErr(err)
}

func (s accountKeys) FindAccountKeyByID(ctx context.Context, id string) (*gatehouse.AccountKey, error) {
	return scanAccountKey(s.tx.QueryRow(ctx, `SELECT id, user_id, name, secret_sealed, created_at FROM account_keys WHERE id = $1`, id))
}

func (s accountKeys) FindAccountKeysByUser(ctx context.Context, userID int64) ([]*gatehouse.AccountKey, error) {
	rows, err := s.tx.Query(ctx, `SELECT id, user_id, name, secret_sealed, created_at FROM account_keys WHERE user_id = $1 ORDER BY created_at, id`, userID)
	return collect(rows, err, scanAccountKey)
}

func (s accountKeys) DeleteAccountKey(ctx context.Context, userID int64, id string) error {
	tag, err := s.tx.Exec(ctx, `DELETE FROM account_keys WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return nil
}

func (s accountKeys) DeleteAccountKeysByUser(ctx context.Context, userID int64) ([]string, error) {
	rows, err := s.tx.Query(ctx, `DELETE FROM account_keys WHERE user_id = $1 RETURNING id`, userID)
	return sqlrows.OrNil(collect(rows, err, sqlrows.ID[string]))
}
