package main

import (
	"context"
	"fmt"
	"io"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// runMigrate applies pending migrations and reports them.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := config.Default()
	fs := config.FlagSet("migrate", &cfg, getenv, false)
	if _, err := parse(fs, &cfg, args, stderr); err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	// Opening a store applies pending migrations; report the state.
	if s, ok := store.(*sqlite.Store); ok {
		if _, err := s.Migrate(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, "migrations applied; database is up to date")
	return nil
}
