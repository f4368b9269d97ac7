package sqlite

import (
	"context"
)

type settings struct{ tx *sqlTx }

func (s settings) FindSetting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	if err := s.tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v); err != nil {
		return nil, mapErr(err)
	}
	return v, nil
}

func (s settings) CreateSetting(ctx context.Context, name string, value []byte) error {
	_, err := s.tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)`, name, value)
	return mapErr(err)
}
