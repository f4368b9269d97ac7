package postgres

import (
	"context"
)

type settings struct{ tx querier }

func (s settings) FindSetting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	if err := s.tx.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v); err != nil {
		return nil, mapErr(err)
	}
	return v, nil
}

func (s settings) CreateSetting(ctx context.Context, name string, value []byte) error {
	_, err := s.tx.Exec(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2)`, name, value)
	return mapErr(err)
}
