package postgres_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/jackc/pgx/v5"
)

// roundTrips counts what a pgx connection sends: each statement alone and
// each batch is one round trip (once the statements are prepared).
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// count runs f twice (the first prepares its statements) and returns the
// round trips of the second.
func (r *roundTrips) count(t *testing.T, f func() error) int64 {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
	before := r.n.Load()
	if err := f(); err != nil {
		t.Fatal(err)
	}
	return r.n.Load() - before
}

// TestRoundTrips pins what pipeline.go promises: BEGIN goes with the first
// statement, appended rows go with the next statement or COMMIT. A token
// exchange's transaction is 2 round trips (6 with one per statement).
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t)
	rt := &roundTrips{}
	s := openStore(t, dsn, postgres.WithTracer(postgres.Options{MaxConns: 2}, rt))
	ctx := t.Context()
	u := createUser(t, s, "rt@example.com")
	key := createKey(t, s, u.ID, "k")

	var logins []*gatehouse.Login
	exchange := func() error {
		return s.Update(ctx, func(tx gatehouse.Tx) error {
			k, owner, err := tx.Keys().LockKeyAndOwner(ctx, key.Hash)
			if err != nil {
				return err
			}
			tok := &gatehouse.AccessToken{Hash: credential.Hash(credential.NewAccessToken()), UserID: owner.ID, KeyID: k.ID, CreatedAt: t0, ExpiresAt: t0.Add(gatehouse.AccessTokenTTL)}
			if err := tx.Tokens().CreateToken(ctx, tok); err != nil {
				return err
			}
			if err := tx.Audit().CreateAuditEvent(ctx, &gatehouse.AuditEvent{At: t0, Type: gatehouse.AuditTokenExchange, Actor: owner.Email}); err != nil {
				return err
			}
			l := &gatehouse.Login{UserID: owner.ID, At: t0, Kind: gatehouse.LoginToken, Success: true}
			logins = append(logins, l)
			return tx.Logins().CreateLogin(ctx, l)
		})
	}
	if n := rt.count(t, exchange); n != 2 {
		t.Errorf("exchange transaction: %d round trips, want 2 (BEGIN+the locking read, the rows+COMMIT)", n)
	}
	for i, l := range logins {
		if l.ID == 0 {
			t.Errorf("login %d: ID not set after Update returned", i)
		}
	}

	appendOnly := func() error {
		return s.Update(ctx, func(tx gatehouse.Tx) error {
			return tx.Logins().CreateLoginAttempt(ctx, &gatehouse.LoginAttempt{At: t0, Kind: gatehouse.LoginToken, Email: "x@example.com"})
		})
	}
	if n := rt.count(t, appendOnly); n != 2 {
		t.Errorf("append-only transaction: %d round trips, want 2 (BEGIN+rows, then COMMIT alone)", n)
	}
	view := func() error {
		return s.View(ctx, func(tx gatehouse.Tx) error { _, err := tx.Users().FindUserByID(ctx, u.ID); return err })
	}
	if n := rt.count(t, view); n != 2 {
		t.Errorf("one-read View: %d round trips, want 2", n)
	}
	nothing := func() error { return s.Update(ctx, func(gatehouse.Tx) error { return nil }) }
	if n := rt.count(t, nothing); n != 0 {
		t.Errorf("empty Update: %d round trips, want 0", n)
	}
}

