package sqlrows

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// fakeRows is a result set of (id, size) rows, failing with err at the end.
type fakeRows struct {
	rows   [][2]int64
	i      int
	err    error
	closed bool
}

func (r *fakeRows) Close() { r.closed = true }

func (r *fakeRows) Next() bool { r.i++; return r.i <= len(r.rows) }
func (r *fakeRows) Err() error { return r.err }
func (r *fakeRows) Scan(dest ...any) error {
	row := r.rows[r.i-1]
	if row[0] < 0 {
		return errors.New("bad row")
	}
	for i, d := range dest {
		*d.(*int64) = row[i]
	}
	return nil
}

func TestCollect(t *testing.T) {
	t.Parallel()
	scan := func(r Row) (int64, error) {
		var id, size int64
		return id, r.Scan(&id, &size)
	}
	errEnd := errors.New("end")
	tests := []struct {
		name    string
		rows    fakeRows
		want    []int64
		wantErr bool
	}{
		{"none", fakeRows{}, []int64{}, false},
		{"some", fakeRows{rows: [][2]int64{{3, 0}, {1, 0}}}, []int64{3, 1}, false},
		{"scan fails", fakeRows{rows: [][2]int64{{3, 0}, {-1, 0}}}, nil, true},
		{"rows fail", fakeRows{rows: [][2]int64{{3, 0}}, err: errEnd}, []int64{3}, true},
	}
	mapped := errors.New("mapped")
	mapErr := func(err error) error {
		if err == nil {
			return nil
		}
		return fmt.Errorf("%w: %w", mapped, err)
	}
	for _, tt := range tests {
		got, err := Collect(&tt.rows, nil, scan, mapErr)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("Collect(%s) = %#v, %v; want %#v, error %v", tt.name, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, mapped) {
			t.Errorf("Collect(%s) error %v did not go through mapErr", tt.name, err)
		}
		if !tt.rows.closed {
			t.Errorf("Collect(%s) left the rows open", tt.name)
		}
	}
	qerr := errors.New("query failed")
	if got, err := Collect[int64](nil, qerr, scan, mapErr); got != nil || !errors.Is(err, qerr) || !errors.Is(err, mapped) {
		t.Errorf("Collect(query error) = %v, %v; want nil and the mapped query error", got, err)
	}
	if got, _ := OrNil(Collect(&fakeRows{}, nil, scan, mapErr)); got != nil {
		t.Errorf("OrNil(no rows) = %#v, want nil", got)
	}
	if got, err := Collect(&fakeRows{rows: [][2]int64{{7, 0}}}, nil, ID[int64], mapErr); !slices.Equal(got, []int64{7}) || err != nil {
		t.Errorf("Collect(ID) = %v, %v; want [7]", got, err)
	}
	if got, _ := OrNil([]int64{1}, nil); !slices.Equal(got, []int64{1}) {
		t.Errorf("OrNil([1]) = %v", got)
	}
}

func TestPageEnd(t *testing.T) {
	t.Parallel()
	rows := [][2]int64{{1, 5}, {2, 5}, {4, 100}, {9, 5}}
	for _, tt := range []struct {
		max  int64
		want int64
	}{
		{1, 1},   // the first always fits
		{10, 2},  // exactly full
		{109, 2}, // the large one does not fit after the others
		{110, 4}, // it does now
		{1e9, 9}, // everything
	} {
		if got, err := PageEnd(&fakeRows{rows: rows}, tt.max); got != tt.want || err != nil {
			t.Errorf("PageEnd(max %d) = %d, %v; want %d", tt.max, got, err, tt.want)
		}
	}
	if got, err := PageEnd(&fakeRows{}, 10); got != 0 || err != nil {
		t.Errorf("PageEnd(no rows) = %d, %v; want 0", got, err)
	}
	if _, err := PageEnd(&fakeRows{rows: [][2]int64{{-1, 0}}}, 10); err == nil {
		t.Errorf("PageEnd(bad row): no error")
	}
}

func TestTrimPage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		rows      []int
		size      int
		backwards bool
		want      []int
		more      bool
	}{
		{[]int{1, 2, 3}, 2, false, []int{1, 2}, true},
		{[]int{1, 2}, 2, false, []int{1, 2}, false},
		{[]int{}, 2, false, []int{}, false},
		{[]int{9, 8, 7}, 2, true, []int{8, 9}, true},
		{[]int{9, 8}, 2, true, []int{8, 9}, false},
		{[]int{1}, 0, false, []int{}, true},
		{[]int{1, 2}, -3, false, []int{}, true},
	} {
		got, more := TrimPage(slices.Clone(tt.rows), tt.size, tt.backwards)
		if !slices.Equal(got, tt.want) || more != tt.more {
			t.Errorf("TrimPage(%v, %d, %v) = %v, %v; want %v, %v", tt.rows, tt.size, tt.backwards, got, more, tt.want, tt.more)
		}
	}
}
