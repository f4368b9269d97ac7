package postgres

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/appcodec"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type apps struct{ tx querier }

// The settings and metadata columns hold appcodec's documents; nil
// metadata is NULL. pgx sends a []byte to a json or jsonb parameter as is.
// metadata is a JSON column, not JSONB, so that its numbers keep the digits
// the client sent.
const appCols = `id, account_id, display_name, settings, metadata, created_at, updated_at`

func scanApp(row sqlrows.Row) (*gatehouse.App, error) {
	var a gatehouse.App
	var settings, metadata []byte
	var created, updated time.Time
	if err := row.Scan(&a.ID, &a.AccountID, &a.DisplayName, &settings, &metadata, &created, &updated); err != nil {
		return nil, mapErr(err)
	}
	if err := appcodec.Decode(&a, settings, metadata); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = created.UTC(), updated.UTC()
	return &a, nil
}

func (s apps) CreateApp(ctx context.Context, a *gatehouse.App) error {
	settings, metadata, err := appcodec.Encode(a)
	if err != nil {
		return err
	}
	_, err = s.tx.Exec(ctx, `INSERT INTO apps (`+appCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		a.ID, a.AccountID, a.DisplayName, settings, metadata, ts(a.CreatedAt), ts(a.UpdatedAt))
	return mapErr(err)
}

func (s apps) FindAppByID(ctx context.Context, id string) (*gatehouse.App, error) {
	return scanApp(s.tx.QueryRow(ctx, `SELECT `+appCols+` FROM apps WHERE id = $1`, id))
}

func (s apps) FindAppsByAccount(ctx context.Context, accountID int64, page gatehouse.AppPage) ([]*gatehouse.App, bool, error) {
	// One more than the page, to tell whether more exist.
	limit := limitArg(page.Size + 1)
	q, args := `SELECT `+appCols+` FROM apps WHERE account_id = $1 ORDER BY id LIMIT $2`, []any{accountID, limit}
	switch {
	case page.After != "":
		q, args = `SELECT `+appCols+` FROM apps WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3`, []any{accountID, page.After, limit}
	case page.Before != "":
		q, args = `SELECT `+appCols+` FROM apps WHERE account_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, []any{accountID, page.Before, limit}
	}
	rows, err := s.tx.Query(ctx, q, args...)
	out, err := collect(rows, err, scanApp)
	if err != nil {
		return nil, false, err
	}
	out, more := sqlrows.TrimPage(out, page.Size, page.Before != "" && page.After == "")
	return out, more, nil
}

func (s apps) HasAppsBeyond(ctx context.Context, accountID int64, id string, before bool) (bool, error) {
	q := `SELECT EXISTS (SELECT 1 FROM apps WHERE account_id = $1 AND id > $2)`
	if before {
		q = `SELECT EXISTS (SELECT 1 FROM apps WHERE account_id = $1 AND id < $2)`
	}
	var ok bool
	err := s.tx.QueryRow(ctx, q, accountID, id).Scan(&ok)
	return ok, mapErr(err)
}

func (s apps) UpdateApp(ctx context.Context, a *gatehouse.App) error {
	settings, metadata, err := appcodec.Encode(a)
	if err != nil {
		return err
	}
	tag, err := s.tx.Exec(ctx, `UPDATE apps SET display_name = $1, settings = $2, metadata = $3, updated_at = $4 WHERE id = $5`,
		a.DisplayName, settings, metadata, ts(a.UpdatedAt), a.ID)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return nil
}

func (s apps) DeleteApp(ctx context.Context, id string) ([]string, error) {
	rows, err := s.tx.Query(ctx, `DELETE FROM app_keys WHERE app_id = $1 RETURNING id`, id)
	keys, err := sqlrows.OrNil(collect(rows, err, sqlrows.ID[string]))
	if err != nil {
		return nil, err
	}
	tag, err := s.tx.Exec(ctx, `DELETE FROM apps WHERE id = $1`, id)
	if err != nil {
		return nil, mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return nil, gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return keys, nil
}
