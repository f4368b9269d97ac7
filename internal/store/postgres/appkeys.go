package postgres

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type appKeys struct{ tx querier }

func scanAppKey(row sqlrows.Row) (*gatehouse.AppKey, error) {
	var k gatehouse.AppKey
	var created time.Time
	if err := row.Scan(&k.ID, &k.AppID, &k.DisplayName, &k.SecretSealed, &created); err != nil {
		return nil, mapErr(err)
	}
	k.CreatedAt = created.UTC()
	return &k, nil
}

func (s appKeys) CreateAppKey(ctx context.Context, k *gatehouse.AppKey) error {
	_, err := s.tx.Exec(ctx, `INSERT INTO app_keys (id, app_id, display_name, secret_sealed, created_at) VALUES ($1, $2, $3, $4, $5)`,
		k.ID, k.AppID, k.DisplayName, k.SecretSealed, ts(k.CreatedAt))
	return mapErr(err)
}

func (s appKeys) FindAppKeyByID(ctx context.Context, id string) (*gatehouse.AppKey, error) {
	return scanAppKey(s.tx.QueryRow(ctx, `SELECT id, app_id, display_name, secret_sealed, created_at FROM app_keys WHERE id = $1`, id))
}

func (s appKeys) FindAppKeysByApp(ctx context.Context, appID string) ([]*gatehouse.AppKey, error) {
	rows, err := s.tx.Query(ctx, `SELECT id, app_id, display_name, secret_sealed, created_at FROM app_keys WHERE app_id = $1 ORDER BY created_at, id`, appID)
	return collect(rows, err, scanAppKey)
}

func (s appKeys) CountAppKeysByApp(ctx context.Context, appID string) (int, error) {
	var n int
	err := s.tx.QueryRow(ctx, `SELECT COUNT(*) FROM app_keys WHERE app_id = $1`, appID).Scan(&n)
	return n, mapErr(err)
}

func (s appKeys) DeleteAppKey(ctx context.Context, appID, id string) error {
	tag, err := s.tx.Exec(ctx, `DELETE FROM app_keys WHERE id = $1 AND app_id = $2`, id, appID)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return nil
}

func (s appKeys) DeleteAppKeysByAccount(ctx context.Context, accountID int64) ([]string, error) {
	rows, err := s.tx.Query(ctx, `DELETE FROM app_keys WHERE app_id IN (SELECT id FROM apps WHERE account_id = $1) RETURNING id`, accountID)
	return sqlrows.OrNil(collect(rows, err, sqlrows.ID[string]))
}
