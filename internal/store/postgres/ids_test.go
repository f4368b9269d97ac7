package postgres_test

import (
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// TestStoreIDs runs the id contract (no id is ever handed out twice) on
// PostgreSQL, reopened by closing the pool and opening a new one on the
// same schema.
func TestStoreIDs(t *testing.T) {
	t.Parallel()
	serverDSN(t)
	storetest.RunIDs(t, func(t *testing.T) storetest.Database {
		dsn, _ := newSchema(t)
		return storetest.Database{
			Store:  openStore(t, dsn, postgres.Options{MaxConns: 2}),
			Reopen: func(t *testing.T) gatehouse.Store { return openStore(t, dsn, postgres.Options{MaxConns: 2}) },
			Exec: func(t *testing.T, query string) {
				t.Helper()
				if err := exec(t.Context(), dsn, query); err != nil {
					t.Fatalf("%s: %v", query, err)
				}
			},
		}
	})
}
