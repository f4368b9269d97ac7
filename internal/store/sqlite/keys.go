package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type keys struct{ tx *sqlTx }

const keyCols = `id, user_id, name, hash, hint, created_at, last_used_at`

// keyRow is where a row's keyCols are scanned; value makes the APIKey.
type keyRow struct {
	k       gatehouse.APIKey
	hash    []byte
	created int64
	used    sql.NullInt64
}

func (r *keyRow) dest() []any {
	return []any{&r.k.ID, &r.k.UserID, &r.k.Name, &r.hash, &r.k.Hint, &r.created, &r.used}
}

func (r *keyRow) value() *gatehouse.APIKey {
	copy(r.k.Hash[:], r.hash)
	r.k.CreatedAt, r.k.LastUsedAt = fromMS(r.created), fromNullMS(r.used)
	return &r.k
}

func scanKey(row sqlrows.Row) (*gatehouse.APIKey, error) {
	var r keyRow
	if err := row.Scan(r.dest()...); err != nil {
		return nil, mapErr(err)
	}
	return r.value(), nil
}

func (s keys) CreateKey(ctx context.Context, k *gatehouse.APIKey) error {
	if err := k.Validate(); err != nil {
		return err
	}
	res, err := s.tx.ExecContext(ctx, `INSERT INTO api_keys (user_id, name, hash, hint, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?)`,
		k.UserID, k.Name, k.Hash[:], k.Hint, ms(k.CreatedAt), nullMS(k.LastUsedAt))
	if err != nil {
		return mapErr(err)
	}
	k.ID, err = res.LastInsertId()
	return err
}

func (s keys) FindKeyByHash(ctx context.Context, h gatehouse.Hash) (*gatehouse.APIKey, error) {
	return scanKey(s.tx.QueryRowContext(ctx, `SELECT `+keyCols+` FROM api_keys WHERE hash = ?`, h[:]))
}

func (s keys) FindKeyAndOwner(ctx context.Context, h gatehouse.Hash) (*gatehouse.APIKey, *gatehouse.User, error) {
	var k keyRow
	var u userRow
	err := s.tx.QueryRowContext(ctx, `SELECT `+sqlrows.Qualified("k", keyCols)+`, `+sqlrows.Qualified("u", userCols)+`
		FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.hash = ?`, h[:]).Scan(append(k.dest(), u.dest()...)...)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	return k.value(), u.value(), nil
}

// LockKeyAndOwner is FindKeyAndOwner: an Update is the one writer, so
// nothing else changes the rows until it ends.
func (s keys) LockKeyAndOwner(ctx context.Context, h gatehouse.Hash) (*gatehouse.APIKey, *gatehouse.User, error) {
	return s.FindKeyAndOwner(ctx, h)
}

func (s keys) FindKeysByUser(ctx context.Context, userID int64) ([]*gatehouse.APIKey, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT `+keyCols+` FROM api_keys WHERE user_id = ? ORDER BY id`, userID)
	return collect(rows, err, scanKey)
}

func (s keys) CountKeysByUser(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys WHERE user_id = ?`, userID).Scan(&n)
	return n, mapErr(err)
}

func (s keys) DeleteKey(ctx context.Context, userID, id int64) error {
	res, err := s.tx.ExecContext(ctx, `DELETE FROM api_keys WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return nil
}

func (s keys) DeleteKeysByUser(ctx context.Context, userID int64) ([]int64, error) {
	rows, err := s.tx.QueryContext(ctx, `DELETE FROM api_keys WHERE user_id = ? RETURNING id`, userID)
	return sqlrows.OrNil(collect(rows, err, sqlrows.ID[int64]))
}

func (s keys) TouchKeys(ctx context.Context, used map[int64]time.Time) error {
	for id, t := range used {
		if _, err := s.tx.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`, ms(t), id, ms(t)); err != nil {
			return mapErr(err)
		}
	}
	return nil
}
