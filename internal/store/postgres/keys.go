package postgres

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type keys struct{ tx querier }

const keyCols = `id, user_id, name, hash, hint, created_at, last_used_at`

// keyRow is where a row's keyCols are scanned; value makes the APIKey.
type keyRow struct {
	k       gatehouse.APIKey
	hash    []byte
	created time.Time
	used    *time.Time
}

func (r *keyRow) dest() []any {
	return []any{&r.k.ID, &r.k.UserID, &r.k.Name, &r.hash, &r.k.Hint, &r.created, &r.used}
}

func (r *keyRow) value() *gatehouse.APIKey {
	copy(r.k.Hash[:], r.hash)
	r.k.CreatedAt, r.k.LastUsedAt = r.created.UTC(), fromNullTS(r.used)
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
	err := s.tx.QueryRow(ctx, `INSERT INTO api_keys (user_id, name, hash, hint, created_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		k.UserID, k.Name, k.Hash[:], k.Hint, ts(k.CreatedAt), nullTS(k.LastUsedAt)).Scan(&k.ID)
	return mapErr(err)
}

func (s keys) FindKeyByHash(ctx context.Context, h gatehouse.Hash) (*gatehouse.APIKey, error) {
	return scanKey(s.tx.QueryRow(ctx, `SELECT `+keyCols+` FROM api_keys WHERE hash = $1`, h[:]))
}

func (s keys) FindKeyAndOwner(ctx context.Context, h gatehouse.Hash) (*gatehouse.APIKey, *gatehouse.User, error) {
	return s.keyAndOwner(ctx, findKeyAndOwnerSQL, h)
}

// LockKeyAndOwner takes FOR SHARE on both rows: it conflicts with the
// FOR NO KEY UPDATE of LockUser and UpdateUser and with a DELETE of the
// key, not with another FOR SHARE. A row changed by a transaction that
// commits while this waits is read again (READ COMMITTED's recheck), and
// a deleted key drops out of the join. One statement where the exchange
// took three (the join, LockUser, the key again): the lock comes with the
// read, so there is nothing to read again after it.
func (s keys) LockKeyAndOwner(ctx context.Context, h gatehouse.Hash) (*gatehouse.APIKey, *gatehouse.User, error) {
	return s.keyAndOwner(ctx, lockKeyAndOwnerSQL, h)
}

var (
	findKeyAndOwnerSQL = `SELECT ` + sqlrows.Qualified("k", keyCols) + `, ` + sqlrows.Qualified("u", userCols) + `
		FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.hash = $1`
	lockKeyAndOwnerSQL = findKeyAndOwnerSQL + ` FOR SHARE`
)

// keyAndOwner runs query, a read of the key with hash h and its account.
func (s keys) keyAndOwner(ctx context.Context, query string, h gatehouse.Hash) (*gatehouse.APIKey, *gatehouse.User, error) {
	var k keyRow
	var u userRow
	err := s.tx.QueryRow(ctx, query, h[:]).Scan(append(k.dest(), u.dest()...)...)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	return k.value(), u.value(), nil
}

func (s keys) FindKeysByUser(ctx context.Context, userID int64) ([]*gatehouse.APIKey, error) {
	rows, err := s.tx.Query(ctx, `SELECT `+keyCols+` FROM api_keys WHERE user_id = $1 ORDER BY id`, userID)
	return collect(rows, err, scanKey)
}

func (s keys) CountKeysByUser(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.tx.QueryRow(ctx, `SELECT COUNT(*) FROM api_keys WHERE user_id = $1`, userID).Scan(&n)
	return n, mapErr(err)
}

func (s keys) DeleteKey(ctx context.Context, userID, id int64) error {
	// The key's tokens go with it (ON DELETE CASCADE).
	tag, err := s.tx.Exec(ctx, `DELETE FROM api_keys WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return nil
}

func (s keys) DeleteKeysByUser(ctx context.Context, userID int64) ([]int64, error) {
	rows, err := s.tx.Query(ctx, `DELETE FROM api_keys WHERE user_id = $1 RETURNING id`, userID)
	return sqlrows.OrNil(collect(rows, err, sqlrows.ID[int64]))
}

func (s keys) TouchKeys(ctx context.Context, used map[int64]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(used))
	times := make([]time.Time, 0, len(used))
	for id, t := range used {
		ids, times = append(ids, id), append(times, ts(t))
	}
	// One statement for the whole batch. Ids that no longer exist match
	// nothing; a stored time at or after the new one is left alone.
	_, err := s.tx.Exec(ctx, `UPDATE api_keys k SET last_used_at = u.t
		FROM unnest($1::bigint[], $2::timestamptz[]) AS u (id, t)
		WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.t)`, ids, times)
	return mapErr(err)
}
