package dberr

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/apierror"
)

func TestError(t *testing.T) {
	t.Parallel()
	driver := errors.New("driver: secret detail")
	for _, tt := range []struct {
		class Class
		code  string
	}{
		{Fault, gatehouse.EINTERNAL},
		{NotFound, gatehouse.ENOTFOUND},
		{Conflict, gatehouse.ECONFLICT},
		{Unavailable, gatehouse.EUNAVAILABLE},
		{BadText, gatehouse.EINVALID},
	} {
		got := Error(tt.class, driver)
		if code := gatehouse.ErrorCode(got); code != tt.code {
			t.Errorf("Error(%d) code %q, want %q", tt.class, code, tt.code)
		}
		if !errors.Is(got, driver) {
			t.Errorf("Error(%d) = %v does not wrap the driver error", tt.class, got)
		}
		if msg := apierror.Text(got); msg == "" || strings.Contains(msg, "secret") {
			t.Errorf("Error(%d) client message %q: empty, or with driver text", tt.class, msg)
		}
	}
	// An error that already carries a gatehouse.Error keeps it.
	own := fmt.Errorf("%w: %w", gatehouse.CodeErr(gatehouse.ECONFLICT), sql.ErrNoRows)
	if got := Error(NotFound, own); got != own {
		t.Errorf("Error(NotFound, a gatehouse error) = %v, want it unchanged", got)
	}
	if Error(Conflict, nil) != nil || Map(nil, Common) != nil {
		t.Errorf("a nil error did not stay nil")
	}
}

func TestCommon(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err  error
		want Class
	}{
		{sql.ErrNoRows, NotFound},
		{fmt.Errorf("scan: %w", sql.ErrNoRows), NotFound},
		{sql.ErrConnDone, Unavailable},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), Unavailable},
		{context.Canceled, Fault},
		{errors.New("sql: database is closed"), Fault}, // known by the store's state, not by text
		{errors.New("other"), Fault},
	} {
		if got := Common(tt.err); got != tt.want {
			t.Errorf("Common(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
