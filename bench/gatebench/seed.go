package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// seeded is an account the seeder wrote, with the clear text of its keys.
type seeded struct {
	email string
	keys  []string
}

// seedBatch is how many rows one seeding transaction writes.
const seedBatch = 10_000

// seedKeys writes total API keys, perAccount to an active account (emails
// prefix-00001@…, as many accounts as that takes), straight into the SQLite database of data
// dir through the store package (the same code and schema gatehouse serve
// uses, so migrations are applied as serve would), not through the API:
// no password hashing per account, no HTTP, and no per-account key limit
// in the way. gatehouse must not be running on dir. It returns the
// accounts in id order.
func seedKeys(ctx context.Context, dir, prefix string, total, perAccount int) ([]seeded, error) {
	accounts := (total + perAccount - 1) / perAccount
	st, err := sqlite.Open(ctx, filepath.Join(dir, "gatehouse.db"), sqlite.Options{})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	// One password hash for every seeded account: none of them ever logs
	// in with a password, and argon2id per account would dominate seeding.
	pw, err := password.Hasher{Params: password.DefaultParams}.Hash("seeded-accounts-never-log-in")
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	out := make([]seeded, accounts)
	ids := make([]int64, accounts)
	for lo := 0; lo < accounts; lo += seedBatch {
		hi := min(lo+seedBatch, accounts)
		err := st.Update(ctx, func(tx gatehouse.Tx) error {
			for i := lo; i < hi; i++ {
				u := &gatehouse.User{Email: fmt.Sprintf("%s-%05d@bench.example", prefix, i+1), PasswordHash: pw,
					Status: gatehouse.UserActive, CreatedAt: now, UpdatedAt: now}
				if err := tx.Users().CreateUser(ctx, u); err != nil {
					return fmt.Errorf("seed account %s: %w", u.Email, err)
				}
				out[i].email, ids[i] = u.Email, u.ID
				out[i].keys = make([]string, 0, perAccount)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for lo := 0; lo < total; lo += seedBatch {
		hi := min(lo+seedBatch, total)
		err := st.Update(ctx, func(tx gatehouse.Tx) error {
			for n := lo; n < hi; n++ {
				a := n / perAccount
				clear := credential.NewAPIKey()
				k := &gatehouse.APIKey{UserID: ids[a], Name: "seed", Hash: credential.Hash(clear),
					Hint: credential.Hint(clear), CreatedAt: now}
				if err := tx.Keys().CreateKey(ctx, k); err != nil {
					return fmt.Errorf("seed key %d: %w", n, err)
				}
				out[a].keys = append(out[a].keys, clear)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
