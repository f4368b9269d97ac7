package postgres

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/dberr"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
)

// mapErr turns driver errors into gatehouse codes (see dberr): a missing
// row into ENOTFOUND; unique and foreign-key violations into ECONFLICT; a
// database that is unreachable, restarting, overloaded, out of space, or
// that aborted the transaction to keep it serializable, into EUNAVAILABLE;
// text it cannot store into EINVALID. Anything else stays an internal
// error. The driver error is kept (with %w, for logs and errors.Is); a
// client is told only the code.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if c := classify(err); c != dberr.Fault {
		return dberr.Error(c, err)
	}
	if _, ok := errors.AsType[*gatehouse.Error](err); ok {
		return err
	}
	return fmt.Errorf("postgres: %w", err)
}

// classify reads the SQLSTATE of a server error, and the types pgx gives
// a connection that failed, closed or timed out.
func classify(err error) dberr.Class {
	if errors.Is(err, pgx.ErrNoRows) {
		return dberr.NotFound
	}
	// Checked before PgError: a server error while connecting (too many
	// connections, starting up, database not accepting connections) is
	// wrapped in a ConnectError.
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return dberr.Unavailable
	}
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch {
		case pe.Code == "23505" || pe.Code == "23503": // unique_violation, foreign_key_violation
			return dberr.Conflict
		case retryableState(pe.Code):
			return dberr.Unavailable
		case pe.Code == "22021" || pe.Code == "22P05": // character_not_in_repertoire, untranslatable_character
			return dberr.BadText
		}
		return dberr.Fault
	}
	if c := dberr.Common(err); c != dberr.Fault {
		return c
	}
	// A connection pgx closed (pgconn.ErrConnClosed, which its "conn
	// closed" lock error unwraps to), a closed pool, a timeout, or a
	// socket that broke.
	if pgconn.Timeout(err) || pgconn.SafeToRetry(err) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, puddle.ErrClosedPool) || transportErr(err) {
		return dberr.Unavailable
	}
	return dberr.Fault
}

// retryableState reports whether a SQLSTATE means "try again later" rather
// than "this request is wrong".
func retryableState(code string) bool {
	switch code {
	case "40001", // serialization_failure
		"40P01", // deadlock_detected
		"55P03", // lock_not_available (lock_timeout)
		"57014", // query_canceled (statement_timeout, or a cancelled ctx)
		"57P01", // admin_shutdown (pg_terminate_backend, fast shutdown)
		"57P02", // crash_shutdown
		"57P03", // cannot_connect_now (starting up, recovering)
		"58030": // io_error
		return true
	}
	switch code[:min(2, len(code))] {
	case "08", // connection_exception
		"53": // insufficient_resources: disk_full, out_of_memory, too_many_connections
		return true
	}
	return false
}

// brokenConn reports whether err says the connection it came from is gone
// (as opposed to the server refusing the request, or refusing new
// connections, which a retry would only repeat).
func brokenConn(err error) bool {
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return false
	}
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		// The server ended this backend: an administrator, a shutdown,
		// or pg_terminate_backend.
		return pe.Code == "57P01" || pe.Code == "57P02" || strings.HasPrefix(pe.Code, "08")
	}
	return pgconn.SafeToRetry(err) || errors.Is(err, pgconn.ErrConnClosed) || transportErr(err)
}

// transportErr reports whether err is the socket failing: end of stream
// in the middle of a message, or a network error.
func transportErr(err error) bool {
	_, isNet := errors.AsType[net.Error](err)
	return isNet || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
