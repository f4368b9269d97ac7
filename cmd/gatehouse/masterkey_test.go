package main

import (
	"strings"
	"testing"
)

// An admin command or a node with another master key than the one the
// database's secrets were sealed with is refused, with a message that says
// why, before it seals or opens anything.
func TestMasterKeyMismatchRefused(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"GATEHOUSE_DATA": dir}
	mustRun(t, env, "password123\n", "users", "create", "mk@example.com", "--active")
	// First use records the data directory's own master.key.
	mustRun(t, env, "", "account-keys", "create", "mk@example.com", "--json")

	other := map[string]string{"GATEHOUSE_DATA": dir, "GATEHOUSE_MASTER_KEY": strings.Repeat("ab", 32)}
	r := runCLI(t, other, "", "account-keys", "create", "mk@example.com", "--json")
	if r.err == nil || !strings.Contains(r.err.Error(), "master key differs") {
		t.Fatalf("account-keys create with another master key: err=%v stdout=%q; want the master-key refusal", r.err, r.stdout)
	}
	if strings.Contains(r.stdout, "act_") {
		t.Fatalf("a key was made under the wrong master key: %q", r.stdout)
	}
	r = runCLI(t, other, "", "serve", "--addr", "127.0.0.1:0")
	if r.err == nil || !strings.Contains(r.err.Error(), "master key differs") {
		t.Fatalf("serve with another master key: err=%v; want the master-key refusal", r.err)
	}
	// The right key still works.
	mustRun(t, env, "", "account-keys", "list", "mk@example.com")
}
