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
	r, err := openGroup(ctx, "keys", args, getenv, stderr)
	if err != nil {
		return err
	}
	defer r.store.Close()
	k, key, err := r.svc.IssueKey(ctx, r.pos[0], r.o.name)
	if err != nil {
		return cliError(err, r.cfg)
	}
	fmt.Fprintf(stdout, "key id %d (%s)\napi key (shown once): %s\n", k.ID, k.Name, key)
	return nil
}
