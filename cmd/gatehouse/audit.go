package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/gatehouse/gatehouse"
)

// runAudit serves "gatehouse audit": the audit trail, oldest first, read
// through core as the operator, on either backend.
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, o, _, err := parse("audit", args, getenv)
	if err != nil {
		return err
	}
	f := gatehouse.AuditFilter{Email: o.email, Type: gatehouse.AuditType(o.typ)}
	if f.Since, err = parseTime("since", o.since); err != nil {
		return err
	}
	if f.Until, err = parseTime("until", o.until); err != nil {
		return err
	}
	if f.Type != "" && !slices.Contains(gatehouse.AuditTypes(), f.Type) {
		var names []string
		for _, t := range gatehouse.AuditTypes() {
			names = append(names, string(t))
		}
		return usageError{fmt.Sprintf("audit: --type %q: want one of %v", o.typ, names), commandUsage("audit")}
	}
	svc, store, err := newService(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer store.Close()
	evs, err := svc.ListAudit(ctx, f)
	if err != nil {
		return cliError(err, cfg)
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		for _, e := range evs {
			enc.Encode(map[string]any{"id": e.ID, "time": e.At.UTC().Format(time.RFC3339Nano), "type": e.Type, "actor": e.Actor,
				"subject": e.Subject, "email": e.Email, "ip": e.IP, "request_id": e.RequestID, "outcome": e.Outcome, "detail": e.Detail})
		}
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tTYPE\tACTOR\tSUBJECT\tEMAIL\tIP\tOUTCOME\tDETAIL")
	for _, e := range evs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.At.UTC().Format("2006-01-02 15:04:05.000Z"), e.Type, dash(e.Actor),
			dash(e.Subject), dash(e.Email), dash(e.IP), e.Outcome, dash(e.Detail))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// parseTime reads --since and --until: RFC 3339, or a date (midnight UTC).
func parseTime(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usageError{fmt.Sprintf("audit: --%s %q: want RFC 3339 (2026-12-01T15:04:05Z) or a date (2026-12-01)", flag, s), commandUsage("audit")}
}