// TestQueuedRowErrors: an appended row's error comes back from the next
// statement, or from Update, and nothing of the transaction commits.
func TestQueuedRowErrors(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t)
	s := openStore(t, dsn, postgres.Options{MaxConns: 2})
	ctx := t.Context()
	u := createUser(t, s, "q@example.com")
	key := createKey(t, s, u.ID, "k")
	tok := &gatehouse.AccessToken{Hash: credential.Hash(credential.NewAccessToken()), UserID: u.ID, KeyID: key.ID, CreatedAt: t0, ExpiresAt: t0.Add(gatehouse.AccessTokenTTL)}
	if err := s.Update(ctx, func(tx gatehouse.Tx) error { return tx.Tokens().CreateToken(ctx, tok) }); err != nil {
		t.Fatal(err)
	}
	dup := *tok
	var readErr error
	err := s.Update(ctx, func(tx gatehouse.Tx) error {
		if err := setStatus(ctx, tx, u.ID, gatehouse.UserDisabled); err != nil {
			return err
		}
		if err := tx.Tokens().CreateToken(ctx, &dup); err != nil {
			return err // not here: the row is queued
		}
		_, readErr = tx.Users().FindUserByID(ctx, u.ID)
		return readErr
	})
	if gatehouse.ErrorCode(readErr) != gatehouse.ECONFLICT {
		t.Errorf("read after a queued duplicate: %v, want the duplicate's conflict", readErr)
	}
	if gatehouse.ErrorCode(err) != gatehouse.ECONFLICT {
		t.Errorf("Update: %v, want conflict", err)
	}
	if got := findUser(t, s, u.ID); got.Status != gatehouse.UserActive {
		t.Errorf("status %q after the failed Update, want active (rolled back)", got.Status)
	}

	// Queued until COMMIT: the error is Update's.
	err = s.Update(ctx, func(tx gatehouse.Tx) error {
		if err := setStatus(ctx, tx, u.ID, gatehouse.UserDisabled); err != nil {
			return err
		}
		return tx.Tokens().CreateToken(ctx, &dup)
	})
	if gatehouse.ErrorCode(err) != gatehouse.ECONFLICT {
		t.Errorf("Update ending in a queued duplicate: %v, want conflict", err)
	}
	if got := findUser(t, s, u.ID); got.Status != gatehouse.UserActive {
		t.Errorf("status %q after the failed Update, want active (rolled back)", got.Status)
	}
	// The connection went back clean: the next Update commits.
	if err := s.Update(ctx, func(tx gatehouse.Tx) error {
		return setStatus(ctx, tx, u.ID, gatehouse.UserDisabled)
	}); err != nil {
		t.Fatal(err)
	}
	if got := findUser(t, s, u.ID); got.Status != gatehouse.UserDisabled {
		t.Errorf("status %q, want disabled", got.Status)
	}
}

// TestQueuedRowsAfterTerminate: after every pooled connection is cut, an
// Update of appended rows alone still commits each row once (BEGIN and
// the rows are resent on a fresh connection, COMMIT never is); a cut
// between the rows and COMMIT of a transaction already begun fails
// EUNAVAILABLE and commits nothing.
func TestQueuedRowsAfterTerminate(t *testing.T) {
	t.Parallel()
	app := "gh_queue_" + randHex(4)
	dsn, _ := newSchema(t, "application_name", app)
	s := openStore(t, dsn, postgres.Options{MaxConns: 2})
	ctx := t.Context()
	u := createUser(t, s, "cut@example.com")

	terminate(t, app)
	if err := s.Update(ctx, func(tx gatehouse.Tx) error {
		for range 2 {
			if err := tx.Logins().CreateLogin(ctx, &gatehouse.Login{UserID: u.ID, At: t0, Kind: gatehouse.LoginToken, Success: true}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("append-only Update after terminate: %v", err)
	}
	if n := countLogins(t, s, u.ID); n != 2 {
		t.Errorf("%d logins after the Update, want 2", n)
	}

	err := s.Update(ctx, func(tx gatehouse.Tx) error {
		if err := setStatus(ctx, tx, u.ID, gatehouse.UserDisabled); err != nil {
			return err
		}
		if err := tx.Logins().CreateLogin(ctx, &gatehouse.Login{UserID: u.ID, At: t0, Kind: gatehouse.LoginToken}); err != nil {
			return err
		}
		terminate(t, app)
		return nil
	})
	wantUnavailable(t, "Update cut before COMMIT", err)
	if n := countLogins(t, s, u.ID); n != 2 {
		t.Errorf("%d logins after the cut Update, want 2 (its row never committed)", n)
	}
	if got := findUser(t, s, u.ID); got.Status != gatehouse.UserActive {
		t.Errorf("status %q after the cut Update, want active", got.Status)
	}
}

// createKey stores a new API key of the account.
func createKey(t *testing.T, s gatehouse.Store, userID int64, name string) *gatehouse.APIKey {
	t.Helper()
	k := &gatehouse.APIKey{UserID: userID, Name: name, Hash: credential.Hash(credential.NewAPIKey()), CreatedAt: t0}
	if err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Keys().CreateKey(t.Context(), k) }); err != nil {
		t.Fatal(err)
	}
	return k
}

func setStatus(ctx context.Context, tx gatehouse.Tx, id int64, st gatehouse.UserStatus) error {
	_, err := tx.Users().UpdateUser(ctx, id, gatehouse.UserUpdate{Status: &st, UpdatedAt: t0})
	return err
}

func findUser(t *testing.T, s gatehouse.Store, id int64) *gatehouse.User {
	t.Helper()
	var u *gatehouse.User
	if err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		var err error
		u, err = tx.Users().FindUserByID(t.Context(), id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return u
}

func countLogins(t *testing.T, s gatehouse.Store, userID int64) int {
	t.Helper()
	var n int
	if err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		ls, err := tx.Logins().FindLoginsByUser(t.Context(), userID, -1)
		n = len(ls)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}
