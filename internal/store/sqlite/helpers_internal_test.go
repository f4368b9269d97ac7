package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// openTemp opens a store on a fresh file of tb's, closed when tb ends.
func openTemp(tb testing.TB, opt Options) *Store {
	tb.Helper()
	s, err := Open(context.Background(), filepath.Join(tb.TempDir(), "g.db"), opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// createUser stores an active account of email in s.
func createUser(tb testing.TB, s *Store, email string) *gatehouse.User {
	tb.Helper()
	ctx := context.Background()
	u := &gatehouse.User{Email: email, PasswordHash: "x", Status: gatehouse.UserActive, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := s.Update(ctx, func(tx gatehouse.Tx) error { return tx.Users().CreateUser(ctx, u) }); err != nil {
		tb.Fatal(err)
	}
	return u
}
