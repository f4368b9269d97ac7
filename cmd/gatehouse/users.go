package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/gatehouse/gatehouse"
)

// runUsers serves "gatehouse users ...". Each subcommand goes through core,
// never the SQL, so the CLI gets the same rules as the API; a running server
// on the same database honours the change (deactivation within a second,
// through the revocation log).
func runUsers(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	sub, cfg, o, pos, err := parseGroup("users", args, getenv)
	if err != nil {
		return err
	}
	// Everything about the command line is checked before anything is
	// opened or created.
	var pw string
	var cacOn bool
	switch sub {
	case "create":
		if pw, err = readPassword(stdin); err != nil {
			return err
		}
	case "set-cac":
		switch strings.ToLower(pos[1]) {
		case "on", "true", "yes":
			cacOn = true
		case "off", "false", "no":
		default:
			return usageError{"users set-cac: want on or off", commandUsage("users set-cac")}
		}
	}
	log := newLogger(cfg, stderr)
	svc, store, err := newService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()

	switch sub {
	case "create":
		u, key, err := svc.CreateUser(ctx, pos[0], pw, o.admin, o.active)
		if err != nil {
			return cliError(err, cfg)
		}
		fmt.Fprintf(stdout, "created %s (id %d, %s)\napi key (shown once): %s\n", u.Email, u.ID, u.Status, key)
	case "activate":
		u, err := svc.ActivateUser(ctx, pos[0])
		if err != nil {
			return cliError(err, cfg)
		}
		fmt.Fprintf(stdout, "%s is %s\n", u.Email, u.Status)
	case "deactivate":
		u, err := svc.DeactivateUser(ctx, pos[0])
		if err != nil {
			return cliError(err, cfg)
		}
		fmt.Fprintf(stdout, "%s is %s; its API keys and tokens are revoked\n", u.Email, u.Status)
	case "set-cac":
		u, err := svc.SetCAC(ctx, pos[0], cacOn)
		if err != nil {
			return cliError(err, cfg)
		}
		fmt.Fprintf(stdout, "%s cac=%v\n", u.Email, u.CAC)
	case "list":
		us, err := svc.ListUsers(ctx, gatehouse.UserFilter{})
		if err != nil {
			return cliError(err, cfg)
		}
		if o.json {
			enc := json.NewEncoder(stdout)
			for _, u := range us {
				enc.Encode(map[string]any{"id": u.ID, "email": u.Email, "status": u.Status, "admin": u.Admin, "cac": u.CAC, "created_at": u.CreatedAt})
			}
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tSTATUS\tADMIN\tCAC\tCREATED")
		for _, u := range us {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t%v\t%s\n", u.ID, u.Email, u.Status, u.Admin, u.CAC, u.CreatedAt.Format("2006-01-02 15:04:05Z"))
		}
		return tw.Flush()
	}
	return nil
}

// readPassword reads the first line of stdin.
func readPassword(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usageError{"users create: give the password on standard input (its first line)", commandUsage("users create")}
	}
	return pw, nil
}
