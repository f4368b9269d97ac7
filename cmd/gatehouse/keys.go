package main

import (
	"context"
	"fmt"
	"io"

	"github.com/gatehouse/gatehouse/internal/config"
)

// runKeys serves "gatehouse keys create EMAIL [--name NAME]": an operator
// issues an API key, e.g. for an account re-activated after deactivation
// revoked its keys. The key is printed once.
func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"keys: want create EMAIL [--name NAME]"}
	}
	cfg := config.Default()
	fs := config.FlagSet("keys create", &cfg, getenv, false)
	name := fs.String("name", "cli", "the key's name")
	pos, err := parse(fs, &cfg, args[1:], stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"keys create: want EMAIL"}
	}
	svc, store, err := newService(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer store.Close()
	k, key, err := svc.IssueKey(ctx, pos[0], *name)
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(stdout, "key id %d (%s)\napi key (shown once): %s\n", k.ID, k.Name, key)
	return nil
}
