// Package sqlrows reads query results into the shapes the store contract
// (see gatehouse.Store) gives them, the same from either backend: every
// row into a slice that is empty, not nil, when there are none (Collect,
// ID);
// nil instead where the contract says so (OrNil); and the two pages the
// contract defines, of chat messages (PageEnd) and of apps (TrimPage).
// database/sql's *sql.Rows and pgx's pgx.Rows both satisfy Rows.
package sqlrows

import (
	"slices"
	"strings"
)

// Row is one row to scan: a *sql.Row, a pgx.Row, or the current row of
// Rows.
type Row interface {
	Scan(dest ...any) error
}

// Rows is a result set being read.
type Rows interface {
	Row
	Next() bool
	Err() error
}

// Collect reads every row of a query with scan into a non-nil slice and
// closes the rows. qerr is the query's own error (rows are unset when it
// is not nil). Every error, the query's, scan's or the rows', comes back
// through mapErr, the backend's mapping of driver errors (which leaves an
// error scan already mapped as it is).
func Collect[T any](rows Rows, qerr error, scan func(Row) (T, error), mapErr func(error) error) ([]T, error) {
	if qerr != nil {
		return nil, mapErr(qerr)
	}
	defer closeRows(rows)
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}

// closeRows closes a *sql.Rows (Close() error) or a pgx.Rows (Close()).
func closeRows(rows Rows) {
	switch r := rows.(type) {
	case interface{ Close() error }:
		r.Close()
	case interface{ Close() }:
		r.Close()
	}
}

// ID scans a row of a single id column.
func ID[T any](row Row) (T, error) {
	var id T
	err := row.Scan(&id)
	return id, err
}

// OrNil returns nil for an empty xs: the result of a method the contract
// has return nil when there is nothing.
func OrNil[T any](xs []T, err error) ([]T, error) {
	if len(xs) == 0 {
		return nil, err
	}
	return xs, err
}

// PageEnd reads (id, size) rows in id order and returns the id of the last
// one that fits, with the ones before it, in maxSize (the first one always
// does: a page holds at least one message), or 0 when there are none. It
// does not close rows.
func PageEnd(rows Rows, maxSize int64) (int64, error) {
	var last, total int64
	for rows.Next() {
		var id, size int64
		if err := rows.Scan(&id, &size); err != nil {
			return 0, err
		}
		if total += size; last != 0 && total > maxSize {
			break
		}
		last = id
	}
	return last, rows.Err()
}

// TrimPage takes rows read for a page of size items, one more than the
// page asked for (LIMIT size+1), and returns the page and whether there
// are more beyond it. A page read backwards (before a cursor, in
// descending id order) is turned round, so that a page is always in
// ascending id order.
func TrimPage[T any](rows []T, size int, backwards bool) (page []T, more bool) {
	size = max(size, 0)
	if more = len(rows) > size; more {
		rows = rows[:size]
	}
	if backwards {
		slices.Reverse(rows)
	}
	return rows, more
}

// Qualified prefixes each name of a comma-separated column list with
// alias and a dot: Qualified("k", "id, name") is "k.id, k.name", for the
// lists of a join.
func Qualified(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
