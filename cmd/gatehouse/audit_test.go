package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
)

// TestAuditCommand: on each backend, the operator's commands leave audit
// rows with the actor "cli", and `gatehouse audit` reads them, filtered by
// e-mail, type and time, as a table or as JSON lines; a bad filter is a
// usage error.
func TestAuditCommand(t *testing.T) {
	t.Parallel()
	for _, backend := range []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.NewDatabase(t) }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			env := map[string]string{"GATEHOUSE_DATA": filepath.Join(t.TempDir(), "data"), "GATEHOUSE_MASTER_KEY": strings.Repeat("ab", 32)}
			if db := backend.db(t); db != "" {
				env["GATEHOUSE_DB"] = db
			}
			mustRun(t, env, "password123\n", "users", "create", "a@example.com")
			mustRun(t, env, "password123\n", "users", "create", "b@example.com", "--active")
			mustRun(t, env, "", "users", "activate", "a@example.com")
			mustRun(t, env, "", "keys", "create", "a@example.com", "--name", "ci")
			mustRun(t, env, "", "users", "deactivate", "b@example.com")

			r := mustRun(t, env, "", "audit", "--json")
			var evs []map[string]any
			for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
				var e map[string]any
				if err := json.Unmarshal([]byte(line), &e); err != nil {
					t.Fatalf("audit --json line %q: %v", line, err)
				}
				evs = append(evs, e)
			}
			var types []string
			for _, e := range evs {
				types = append(types, e["type"].(string)+"/"+e["actor"].(string))
			}
			want := "account.create/cli account.create/cli account.activate/cli key.create/cli account.deactivate/cli"
			if strings.Join(types, " ") != want {
				t.Fatalf("audit: %v, want %s", types, want)
			}
			if strings.Contains(r.stdout, "stai-") || strings.Contains(r.stdout, "password123") {
				t.Fatal("the audit trail holds a secret")
			}
			r = mustRun(t, env, "", "audit", "--email", "A@example.com", "--type", "key.create")
			if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "key.create") || !strings.Contains(lines[1], "name ci") {
				t.Fatalf("audit --email --type:\n%s", r.stdout)
			}
			if r := mustRun(t, env, "", "audit", "--since", "2999-01-01"); strings.Count(r.stdout, "\n") != 1 {
				t.Fatalf("audit --since in the future:\n%s", r.stdout)
			}
			if r := mustRun(t, env, "", "audit", "--until", "2000-01-01T00:00:00Z", "--json"); r.stdout != "" {
				t.Fatalf("audit --until in the past: %q", r.stdout)
			}
			for _, bad := range [][]string{{"--since", "yesterday"}, {"--type", "nope"}, {"extra"}} {
				if r := runCLI(t, env, "", append([]string{"audit"}, bad...)...); r.err == nil {
					t.Errorf("audit %v: no error", bad)
				}
			}
		})
	}
}
