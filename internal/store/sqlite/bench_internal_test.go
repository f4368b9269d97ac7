package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// BenchmarkView is a View's cost, and a Read's, around the reads of a request:
// FindUserByID (one row), and FindLoginsByUser over five logins (what
// get-user-logins reads); in parallel, as requests run.
func BenchmarkView(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b, Options{})
	u := createUser(b, s, "a@example.com")
	err := s.Update(ctx, func(tx gatehouse.Tx) error {
		for range 5 {
			l := &gatehouse.Login{UserID: u.ID, At: time.Now(), IP: "127.0.0.1", UserAgent: "bench", Kind: gatehouse.LoginToken, Success: true}
			if err := tx.Logins().CreateLogin(ctx, l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// A request's context: cancellable, as net/http's are.
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// View, and Read (which was View until it dropped BEGIN and COMMIT):
	// the same reads both ways, in one run.
	for _, m := range []struct {
		name string
		run  func(context.Context, func(gatehouse.Tx) error) error
	}{{"view", s.View}, {"read", s.Read}} {
		b.Run(m.name+"/user", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := m.run(rctx, func(tx gatehouse.Tx) error {
						_, err := tx.Users().FindUserByID(rctx, u.ID)
						return err
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
		b.Run(m.name+"/logins", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := m.run(rctx, func(tx gatehouse.Tx) error {
						ls, err := tx.Logins().FindLoginsByUser(rctx, u.ID, 20)
						if err == nil && len(ls) != 5 {
							b.Fatalf("%d logins, want 5", len(ls))
						}
						return err
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
