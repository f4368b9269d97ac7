package gatehouse

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. They are deliberately few and generic; each dialect maps them
// to its own status codes and envelope in exactly one table.
const (
	EINVALID      = "invalid"      // the request is malformed or fails validation
	EUNAUTHORIZED = "unauthorized" // no credential, or one that is not valid
	EFORBIDDEN    = "forbidden"    // a valid credential without the right
	EINACTIVE     = "inactive"     // a valid credential of an account that is not active
	ENOTFOUND     = "not_found"    // the thing does not exist or is not the caller's
	ECONFLICT     = "conflict"     // a uniqueness rule would be broken
	ETOOLARGE     = "too_large"    // the request body is over the limit
	ERATELIMIT    = "rate_limited" // too many requests; try later
	EUNAVAILABLE  = "unavailable"  // a dependency (the database) is busy or down; try later
	EINTERNAL     = "internal"     // a fault; the detail is logged, never shown
	ETOOLONG      = "too_long"     // a name over its length limit (Ask Sage answers 406)
	ECACREQUIRED  = "cac_required" // needs a CAC-authenticated session (Ask Sage answers 407)
	ENOACCOUNT    = "no_account"   // no account has that e-mail (Ask Sage answers 410)
	EUPSTREAM     = "upstream"     // the model server failed (502)
	ETIMEOUT      = "timeout"      // the model server did not answer in time (504)
)

// Error is an error whose Message is safe to show to a client.
type Error struct {
	Code    string
	Message string
	// RetryAfter, when set, is how long the client should wait before
	// trying again (ERATELIMIT, EUNAVAILABLE); surfaces send it as
	// Retry-After.
	RetryAfter time.Duration
}

// ErrorRetryAfter returns the RetryAfter of err, or 0.
func ErrorRetryAfter(err error) time.Duration {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.RetryAfter
	}
	return 0
}

func (e *Error) Error() string {
	return fmt.Sprintf("gatehouse error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err when it is (or wraps) an *Error, and
// EINTERNAL otherwise. A nil error has no code.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err. Errors that are not an
// *Error return a generic text so that no internal detail leaks.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Message
	}
	return "Internal error."
}
