package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/apierror"
	"github.com/gatehouse/gatehouse/internal/store/dberr"
	sqlite "modernc.org/sqlite"
)

// TestMapErr checks the error vocabulary on errors the driver really gives:
// each gets its code by SQLite's result code or its Go type (never its
// text), the client message carries no SQL or driver text, and the driver
// error stays reachable with errors.Is/As for logs.
func TestMapErr(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "g.db")
	s, err := Open(ctx, path, Options{BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.w.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ('a', x'00')`); err != nil {
		t.Fatal(err)
	}
	// Another connection holds the write lock, as another process would.
	locker, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	lock, err := locker.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	driverErr := func(what string, err error) error {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		return err
	}
	expired, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"no rows", driverErr("no rows", s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = 'nope'`).Scan(new([]byte))), gatehouse.ENOTFOUND},
		{"unique", driverErr("unique", exec(ctx, s.w, `INSERT INTO settings (name, value) VALUES ('a', x'01')`)), gatehouse.ECONFLICT},
		{"foreign key", driverErr("foreign key", exec(ctx, s.w, `INSERT INTO api_keys (user_id, name, hash, hint, created_at) VALUES (1234, 'k', x'01', 'h', 0)`)), gatehouse.ECONFLICT},
		{"not null", driverErr("not null", exec(ctx, s.w, `INSERT INTO users (email, email_norm) VALUES (NULL, NULL)`)), gatehouse.ECONFLICT},
		{"read only", driverErr("read only", exec(ctx, s.r, `INSERT INTO settings (name, value) VALUES ('b', x'01')`)), gatehouse.EUNAVAILABLE},
		{"busy", driverErr("busy", func() error {
			if _, err := lock.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
				t.Fatal(err)
			}
			defer lock.ExecContext(ctx, `ROLLBACK`)
			return exec(ctx, s.w, `INSERT INTO settings (name, value) VALUES ('c', x'01')`)
		}()), gatehouse.EUNAVAILABLE},
		{"cannot open", driverErr("cannot open", func() error {
			db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "no", "such", "dir", "g.db")+"?mode=ro")
			if err != nil {
				return err
			}
			defer db.Close()
			return db.PingContext(ctx)
		}()), gatehouse.EUNAVAILABLE},
		{"deadline", driverErr("deadline", exec(expired, s.r, `SELECT 1`)), gatehouse.EUNAVAILABLE},
		{"conn done", driverErr("conn done", func() error {
			c, err := s.r.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			c.Close()
			return c.PingContext(ctx)
		}()), gatehouse.EUNAVAILABLE},
		{"syntax", driverErr("syntax", exec(ctx, s.r, `SELEC 1`)), gatehouse.EINTERNAL},
		{"no such table", driverErr("no such table", exec(ctx, s.r, `SELECT * FROM nope`)), gatehouse.EINTERNAL},
		{"other", errors.New("boom"), gatehouse.EINTERNAL},
	}
	for _, tt := range tests {
		got := mapErr(tt.err)
		if code := gatehouse.ErrorCode(got); code != tt.code {
			t.Errorf("mapErr(%s) = %v: code %q, want %q", tt.name, got, code, tt.code)
		}
		msg := apierror.Text(got)
		for _, leak := range []string{"SQL", "sqlite", "settings", "constraint", "no rows", "boom", "deadline"} {
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
		if _, isDriver := errors.AsType[*sqlite.Error](tt.err); isDriver {
			if _, ok := errors.AsType[*sqlite.Error](got); !ok {
				t.Errorf("mapErr(%s) = %v: the *sqlite.Error is not reachable with errors.As", tt.name, got)
			}
		}
		// Mapping twice changes nothing.
		if again := mapErr(got); again != got {
			t.Errorf("mapErr(mapErr(%s)) = %v, want %v", tt.name, again, got)
		}
	}
	if mapErr(nil) != nil {
		t.Errorf("mapErr(nil) != nil")
	}

	// A closed store: database/sql's "database is closed" is known by the
	// store being closed, not by its text.
	s.Close()
	_, err = s.w.BeginTx(ctx, nil)
	err = driverErr("closed", err)
	if code := gatehouse.ErrorCode(mapErr(err)); code != gatehouse.EINTERNAL {
		t.Errorf("mapErr(closed pool) outside the store = %q, want %q (the package function does not know the store)", code, gatehouse.EINTERNAL)
	}
	got := s.mapErr(err)
	if code := gatehouse.ErrorCode(got); code != gatehouse.EUNAVAILABLE || !errors.Is(got, err) {
		t.Errorf("Store.mapErr(closed pool) = %v: code %q, want %q wrapping the driver error", got, gatehouse.ErrorCode(got), gatehouse.EUNAVAILABLE)
	}
}

// exec runs q on db and returns its error.
func exec(ctx context.Context, db *sql.DB, q string) error {
	_, err := db.ExecContext(ctx, q)
	return err
}
