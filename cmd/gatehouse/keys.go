package main

import (
	"context"
	"fmt"
	"io"
)

// runKeys serves "gatehouse keys create EMAIL [--name NAME]": an operator
// issues an API key, e.g. for an account re-activated after deactivation
// revoked its keys. The key is printed once.
func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	sub, args, err := subcommand("keys", args)
	if err != nil {
		return err
	}
	cfg, o, pos, err := parse("keys "+sub, args, getenv)
	if err != nil {
		return err
	}
	svc, store, err := newService(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer store.Close()
	k, key, err := svc.IssueKey(ctx, pos[0], o.name)
	if err != nil {
		return cliError(err, cfg)
	}
	fmt.Fprintf(stdout, "key id %d (%s)\napi key (shown once): %s\n", k.ID, k.Name, key)
	return nil
}
