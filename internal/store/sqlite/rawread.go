package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"time"
)

// The queries of a View or a Read run on the driver's connection itself
// (sql.Conn.Raw), through driver statements the reader connection keeps,
// and their rows are read whole inside Raw. database/sql's statement,
// rows and scan machinery around a one-row read (its locks, its
// connection-statement bookkeeping, convertAssign's reflection, closing
// the rows through a second lock) cost a sixth of the read:
// BenchmarkView/read/user (FindUserByID) went from 11.1 to 9.5 µs on one
// core, and from 5.7 to 4.2 µs a read with two cores reading, 48 to 40
// allocations. What is left is modernc.org/sqlite's own: its rows' set-up
// (column names and declared types, each query) and SQLite's WAL read
// lock (two fcntl calls a statement). Nothing else changes: the
// statements, their arguments and the values the driver returns are the
// same, and Scan stores them as database/sql's Scan does (convertAssign;
// TestRawScanLikeSQL holds them to it).
//
// Reading the rows whole is what keeps this within Raw's rule (the driver
// connection is not used outside it), and costs nothing a caller would
// notice: every read of the stores is a row, or a list the store collects
// whole anyway, bounded by its LIMIT or by its owner's quota.

// rawStmt is rc's driver statement of q, prepared on first use on dc, the
// driver connection of rc.c (inside Raw).
func (rc *readConn) rawStmt(ctx context.Context, dc any, q string) (driver.Stmt, error) {
	if st, ok := rc.raw[q]; ok {
		return st, nil
	}
	p, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, errors.New("sqlite: the driver connection cannot prepare with a context")
	}
	st, err := p.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if _, ok := st.(driver.StmtQueryContext); !ok {
		st.Close()
		return nil, errors.New("sqlite: the driver statement cannot query with a context")
	}
	if rc.raw == nil {
		rc.raw = make(map[string]driver.Stmt)
	}
	rc.raw[q] = st
	return st, nil
}

// closeRaw closes rc's driver statements, inside Raw (see readConn.close).
func (rc *readConn) closeRaw() {
	for q, st := range rc.raw {
		st.Close()
		delete(rc.raw, q)
	}
}

// query runs q with args on rc's connection and reads its rows: at most
// one when one is set. ctx is what the statement runs under (see
// sqlTx.readCtx).
func (rc *readConn) query(ctx context.Context, q string, args []any, one bool) *rawRows {
	r := &rawRows{}
	if err := ctx.Err(); err != nil {
		r.err = err
		return r
	}
	nv, err := namedValues(args)
	if err != nil {
		r.err = err
		return r
	}
	var after error // an error met after the rows read so far
	r.err = rc.c.Raw(func(dc any) error {
		st, err := rc.rawStmt(ctx, dc, q)
		if err != nil {
			return rc.failed(err)
		}
		rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, nv)
		if err != nil {
			return rc.failed(err)
		}
		r.names = rows.Columns()
		r.cols = len(r.names)
		row := make([]driver.Value, r.cols)
		for {
			if err := rows.Next(row); err != nil {
				if err != io.EOF {
					after = err
				}
				break
			}
			if one {
				r.vals = row
				break
			}
			if r.vals == nil {
				r.vals = make([]driver.Value, 0, 8*r.cols) // a short list in one allocation
			}
			r.vals = append(r.vals, row...)
		}
		// Close ends the statement (sqlite3_reset), and reports what its
		// last step met, as (*sql.Row).Scan does.
		if err := rows.Close(); err != nil && after == nil {
			after = err
		}
		return nil
	})
	r.after = after
	return r
}

// failed is err, from inside Raw, after closing rc's driver statements
// when err will make database/sql close the connection (driver.ErrBadConn),
// which SQLite would otherwise keep open for them.
func (rc *readConn) failed(err error) error {
	if errors.Is(err, driver.ErrBadConn) {
		rc.closeRaw()
	}
	return err
}

// namedValues converts a statement's arguments as database/sql does for a
// driver without a NamedValueChecker (this one has none): a driver.Valuer's
// value, else driver.DefaultParameterConverter's.
func namedValues(args []any) ([]driver.NamedValue, error) {
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		var v driver.Value
		switch a := a.(type) {
		case int64, string, []byte, nil:
			v = a
		case int:
			v = int64(a)
		default:
			var err error
			if v, err = driver.DefaultParameterConverter.ConvertValue(a); err != nil {
				return nil, fmt.Errorf("sql: converting argument $%d type: %w", i+1, err)
			}
		}
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return nv, nil
}

