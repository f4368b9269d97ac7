package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/gatehouse/gatehouse/internal/config"
)

// runAccountKeys serves "gatehouse account-keys create|list|delete": the
// operator's side of Sunshine account keys (act_...). create prints the id
// and secret once; with --json exactly one line {"id":"act_...","secret":"..."}.
func runAccountKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"account-keys: want create EMAIL [--name NAME] [--json], list EMAIL [--json] or delete EMAIL ID"}
	}
	sub := args[0]
	cfg := config.Default()
	fs := config.FlagSet("account-keys "+sub, &cfg, getenv, false)
	var name string
	var asJSON bool
	switch sub {
	case "create":
		fs.StringVar(&name, "name", "default", "the key's name")
		fs.BoolVar(&asJSON, "json", false, `print one line {"id":"act_...","secret":"..."}`)
	case "list":
		fs.BoolVar(&asJSON, "json", false, "print JSON lines")
	case "delete":
	default:
		return usageError{fmt.Sprintf("account-keys: unknown subcommand %q", sub)}
	}
	pos, err := parse(fs, &cfg, args[1:], stderr)
	if err != nil {
		return err
	}
	want := map[string]int{"create": 1, "list": 1, "delete": 2}[sub]
	if len(pos) != want {
		return usageError{fmt.Sprintf("account-keys %s: want %d argument(s), got %d", sub, want, len(pos))}
	}
	svc, store, err := newService(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer store.Close()
	if err := svc.CheckMasterKey(ctx); err != nil {
		return cliError(err)
	}

	switch sub {
	case "create":
		v, err := svc.IssueAccountKey(ctx, pos[0], name)
		if err != nil {
			return cliError(err)
		}
		if asJSON {
			return json.NewEncoder(stdout).Encode(struct {
				ID     string `json:"id"`
				Secret string `json:"secret"`
			}{v.Key.ID, v.Secret})
		}
		fmt.Fprintf(stdout, "account key id: %s\nsecret (shown once): %s\n", v.Key.ID, v.Secret)
	case "list":
		ks, err := svc.ListAccountKeysOf(ctx, pos[0])
		if err != nil {
			return cliError(err)
		}
		if asJSON {
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
			return cliError(err)
		}
		fmt.Fprintf(stdout, "deleted %s\n", pos[1])
	}
	return nil
}
