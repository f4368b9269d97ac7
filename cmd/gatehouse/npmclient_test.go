package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// sunshineClientDir holds the npm project that pins the official Sunshine
// Conversations JS client and the node test that drives it.
const sunshineClientDir = "../../tests/sunshine-client"

var (
	accountKeyIDRE = regexp.MustCompile(`^act_[0-9a-f]{24}$`)
	jwtRE          = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)
)

// TestOfficialSunshineClient runs the real sunshine-conversations-client
// 14.1.0 (npm), changed in nothing but its basePath, against the built
// binary: tests/sunshine-client/client.test.mjs under `node --test`, with
// two accounts' account keys in its environment.
func TestOfficialSunshineClient(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the official npm client test in -short mode: it builds the gatehouse binary and runs node")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		requireOrSkip(t, "skipping the official npm client test: node is not on PATH (.ci/run installs it)")
	}
	dir, err := filepath.Abs(sunshineClientDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "sunshine-conversations-client", "package.json")); err != nil {
		requireOrSkip(t, "skipping the official npm client test: "+dir+"/node_modules is missing; run `npm ci` in tests/sunshine-client (.ci/run does it)")
	}

	h := newE2E(t)
	dataDir := t.TempDir()
	srv := h.startServer(dataDir)
	base := "http://" + srv.addr
	c := &apiClient{t: t, base: base, http: &http.Client{Timeout: 10 * time.Second}}
	c.waitHealthy()

	// Two accounts, each signed up, activated by the operator, and given an
	// account key by the CLI while the server runs.
	type accountKey struct{ ID, Secret string }
	newAccount := func(email string) accountKey {
		t.Helper()
		const password = "correct horse battery staple"
		status, body := c.do(http.MethodPost, "/signup", "", map[string]string{
			"email": email, "password": password, "confirm_password": password,
		})
		if status != http.StatusOK {
			t.Fatalf("POST /signup %s: status %d, want 200; body %s", email, status, body)
		}
		var signup struct {
			APIKey string `json:"api_key"`
		}
		mustUnmarshal(t, body, &signup)
		h.secrets = append(h.secrets, signup.APIKey)
		if out, code := h.cli("users", "activate", email, "--data", dataDir); code != 0 {
			t.Fatalf("gatehouse users activate %s: exit %d; %s", email, code, out)
		}
		out, code := h.cli("account-keys", "create", email, "--json", "--data", dataDir)
		if code != 0 {
			t.Fatalf("gatehouse account-keys create %s --json: exit %d; %s", email, code, out)
		}
		var k struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(h.lastStdout)), &k); err != nil {
			t.Fatalf("gatehouse account-keys create --json: stdout %q is not one JSON object: %v", h.lastStdout, err)
		}
		if !accountKeyIDRE.MatchString(k.ID) || k.Secret == "" {
			t.Fatalf("gatehouse account-keys create --json: id %q (want %s) and a secret of %d characters", k.ID, accountKeyIDRE, len(k.Secret))
		}
		h.secrets = append(h.secrets, k.Secret)
		return accountKey{k.ID, k.Secret}
	}
	first := newAccount("npm.client@example.com")
	other := newAccount("npm.other@example.com")

	secretsFile := filepath.Join(t.TempDir(), "client-secrets.txt")
	env := []string{
		"GATEHOUSE_URL=" + base,
		"GATEHOUSE_ACCOUNT_KEY_ID=" + first.ID,
		"GATEHOUSE_ACCOUNT_KEY_SECRET=" + first.Secret,
		"GATEHOUSE_OTHER_KEY_ID=" + other.ID,
		"GATEHOUSE_OTHER_KEY_SECRET=" + other.Secret,
		"GATEHOUSE_SECRETS_FILE=" + secretsFile,
		"NO_COLOR=1",
	}
	env = append(env, h.env...) // h.env has no GATEHOUSE_* of the test's own

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "client.test.mjs")
	cmd.Dir = dir
	cmd.Env = env
	var nodeOut syncBuffer
	logLine := func(line []byte) { t.Log("node: " + string(line)) }
	stdout := &lineWriter{all: &nodeOut, onLine: logLine}
	stderr := &lineWriter{all: &nodeOut, onLine: logLine}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	started := time.Now()
	runErr := cmd.Run()
	for _, w := range []*lineWriter{stdout, stderr} {
		if len(w.partial) > 0 {
			logLine(w.partial)
		}
	}
	if ctx.Err() != nil {
		t.Fatalf("node --test client.test.mjs did not finish within 5 minutes")
	}
	if runErr != nil {
		if _, ok := errors.AsType[*exec.ExitError](runErr); !ok {
			t.Fatalf("node --test client.test.mjs: %v", runErr)
		}
		t.Errorf("node --test client.test.mjs failed (exit %d) after %v: see the node: lines above", cmd.ProcessState.ExitCode(), time.Since(started).Round(time.Millisecond))
	} else {
		t.Logf("node --test client.test.mjs passed in %v", time.Since(started).Round(time.Millisecond))
	}

	// Every app key secret and JWT the client saw must be absent from every
	// process's stderr, and so must the account keys' secrets.
	b, err := os.ReadFile(secretsFile)
	if err != nil && runErr == nil {
		t.Errorf("node wrote no %s: %v; the log check would miss the app key secrets", filepath.Base(secretsFile), err)
	}
	n := 0
	for s := range strings.SplitSeq(string(b), "\n") {
		if s = strings.TrimSpace(s); s != "" {
			h.secrets = append(h.secrets, s)
			n++
		}
	}
	if runErr == nil && n == 0 {
		t.Errorf("node recorded no secrets in %s; the log check would be vacuous", secretsFile)
	}
	srv.stop()
	h.assertNoSecretsLogged()
	if m := jwtRE.FindString(h.logs.String()); m != "" {
		t.Errorf("a JWT (%.12s…) appears in a process's stderr", m)
	}
}

// requireOrSkip skips t, or fails it under GATEHOUSE_TEST_REQUIRE=1
// (.ci/run sets it, so a CI that lost its node install cannot pass by
// skipping).
func requireOrSkip(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("GATEHOUSE_TEST_REQUIRE") == "1" {
		t.Fatal("GATEHOUSE_TEST_REQUIRE=1, but: " + why)
	}
	t.Skip(why)
}