// rawRows is a result set read whole from the driver: what a View's or a
// Read's QueryContext returns (it has the methods of *sql.Rows the stores
// use), and, for QueryRowContext, its one row.
type rawRows struct {
	err   error          // the query's own error: no rows
	after error          // an error met after the rows read, reported by Err
	cols  int            // columns per row
	names []string       // their names
	vals  []driver.Value // the rows, one after another
	cur   int            // the current row, counted from 1; 0 before the first Next
	done  bool           // Next returned false, or Close was called
}

func (r *rawRows) Next() bool {
	if r.done || r.err != nil || r.cols == 0 || r.cur*r.cols >= len(r.vals) {
		r.done = true
		return false
	}
	r.cur++
	return true
}

func (r *rawRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.after
}

func (r *rawRows) Close() error {
	r.done = true
	return nil
}

// Scan stores the current row's values in dest, as (*sql.Rows).Scan does.
func (r *rawRows) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	if r.done || r.cur == 0 {
		return errors.New("sql: Scan called without calling Next")
	}
	return scanValues(r.vals[(r.cur-1)*r.cols:r.cur*r.cols], r.names, dest)
}

// rawRow is the one row of QueryRowContext, with (*sql.Row).Scan's
// errors: the query's, or sql.ErrNoRows.
type rawRow struct{ rows *rawRows }

