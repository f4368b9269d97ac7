package sqlite

import (
	"errors"

	"github.com/gatehouse/gatehouse/internal/store/dberr"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// mapErr turns driver errors into gatehouse codes (see dberr): a missing
// row into ENOTFOUND, constraint violations into ECONFLICT, a busy, locked,
// full or failing database into EUNAVAILABLE. Anything else stays an
// internal error. The driver error stays wrapped inside, for the log.
func mapErr(err error) error { return dberr.Map(err, classify) }

// mapErr is the package mapErr for errors from the pools themselves, which
// say "database is closed" once Close has run.
func (s *Store) mapErr(err error) error {
	if err != nil && s.closed.Load() && classify(err) == dberr.Fault {
		return dberr.Error(dberr.Unavailable, err)
	}
	return mapErr(err)
}

// classify reads SQLite's result code (the primary code, the low byte of
// the extended one).
func classify(err error) dberr.Class {
	if c := dberr.Common(err); c != dberr.Fault {
		return c
	}
	if e, ok := errors.AsType[*sqlite.Error](err); ok {
		switch e.Code() & 0xff {
		case sqlite3.SQLITE_CONSTRAINT:
			return dberr.Conflict
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PROTOCOL:
			return dberr.Unavailable
		}
	}
	return dberr.Fault
}
