package sqlite

import (
	"context"
	"database/sql"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/appcodec"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type apps struct{ tx *sqlTx }

// encodeApp returns the settings and metadata columns (appcodec's
// documents, as TEXT); nil metadata is NULL.
func encodeApp(a *gatehouse.App) (settings string, metadata sql.NullString, err error) {
	s, m, err := appcodec.Encode(a)
	if err != nil {
		return "", metadata, err
	}
	if m != nil {
		metadata = sql.NullString{String: string(m), Valid: true}
	}
	return string(s), metadata, nil
}

const appCols = `id, account_id, display_name, settings, metadata, created_at, updated_at`

func scanApp(row sqlrows.Row) (*gatehouse.App, error) {
	var a gatehouse.App
	var settings, metadata []byte
	var created, updated int64
	if err := row.Scan(&a.ID, &a.AccountID, &a.DisplayName, &settings, &metadata, &created, &updated); err != nil {
		return nil, mapErr(err)
	}
	if err := appcodec.Decode(&a, settings, metadata); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	return &a, nil
}

func (s apps) CreateApp(ctx context.Context, a *gatehouse.App) error {
	settings, metadata, err := encodeApp(a)
	if err != nil {
		return err
	}
	_, err = s.tx.ExecContext(ctx, `INSERT INTO apps (`+appCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.AccountID, a.DisplayName, settings, metadata, ms(a.CreatedAt), ms(a.UpdatedAt))
	return mapErr(err)
}

func (s apps) FindAppByID(ctx context.Context, id string) (*gatehouse.App, error) {
	return scanApp(s.tx.QueryRowContext(ctx, `SELECT `+appCols+` FROM apps WHERE id = ?`, id))
}

func (s apps) FindAppsByAccount(ctx context.Context, accountID int64, page gatehouse.AppPage) ([]*gatehouse.App, bool, error) {
	q := `SELECT ` + appCols + ` FROM apps WHERE account_id = ?`
	args := []any{accountID}
	order := ` ORDER BY id`
	switch {
	case page.After != "":
		q += ` AND id > ?`
		args = append(args, page.After)
	case page.Before != "":
		q += ` AND id < ?`
		args = append(args, page.Before)
		order = ` ORDER BY id DESC`
	}
	q += order + ` LIMIT ?`
	args = append(args, page.Size+1)
	rows, err := s.tx.QueryContext(ctx, q, args...)
	out, err := collect(rows, err, scanApp)
	if err != nil {
		return nil, false, err
	}
	out, more := sqlrows.TrimPage(out, page.Size, page.Before != "" && page.After == "")
	return out, more, nil
}

func (s apps) HasAppsBeyond(ctx context.Context, accountID int64, id string, before bool) (bool, error) {
	q := `SELECT EXISTS (SELECT 1 FROM apps WHERE account_id = ? AND id > ?)`
	if before {
		q = `SELECT EXISTS (SELECT 1 FROM apps WHERE account_id = ? AND id < ?)`
	}
	var ok bool
	err := s.tx.QueryRowContext(ctx, q, accountID, id).Scan(&ok)
	return ok, mapErr(err)
}

func (s apps) UpdateApp(ctx context.Context, a *gatehouse.App) error {
	settings, metadata, err := encodeApp(a)
	if err != nil {
		return err
	}
	res, err := s.tx.ExecContext(ctx, `UPDATE apps SET display_name = ?, settings = ?, metadata = ?, updated_at = ? WHERE id = ?`,
		a.DisplayName, settings, metadata, ms(a.UpdatedAt), a.ID)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return nil
}

func (s apps) DeleteApp(ctx context.Context, id string) ([]string, error) {
	rows, err := s.tx.QueryContext(ctx, `DELETE FROM app_keys WHERE app_id = ? RETURNING id`, id)
	keys, err := sqlrows.OrNil(collect(rows, err, sqlrows.ID[string]))
	if err != nil {
		return nil, err
	}
	res, err := s.tx.ExecContext(ctx, `DELETE FROM apps WHERE id = ?`, id)
	if err != nil {
		return nil, mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return keys, nil
}
