package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type apps struct{ tx *sql.Tx }

// settingsRow is how AppSettings are stored: a JSON column, so adding a
// setting needs no migration.
type settingsRow struct {
	ConversationRetentionSeconds *int64 `json:"conversationRetentionSeconds,omitempty"`
	MaskCreditCardNumbers        bool   `json:"maskCreditCardNumbers"`
	UseAnimalNames               bool   `json:"useAnimalNames"`
	EchoPostback                 bool   `json:"echoPostback"`
	IgnoreAutoConversationStart  bool   `json:"ignoreAutoConversationStart"`
	MultiConvoEnabled            bool   `json:"multiConvoEnabled"`
	AppLocalizationEnabled       bool   `json:"appLocalizationEnabled"`
}

func encodeApp(a *gatehouse.App) (settings string, metadata sql.NullString, err error) {
	b, err := json.Marshal(settingsRow(a.Settings))
	if err != nil {
		return "", metadata, err
	}
	if a.Metadata != nil {
		m, err := json.Marshal(a.Metadata)
		if err != nil {
			return "", metadata, err
		}
		metadata = sql.NullString{String: string(m), Valid: true}
	}
	return string(b), metadata, nil
}

const appCols = `id, account_id, display_name, settings, metadata, created_at, updated_at`

func scanApp(row sqlrows.Row) (*gatehouse.App, error) {
	var a gatehouse.App
	var settings string
	var metadata sql.NullString
	var created, updated int64
	if err := row.Scan(&a.ID, &a.AccountID, &a.DisplayName, &settings, &metadata, &created, &updated); err != nil {
		return nil, mapErr(err)
	}
	var sr settingsRow
	if err := json.Unmarshal([]byte(settings), &sr); err != nil {
		return nil, err
	}
	a.Settings = gatehouse.AppSettings(sr)
	if metadata.Valid {
		dec := json.NewDecoder(strings.NewReader(metadata.String))
		dec.UseNumber()
		if err := dec.Decode(&a.Metadata); err != nil {
			return nil, err
		}
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
