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
	r, err := openGroup(ctx, "account-keys", args, getenv, stderr)
	if err != nil {
		return err
	}
	defer r.store.Close()
	if err := r.svc.CheckMasterKey(ctx); err != nil {
		return cliError(err, r.cfg)
	}

	switch r.sub {
	case "create":
		v, err := r.svc.IssueAccountKey(ctx, r.pos[0], r.o.name)
		if err != nil {
			return cliError(err, r.cfg)
		}
		if r.o.json {
			return json.NewEncoder(stdout).Encode(struct {
				ID     string `json:"id"`
				Secret string `json:"secret"`
			}{v.Key.ID, v.Secret})
		}
		fmt.Fprintf(stdout, "account key id: %s\nsecret (shown once): %s\n", v.Key.ID, v.Secret)
	case "list":
		ks, err := r.svc.ListAccountKeysOf(ctx, r.pos[0])
		if err != nil {
			return cliError(err, r.cfg)
		}
		if r.o.json {
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
		if err := r.svc.DeleteAccountKeyOf(ctx, r.pos[0], r.pos[1]); err != nil {
			return cliError(err, r.cfg)
		}
		fmt.Fprintf(stdout, "deleted %s\n", r.pos[1])
	}
	return nil
}
