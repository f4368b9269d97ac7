package sqlite

import (
	"context"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type accountKeys struct{ tx *sqlTx }

func scanAccountKey(row sqlrows.Row) (*gatehouse.AccountKey, error) {
	var k gatehouse.AccountKey
	var created int64
	if err := row.Scan(&k.ID, &k.UserID, &k.Name, &k.SecretSealed, &created); err != nil {
		return nil, mapErr(err)
	}
	k.CreatedAt = fromMS(created)
	return &k, nil
}

func (s accountKeys) CreateAccountKey(ctx context.Context, k *gatehouse.AccountKey) error {
	_, err := s.tx.ExecContext(ctx, `INSERT INTO account_keys (id, user_id, name, secret_sealed, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.ID, k.UserID, k.Name, k.SecretSealed, ms(k.CreatedAt))
	return mapErr(err)
}

func (s accountKeys) FindAccountKeyByID(ctx context.Context, id string) (*gatehouse.AccountKey, error) {
	return scanAccountKey(s.tx.QueryRowContext(ctx, `SELECT id, user_id, name, secret_sealed, created_at FROM account_keys WHERE id = ?`, id))
}

func (s accountKeys) FindAccountKeysByUser(ctx context.Context, userID int64) ([]*gatehouse.AccountKey, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT id, user_id, name, secret_sealed, created_at FROM account_keys WHERE user_id = ? ORDER BY created_at, id`, userID)
	return collect(rows, err, scanAccountKey)
}

func (s accountKeys) DeleteAccountKey(ctx context.Context, userID int64, id string) error {
	res, err := s.tx.ExecContext(ctx, `DELETE FROM account_keys WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return nil
}

func (s accountKeys) DeleteAccountKeysByUser(ctx context.Context, userID int64) ([]string, error) {
	rows, err := s.tx.QueryContext(ctx, `DELETE FROM account_keys WHERE user_id = ? RETURNING id`, userID)
	return sqlrows.OrNil(collect(rows, err, sqlrows.ID[string]))
}
