package postgres

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
	"github.com/jackc/pgx/v5"
)

// collect is sqlrows.Collect with this backend's error mapping.
func collect[T any](rows pgx.Rows, qerr error, scan func(sqlrows.Row) (T, error)) ([]T, error) {
	return sqlrows.Collect(rows, qerr, scan, mapErr)
}

// limitArg is a LIMIT parameter. SQLite reads a negative LIMIT as none;
// PostgreSQL rejects it but reads LIMIT NULL as none.
func limitArg(n int) any {
	if n < 0 {
		return nil
	}
	return n
}

// Times are TIMESTAMPTZ, NULL for the zero time, and read back in UTC.

// ts is how a time is written: truncated to the millisecond, the precision
// every backend keeps.
func ts(t time.Time) time.Time { return t.Truncate(time.Millisecond) }

// nullTS writes the zero time as NULL.
func nullTS(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := ts(t)
	return &v
}

// fromNullTS reads NULL as the zero time.
func fromNullTS(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
