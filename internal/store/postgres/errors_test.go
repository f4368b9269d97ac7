package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/apierror"
	"github.com/gatehouse/gatehouse/internal/store/dberr"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
)

// TestMapErr checks the error vocabulary without a server: each driver
// error gets its code (by its type or SQLSTATE, never its text), the client
// message never carries SQL or driver text, and the driver error stays
// reachable with errors.Is/As for logs.
func TestMapErr(t *testing.T) {
	t.Parallel()
	pg := func(code string) error {
		return &pgconn.PgError{Severity: "ERROR", Code: code, Message: "secret detail from " + code, Detail: "Key (email_norm)=(a@b.c)"}
	}
	netErr := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"no rows", pgx.ErrNoRows, gatehouse.ENOTFOUND},
		{"no rows wrapped", fmt.Errorf("scan: %w", pgx.ErrNoRows), gatehouse.ENOTFOUND},
		{"unique_violation", pg("23505"), gatehouse.ECONFLICT},
		{"foreign_key_violation", pg("23503"), gatehouse.ECONFLICT},
		{"serialization_failure", pg("40001"), gatehouse.EUNAVAILABLE},
		{"deadlock_detected", pg("40P01"), gatehouse.EUNAVAILABLE},
		{"lock_not_available", pg("55P03"), gatehouse.EUNAVAILABLE},
		{"query_canceled", pg("57014"), gatehouse.EUNAVAILABLE},
		{"admin_shutdown", pg("57P01"), gatehouse.EUNAVAILABLE},
		{"crash_shutdown", pg("57P02"), gatehouse.EUNAVAILABLE},
		{"cannot_connect_now", pg("57P03"), gatehouse.EUNAVAILABLE},
		{"too_many_connections", pg("53300"), gatehouse.EUNAVAILABLE},
		{"disk_full", pg("53100"), gatehouse.EUNAVAILABLE},
		{"connection_failure", pg("08006"), gatehouse.EUNAVAILABLE},
		{"io_error", pg("58030"), gatehouse.EUNAVAILABLE},
		{"connect error", &pgconn.ConnectError{Config: &pgconn.Config{}}, gatehouse.EUNAVAILABLE},
		{"net error", netErr, gatehouse.EUNAVAILABLE},
		{"unexpected EOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), gatehouse.EUNAVAILABLE},
		{"conn closed", pgconn.ErrConnClosed, gatehouse.EUNAVAILABLE},
		{"conn closed wrapped", fmt.Errorf("exec: %w", pgconn.ErrConnClosed), gatehouse.EUNAVAILABLE},
		{"closed pool", puddle.ErrClosedPool, gatehouse.EUNAVAILABLE},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), gatehouse.EUNAVAILABLE},
		{"syntax_error", pg("42601"), gatehouse.EINTERNAL},
		{"check_violation", pg("23514"), gatehouse.EINTERNAL},
		{"read_only_sql_transaction", pg("25006"), gatehouse.EINTERNAL},
		{"undefined_table", pg("42P01"), gatehouse.EINTERNAL},
		{"commit rolled back", pgx.ErrTxCommitRollback, gatehouse.EINTERNAL},
		{"other", errors.New("boom"), gatehouse.EINTERNAL},
	}
	for _, tt := range tests {
		got := mapErr(tt.err)
		if code := gatehouse.ErrorCode(got); code != tt.code {
			t.Errorf("mapErr(%s) = %v: code %q, want %q", tt.name, got, code, tt.code)
		}
		msg := apierror.Text(got)
		for _, leak := range []string{"secret detail", "SQLSTATE", "email_norm", "dial", "conn closed", "boom"} {
			if strings.Contains(msg, leak) {
				t.Errorf("mapErr(%s): client message %q contains %q", tt.name, msg, leak)
			}
		}
		if want := apierror.Text(dberr.Error(dberr.Unavailable, tt.err)); tt.code == gatehouse.EUNAVAILABLE && msg != want {
			t.Errorf("mapErr(%s): client message %q, want %q", tt.name, msg, want)
		}
		if !errors.Is(got, tt.err) {
			t.Errorf("mapErr(%s) = %v does not wrap the driver error", tt.name, got)
		}
	}
	if mapErr(nil) != nil {
		t.Errorf("mapErr(nil) != nil")
	}
}
