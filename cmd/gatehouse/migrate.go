package main

import (
	"context"
	"fmt"
	"io"
)

// runMigrate applies pending migrations and reports them.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, _, err := parse("migrate", args, getenv)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	// Opening a store applies pending migrations (under an advisory lock on
	// PostgreSQL); this reports the state.
	if m, ok := store.(interface {
		Migrate(context.Context) ([]string, error)
	}); ok {
		if _, err := m.Migrate(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, "migrations applied; database is up to date")
	return nil
}
