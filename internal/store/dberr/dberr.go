// Package dberr turns what a database driver reports into the error codes
// of the store contract (see gatehouse.Store). Each backend says which
// Class a driver error is in, by its type or its code (never its text);
// Error builds the one gatehouse.Error each class stands for, with the
// driver error wrapped under it so that logs and errors.Is still see it.
// Both backends import it, so a class reads the same from either.
package dberr

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse"
)

// Class is what a driver error means to the contract.
type Class int

// Classes of driver errors.
const (
	// Fault is anything else: a bug or a broken schema, an internal error.
	Fault Class = iota
	// NotFound is a query that found no row (ENOTFOUND).
	NotFound
	// Conflict is a write that would break a uniqueness rule or refer to a
	// row that does not exist (ECONFLICT).
	Conflict
	// Unavailable is a database that is busy, unreachable, restarting, out
	// of space or closed: nothing was done, and trying later may work
	// (EUNAVAILABLE).
	Unavailable
	// BadText is text the database cannot store (EINVALID).
	BadText
)

// Error returns err as the gatehouse.Error of class c, with err wrapped
// under it; a Fault, or an error that already carries a gatehouse.Error, is
// returned as it is.
func Error(c Class, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*gatehouse.Error](err); ok {
		return err
	}
	var e *gatehouse.Error
	switch c {
	case NotFound:
		e = gatehouse.CodeErr(gatehouse.ENOTFOUND)
	case Conflict:
		e = gatehouse.CodeErr(gatehouse.ECONFLICT)
	case Unavailable:
		e = gatehouse.CodeErr(gatehouse.EUNAVAILABLE)
	case BadText:
		e = gatehouse.CodeErr(gatehouse.EINVALID)
	default:
		return err
	}
	return fmt.Errorf("%w: %w", e, err)
}

// Map returns Error(classify(err), err), and nil for nil.
func Map(err error, classify func(error) Class) error {
	if err == nil {
		return nil
	}
	return Error(classify(err), err)
}

// Common classifies the errors both drivers give alike: no rows
// (database/sql's sql.ErrNoRows, which pgx.ErrNoRows also is), a
// connection database/sql has given up on, and a passed deadline. It
// returns Fault for anything else, which the backend then looks at itself.
func Common(err error) Class {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return NotFound
	case errors.Is(err, sql.ErrConnDone), errors.Is(err, context.DeadlineExceeded):
		return Unavailable
	}
	return Fault
}
