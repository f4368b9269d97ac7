package sqlite

import (
	"context"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type appKeys struct{ tx *sqlTx }

func scanAppKey(row sqlrows.Row) (*gatehouse.AppKey, error) {
	var k gatehouse.AppKey
	var created int64
	if err := row.Scan(&k.ID, &k.AppID, &k.DisplayName, &k.SecretSealed, &created); err != nil {
		return nil, mapErr(err)
	}
	k.CreatedAt = fromMS(created)
	return &k, nil
}

func (s appKeys) CreateAppKey(ctx context.Context, k *gatehouse.AppKey) error {
	_, err := s.tx.ExecContext(ctx, `INSERT INTO app_keys (id, app_id, display_name, secret_sealed, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.ID, k.AppID, k.DisplayName, k.SecretSealed, ms(k.CreatedAt))
	return mapErr(err)
}

func (s appKeys) FindAppKeyByID(ctx context.Context, id string) (*gatehouse.AppKey, error) {
	return scanAppKey(s.tx.QueryRowContext(ctx, `SELECT id, app_id, display_name, secret_sealed, created_at FROM app_keys WHERE id = ?`, id))
}

func (s appKeys) FindAppKeysByApp(ctx context.Context, appID string) ([]*gatehouse.AppKey, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT id, app_id, display_name, secret_sealed, created_at FROM app_keys WHERE app_id = ? ORDER BY created_at, id`, appID)
	return collect(rows, err, scanAppKey)
}

func (s appKeys) CountAppKeysByApp(ctx context.Context, appID string) (int, error) {
	var n int
	err := s.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM app_keys WHERE app_id = ?`, appID).Scan(&n)
	return n, mapErr(err)
}

func (s appKeys) DeleteAppKey(ctx context.Context, appID, id string) error {
	res, err := s.tx.ExecContext(ctx, `DELETE FROM app_keys WHERE id = ? AND app_id = ?`, id, appID)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return nil
}

func (s appKeys) DeleteAppKeysByAccount(ctx context.Context, accountID int64) ([]string, error) {
	rows, err := s.tx.QueryContext(ctx, `DELETE FROM app_keys WHERE app_id IN (SELECT id FROM apps WHERE account_id = ?) RETURNING id`, accountID)
	return sqlrows.OrNil(collect(rows, err, sqlrows.ID[string]))
}
