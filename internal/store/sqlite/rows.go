package sqlite

import (
	"database/sql"
	"time"

	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

// collect is sqlrows.Collect with this backend's error mapping.
func collect[T any](rows resultRows, qerr error, scan func(sqlrows.Row) (T, error)) ([]T, error) {
	return sqlrows.Collect(rows, qerr, scan, mapErr)
}

// Times are stored as Unix milliseconds (INTEGER), NULL for the zero time,
// and read back in UTC.

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}