func (r rawRow) Scan(dest ...any) error {
	if err := r.rows.err; err != nil {
		return err
	}
	if !r.rows.Next() {
		if err := r.rows.after; err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := scanValues(r.rows.vals[:r.rows.cols], r.rows.names, dest); err != nil {
		return err
	}
	return r.rows.after
}

// scanValues stores a row's values, of the columns names, in dest, with
// the errors of (*sql.Rows).Scan.
func scanValues(row []driver.Value, names []string, dest []any) error {
	if len(dest) != len(row) {
		return fmt.Errorf("sql: expected %d destination arguments in Scan, not %d", len(row), len(dest))
	}
	for i, v := range row {
		if err := convertAssign(dest[i], v); err != nil {
			return fmt.Errorf("sql: Scan error on column index %d, name %q: %w", i, names[i], err)
		}
	}
	return nil
}

var errNilPtr = errors.New("destination pointer is nil")

// convertAssign stores src, a value of this driver (int64, float64, bool,
// []byte, string, time.Time or nil), in dest as database/sql's Scan does:
// it is that package's convertAssign (Go 1.26, database/sql/convert.go,
// BSD licence) with three differences.
//   - The int64 pairs the stores scan (into *int64, *int, *bool) come first,
//     without reflection.
//   - A []byte is stored, not copied: the driver hands over one of its own
//     (modernc copies every blob out of SQLite).
//   - There is no sql.RawBytes, decimal or cursor case: this driver returns
//     none and the stores scan into none.
func convertAssign(dest, src any) error {
	switch s := src.(type) {
	case int64:
		switch d := dest.(type) {
		case *int64:
			*d = s
			return nil
		case *int:
			if int64(int(s)) == s {
				*d = int(s)
				return nil
			}
		case *bool:
			if s == 0 || s == 1 {
				*d = s == 1
				return nil
			}
		}
	case string:
		switch d := dest.(type) {
		case *string:
			if d == nil {
				return errNilPtr
			}
			*d = s
			return nil
		case *[]byte:
			if d == nil {
				return errNilPtr
			}
			*d = []byte(s)
			return nil
		}
	case []byte:
		switch d := dest.(type) {
		case *string:
			if d == nil {
				return errNilPtr
			}
			*d = string(s)
			return nil
		case *any:
			if d == nil {
				return errNilPtr
			}
			*d = s
			return nil
		case *[]byte:
			if d == nil {
				return errNilPtr
			}
			*d = s
			return nil
		}
	case time.Time:
		switch d := dest.(type) {
		case *time.Time:
			*d = s
			return nil
		case *string:
			*d = s.Format(time.RFC3339Nano)
			return nil
		case *[]byte:
			if d == nil {
				return errNilPtr
			}
			*d = s.AppendFormat(make([]byte, 0, len(time.RFC3339Nano)), time.RFC3339Nano)
			return nil
		}
	case nil:
		switch d := dest.(type) {
		case *any:
			if d == nil {
				return errNilPtr
			}
			*d = nil
			return nil
		case *[]byte:
			if d == nil {
				return errNilPtr
			}
			*d = nil
			return nil
		}
	}

	var sv reflect.Value
	switch d := dest.(type) {
	case *string:
		sv = reflect.ValueOf(src)
		switch sv.Kind() {
		case reflect.Bool,
			reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
			reflect.Float32, reflect.Float64:
			*d = asString(src)
			return nil
		}
	case *[]byte:
		sv = reflect.ValueOf(src)
		if b, ok := asBytes(sv); ok {
			*d = b
			return nil
		}
	case *bool:
		bv, err := driver.Bool.ConvertValue(src)
		if err == nil {
			*d = bv.(bool)
		}
		return err
	case *any:
		*d = src
		return nil
	}

	if scanner, ok := dest.(sql.Scanner); ok {
		return scanner.Scan(src)
	}

	dpv := reflect.ValueOf(dest)
	if dpv.Kind() != reflect.Pointer {
		return errors.New("destination not a pointer")
	}
	if dpv.IsNil() {
		return errNilPtr
	}
	if !sv.IsValid() {
		sv = reflect.ValueOf(src)
	}
	dv := reflect.Indirect(dpv)
	if sv.IsValid() && sv.Type().AssignableTo(dv.Type()) {
		dv.Set(sv)
		return nil
	}
	if sv.IsValid() && dv.Kind() == sv.Kind() && sv.Type().ConvertibleTo(dv.Type()) {
		dv.Set(sv.Convert(dv.Type()))
		return nil
	}
	switch dv.Kind() {
	case reflect.Pointer:
		if src == nil {
			dv.SetZero()
			return nil
		}
		dv.Set(reflect.New(dv.Type().Elem()))
		return convertAssign(dv.Interface(), src)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return parseInto(dv, src, func(s string) error {
			i, err := strconv.ParseInt(s, 10, dv.Type().Bits())
			if err == nil {
				dv.SetInt(i)
			}
			return err
		})
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return parseInto(dv, src, func(s string) error {
			u, err := strconv.ParseUint(s, 10, dv.Type().Bits())
			if err == nil {
				dv.SetUint(u)
			}
			return err
		})
	case reflect.Float32, reflect.Float64:
		return parseInto(dv, src, func(s string) error {
			f, err := strconv.ParseFloat(s, dv.Type().Bits())
			if err == nil {
				dv.SetFloat(f)
			}
			return err
		})
	case reflect.String:
		if src == nil {
			return fmt.Errorf("converting NULL to %s is unsupported", dv.Kind())
		}
		switch v := src.(type) {
		case string:
			dv.SetString(v)
			return nil
		case []byte:
			dv.SetString(string(v))
			return nil
		}
	}
	return fmt.Errorf("unsupported Scan, storing driver.Value type %T into type %T", src, dest)
}

// parseInto stores src in the number dv through its text, as convertAssign
// does for a numeric destination of another type: parse parses the text and
// sets dv.
func parseInto(dv reflect.Value, src any, parse func(string) error) error {
	if src == nil {
		return fmt.Errorf("converting NULL to %s is unsupported", dv.Kind())
	}
	s := asString(src)
	if err := parse(s); err != nil {
		return fmt.Errorf("converting driver.Value type %T (%q) to a %s: %v", src, s, dv.Kind(), strconvErr(err))
	}
	return nil
}

func strconvErr(err error) error {
	if ne, ok := err.(*strconv.NumError); ok {
		return ne.Err
	}
	return err
}

func asString(src any) string {
	switch v := src.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	rv := reflect.ValueOf(src)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'g', -1, 64)
	case reflect.Float32:
		return strconv.FormatFloat(rv.Float(), 'g', -1, 32)
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool())
	}
	return fmt.Sprintf("%v", src)
}

func asBytes(rv reflect.Value) ([]byte, bool) {
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(nil, rv.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.AppendUint(nil, rv.Uint(), 10), true
	case reflect.Float32:
		return strconv.AppendFloat(nil, rv.Float(), 'g', -1, 32), true
	case reflect.Float64:
		return strconv.AppendFloat(nil, rv.Float(), 'g', -1, 64), true
	case reflect.Bool:
		return strconv.AppendBool(nil, rv.Bool()), true
	case reflect.String:
		return []byte(rv.String()), true
	}
	return nil, false
}
