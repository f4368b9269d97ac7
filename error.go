package gatehouse

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. They are deliberately few and generic: a code says what kind
// of failure it is, and a Reason (reasons.go) which case, where a surface
// must tell cases apart. Each surface turns code and reason into its status
// and its words in one table (internal/apierror and api/*/errors.go).
const (
	EINVALID      = "invalid"      // the request is malformed or fails validation
	EUNAUTHORIZED = "unauthorized" // no credential, or one that is not valid
	EFORBIDDEN    = "forbidden"    // a valid credential without the right
	EINACTIVE     = "inactive"     // a valid credential of an account that is not active
	ENOTFOUND     = "not_found"    // the thing does not exist or is not the caller's
	ECONFLICT     = "conflict"     // a uniqueness rule or a quota would be broken
	ETOOLARGE     = "too_large"    // the request (or a part of it) is over its limit
	ERATELIMIT    = "rate_limited" // too many requests; try later
	EUNAVAILABLE  = "unavailable"  // a dependency (the database) is busy or down; try later
	EINTERNAL     = "internal"     // a fault; the detail is logged, never shown
	EUPSTREAM     = "upstream"     // the model server failed
	ETIMEOUT      = "timeout"      // the model server did not answer in time
)

// Codes returns every error code.
func Codes() []string {
	return []string{EINVALID, EUNAUTHORIZED, EFORBIDDEN, EINACTIVE, ENOTFOUND, ECONFLICT,
		ETOOLARGE, ERATELIMIT, EUNAVAILABLE, EINTERNAL, EUPSTREAM, ETIMEOUT}
}

// Reason is the machine name of one case of a code ("name_too_long" under
// EINVALID). The zero Reason is the code's generic case. Every reason is
// declared in reasons.go.
type Reason struct {
	Code string
	Name string
}

// Error is a failure a client may be told about: a code, the case, and what
// the words for it must say. It carries no text: each surface words it.
type Error struct {
	Code   string
	Reason Reason
	// Name is what the reason is about when the words must say it: a
	// field, a duplicate key, a file name, an e-mail.
	Name string
	// Limit is the number the words must say: a limit, a count, the model
	// server's HTTP status.
	Limit int64
	// RetryAfter, when set, is how long the client should wait before
	// trying again (ERATELIMIT, EUNAVAILABLE); surfaces send it as
	// Retry-After.
	RetryAfter time.Duration
}

// Err returns a new *Error of reason r (its code is r's).
func Err(r Reason) *Error { return &Error{Code: r.Code, Reason: r} }

// CodeErr returns a new *Error of code's generic case.
func CodeErr(code string) *Error { return &Error{Code: code} }

// WithName returns a copy of e naming s. Errors are often shared package
// values, so they are never changed in place.
func (e *Error) WithName(s string) *Error { c := *e; c.Name = s; return &c }

// WithLimit returns a copy of e with the limit n.
func (e *Error) WithLimit(n int64) *Error { c := *e; c.Limit = n; return &c }

// WithRetryAfter returns a copy of e asking the client to wait d.
func (e *Error) WithRetryAfter(d time.Duration) *Error { c := *e; c.RetryAfter = d; return &c }

// Error describes e for logs: its code and reason, never a client's words
// (nor its Name, which may be what a client sent).
func (e *Error) Error() string {
	if e.Reason.Name == "" {
		return "gatehouse error: code=" + e.Code
	}
	return fmt.Sprintf("gatehouse error: code=%s reason=%s", e.Code, e.Reason.Name)
}

// ErrorRetryAfter returns the RetryAfter of err, or 0.
func ErrorRetryAfter(err error) time.Duration {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.RetryAfter
	}
	return 0
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

// ErrorReason returns the reason of err when it is (or wraps) an *Error,
// and the zero Reason otherwise.
func ErrorReason(err error) Reason {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Reason
	}
	return Reason{}
}
