package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

type (
	namedString string
	namedInt    int64
	namedBool   bool
)

// TestRawScanLikeSQL: a reader connection's queries run on the driver
// itself (rawread.go), and every value they scan is what database/sql's
// Scan gives for the same query on the same file, error or not, with the
// same message: every kind of value SQLite returns, into every kind of
// destination database/sql takes but sql.RawBytes.
func TestRawScanLikeSQL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t, Options{})
	exprs := []string{
		"1", "0", "2", "-5", "300", "3000000000", "9223372036854775807",
		"1.5", "1e300", "-0.25",
		"'abc'", "''", "'12'", "'-7'", "'1.25'", "'true'", "'FALSE'", "'2026-01-02T03:04:05Z'",
		"x'6869'", "x''", "NULL",
	}
	dests := []func() any{
		func() any { return new(string) },
		func() any { return new(int64) },
		func() any { return new(int) },
		func() any { return new(int32) },
		func() any { return new(int8) },
		func() any { return new(uint) },
		func() any { return new(uint8) },
		func() any { return new(bool) },
		func() any { return new(float64) },
		func() any { return new(float32) },
		func() any { return new([]byte) },
		func() any { return new(any) },
		func() any { return new(time.Time) },
		func() any { return new(*string) },
		func() any { return new(*int64) },
		func() any { return new(namedString) },
		func() any { return new(namedInt) },
		func() any { return new(namedBool) },
		func() any { return new(sql.NullString) },
		func() any { return new(sql.NullInt64) },
		func() any { return new(sql.NullBool) },
		func() any { return new(sql.NullFloat64) },
		func() any { return new(sql.NullTime) },
		func() any { return new(sql.Null[int32]) },
		func() any { return new(struct{ X int }) },
	}
	checked := 0
	for _, e := range exprs {
		q := "SELECT " + e
		for _, mk := range dests {
			want, got := mk(), mk()
			werr := s.w.QueryRowContext(ctx, q).Scan(want) // database/sql, on the writer pool
			var gerr error
			if err := s.Read(ctx, func(tx gatehouse.Tx) error {
				gerr = tx.(*txn).tx.QueryRowContext(ctx, q).Scan(got)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			name := q + " into " + reflect.TypeOf(want).String()
			switch {
			case (werr == nil) != (gerr == nil):
				t.Errorf("%s: error %v, database/sql's %v", name, gerr, werr)
			case werr != nil && werr.Error() != gerr.Error():
				t.Errorf("%s: error %q, database/sql's %q", name, gerr, werr)
			case werr == nil && !reflect.DeepEqual(got, want):
				t.Errorf("%s: %#v, database/sql's %#v", name, reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem())
			}
			checked++
		}
	}
	if checked != len(exprs)*len(dests) {
		t.Fatalf("checked %d pairs", checked)
	}
}

// TestRawRows: a reader connection's result sets read as *sql.Rows do: all
// their rows in order, none for an empty one, sql.ErrNoRows for a row that
// is not there, the query's error for one that fails, and Scan's count
// check; a cancelled caller runs no query.
func TestRawRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t, Options{})
	read := func(fn func(tx *sqlTx) error) error {
		t.Helper()
		return s.Read(ctx, func(tx gatehouse.Tx) error { return fn(tx.(*txn).tx) })
	}
	err := read(func(tx *sqlTx) error {
		rows, err := tx.QueryContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT i, 'r' || i FROM n`)
		if err != nil {
			return err
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var i int
			var label string
			if err := rows.Scan(&i, &label); err != nil {
				return err
			}
			got = append(got, label)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if want := []string{"r1", "r2", "r3", "r4", "r5"}; !reflect.DeepEqual(got, want) {
			t.Errorf("rows %q, want %q", got, want)
		}
		if rows.Next() {
			t.Error("Next after the last row")
		}
		var i int
		if err := rows.Scan(&i); err == nil {
			t.Error("Scan after the last row")
		}

		empty, err := tx.QueryContext(ctx, `SELECT 1 WHERE 0`)
		if err != nil {
			return err
		}
		if empty.Next() || empty.Err() != nil {
			t.Errorf("an empty result: a row, or error %v", empty.Err())
		}
		if err := tx.QueryRowContext(ctx, `SELECT 1 WHERE 0`).Scan(&i); !errors.Is(err, sql.ErrNoRows) {
			t.Errorf("no row: %v, want sql.ErrNoRows", err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT 1, 2`).Scan(&i); err == nil || err.Error() != "sql: expected 2 destination arguments in Scan, not 1" {
			t.Errorf("one destination for two columns: %v", err)
		}
		if _, err := tx.QueryContext(ctx, `SELECT nope FROM nowhere`); err == nil {
			t.Error("a query of a table that does not exist ran")
		}
		var arg string
		if err := tx.QueryRowContext(ctx, `SELECT ?`, namedString("arg")).Scan(&arg); err != nil || arg != "arg" {
			t.Errorf("a named string argument: %q, %v", arg, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A caller already gone: its statement fails at once with its error.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = s.Read(ctx, func(tx gatehouse.Tx) error {
		var i int
		return tx.(*txn).tx.QueryRowContext(cctx, `SELECT 1`).Scan(&i)
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v, want context.Canceled", err)
	}
}
