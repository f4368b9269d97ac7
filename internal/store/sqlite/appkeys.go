package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/gatehouse/gatehouse"
)

func bytesReader(s string) *strings.Reader { return strings.NewReader(s) }

type appKeys struct{ tx *sql.Tx }

func scanAppKey(row interface{ Scan(...any) error }) (*gatehouse.AppKey, error) {
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
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*gatehouse.AppKey{}
	for rows.Next() {
		k, err := scanAppKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, mapErr(rows.Err())
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
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(err)
		}
		ids = append(ids, id)
	}
	return ids, mapErr(rows.Err())
}

type accountKeys struct{ tx *sql.Tx }

func scanAccountKey(row interface{ Scan(...any) error }) (*gatehouse.AccountKey, error) {
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
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*gatehouse.AccountKey{}
	for rows.Next() {
		k, err := scanAccountKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, mapErr(rows.Err())
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
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(err)
		}
		ids = append(ids, id)
	}
	return ids, mapErr(rows.Err())
}
