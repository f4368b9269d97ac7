package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// runAccountKeys serves "gatehouse account-keys create|list|delete": the
// operator's side of Sunshine account keys (act_...). create prints the id
// and secret once; with --json exactly one line {"id":"act_...","secret":"..."}.
func runAccountKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	sub, args, err := subcommand("account-keys", args)
	if err != nil {
		return err
	}
	cfg, o, pos, err := parse("account-keys "+sub, args, getenv)
	if err != nil {
		return err
	}
	svc, store, err := newService(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer store.Close()
	if err := svc.CheckMasterKey(ctx); err != nil {
		return cliError(err, cfg)
	}

	switch sub {
	case "create":
		v, err := svc.IssueAccountKey(ctx, pos[0], o.name)
		if err != nil {
			return cliError(err, cfg)
		}
		if o.json {
			return json.NewEncoder(stdout).Encode(struct {
				ID     string `json:"id"`
				Secret string `json:"secret"`
			}{v.Key.ID, v.Secret})
		}
		fmt.Fprintf(stdout, "account key id: %s\nsecret (shown once): %s\n", v.Key.ID, v.Secret)
	case "list":
		ks, err := svc.ListAccountKeysOf(ctx, pos[0])
		if err != nil {
			return cliError(err, cfg)
		}
		if o.json {
			enc := json.NewEncoder(stdout)
			for _, k := range ks {
				enc.Encode(map[string]any{"id": k.ID, "name": k.Name, "created_at": k.CreatedAt})
			}
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCREATED")
		for _, k := range ks {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", k.ID, k.Name, k.CreatedAt.Format("2006-01-02 15:04:05Z"))
		}
		return tw.Flush()
	case "delete":
		if err := svc.DeleteAccountKeyOf(ctx, pos[0], pos[1]); err != nil {
			return cliError(err, cfg)
		}
		fmt.Fprintf(stdout, "deleted %s\n", pos[1])
	}
	return nil
}
