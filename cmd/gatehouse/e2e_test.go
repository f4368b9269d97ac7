package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/build"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestEndToEnd drives the real binary as an operator and a client would:
// one server process, admin commands run as separate processes against the
// same data directory, and nothing but HTTP and the CLI to observe it.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping end-to-end test in -short mode: it builds the gatehouse binary and runs it as a child process")
	}
	h := newE2E(t)
	dataDir := t.TempDir()

	const (
		email    = "e2e.user@example.com"
		password = "correct horse battery staple"
	)

	srv := h.startServer(dataDir)
	c := &apiClient{t: t, base: "http://" + srv.addr, http: &http.Client{Timeout: 10 * time.Second}}
	c.waitHealthy()

	// Sign up exactly as the sumtyme seed does: POST /signup, JSON body with
	// email, password and confirm_password, Content-Type application/json.
	var signup struct {
		Message string `json:"message"`
		Email   string `json:"email"`
		APIKey  string `json:"api_key"`
	}
	status, body := c.do(http.MethodPost, "/signup", "", map[string]string{
		"email": email, "password": password, "confirm_password": password,
	})
	if status != http.StatusOK {
		t.Fatalf("POST /signup: status %d, want 200; body %s", status, body)
	}
	mustUnmarshal(t, body, &signup)
	if !apiKeyRE.MatchString(signup.APIKey) {
		t.Fatalf("POST /signup: api_key %q does not match %s", signup.APIKey, apiKeyRE)
	}
	if signup.Email != email {
		t.Errorf("POST /signup: email = %q, want %q", signup.Email, email)
	}
	if signup.Message == "" {
		t.Errorf("POST /signup: empty message")
	}
	key := signup.APIKey
	h.secrets = append(h.secrets, key)

	// A pending account may not trade its key for a token.
	status, body = c.exchange(email, key)
	if status != http.StatusForbidden {
		t.Fatalf("token exchange while pending: status %d, want 403; body %s", status, body)
	}
	assertEnvelopeStatus(t, "token exchange while pending", body, http.StatusForbidden)

	// The operator activates the account while the server runs.
	if out, code := h.cli("users", "activate", email, "--data", dataDir); code != 0 {
		t.Fatalf("gatehouse users activate: exit %d, want 0; output %s", code, out)
	}

	status, body = c.exchange(email, key)
	if status != http.StatusOK {
		t.Fatalf("token exchange after activation: status %d, want 200; body %s", status, body)
	}
	var exch struct {
		Response struct {
			AccessToken string `json:"access_token"`
		} `json:"response"`
		Status int `json:"status"`
	}
	mustUnmarshal(t, body, &exch)
	if exch.Status != http.StatusOK {
		t.Errorf("token exchange: envelope status %d, want 200", exch.Status)
	}
	token := exch.Response.AccessToken
	if !tokenRE.MatchString(token) {
		t.Fatalf("token exchange: access_token %q does not match %s", token, tokenRE)
	}
	h.secrets = append(h.secrets, token)

	// Login history shows both exchanges, newest first, from 127.0.0.1.
	status, body = c.do(http.MethodPost, "/user/get-user-logins", token, map[string]any{"limit": 5})
	if status != http.StatusOK {
		t.Fatalf("get-user-logins: status %d, want 200; body %s", status, body)
	}
	var logins struct {
		Response []struct {
			IP      string `json:"IP"`
			IPLower string `json:"ip"`
			Status  string `json:"status"`
		} `json:"response"`
		Status int `json:"status"`
	}
	mustUnmarshal(t, body, &logins)
	if len(logins.Response) != 2 {
		t.Fatalf("get-user-logins: %d rows, want 2; body %s", len(logins.Response), body)
	}
	if got := logins.Response[0].Status + "," + logins.Response[1].Status; got != "Success,Failure" {
		t.Errorf("get-user-logins: statuses (newest first) = %s, want Success,Failure", got)
	}
	for i, l := range logins.Response {
		if l.IP != "127.0.0.1" || l.IPLower != "127.0.0.1" {
			t.Errorf("get-user-logins row %d: IP %q / ip %q, want 127.0.0.1", i, l.IP, l.IPLower)
		}
	}

	// The key list shows the one key, never its secret.
	status, body = c.do(http.MethodPost, "/user/get-user-api-keys", token, map[string]any{})
	if status != http.StatusOK {
		t.Fatalf("get-user-api-keys: status %d, want 200; body %s", status, body)
	}
	var keys struct {
		Response []map[string]any `json:"response"`
		Status   int              `json:"status"`
	}
	mustUnmarshal(t, body, &keys)
	if len(keys.Response) != 1 {
		t.Fatalf("get-user-api-keys: %d keys, want 1; body %s", len(keys.Response), body)
	}
	if bytes.Contains(body, []byte(key)) || fullKeyRE.Match(body) {
		t.Errorf("get-user-api-keys: the key's secret appears in the listing: %s", body)
	}
	if _, ok := keys.Response[0]["api_key"]; ok {
		t.Errorf("get-user-api-keys: row has an api_key field: %s", body)
	}

	// A new key, used once, deleted, then refused.
	status, body = c.do(http.MethodPost, "/user/user-api-key", token, map[string]string{"name": "ci"})
	if status != http.StatusOK {
		t.Fatalf("POST user-api-key: status %d, want 200; body %s", status, body)
	}
	var created struct {
		Response struct {
			ID     int64  `json:"id"`
			Name   string `json:"name"`
			APIKey string `json:"api_key"`
		} `json:"response"`
		Status int `json:"status"`
	}
	mustUnmarshal(t, body, &created)
	newKey := created.Response.APIKey
	if !apiKeyRE.MatchString(newKey) || newKey == key {
		t.Fatalf("POST user-api-key: api_key %q: want a new key matching %s", newKey, apiKeyRE)
	}
	if created.Response.Name != "ci" || created.Response.ID == 0 {
		t.Errorf("POST user-api-key: id %d name %q, want a non-zero id and name ci", created.Response.ID, created.Response.Name)
	}
	h.secrets = append(h.secrets, newKey)
	if status, body = c.do(http.MethodPost, "/user/get-user-api-keys", newKey, nil); status != http.StatusOK {
		t.Fatalf("new key before deletion: status %d, want 200; body %s", status, body)
	}

	status, body = c.do(http.MethodDelete, "/user/user-api-key", token, map[string]int64{"id": created.Response.ID})
	if status != http.StatusOK {
		t.Fatalf("DELETE user-api-key: status %d, want 200; body %s", status, body)
	}
	assertEnvelopeStatus(t, "DELETE user-api-key", body, http.StatusOK)
	if status, body = c.do(http.MethodPost, "/user/get-user-api-keys", newKey, nil); status != http.StatusUnauthorized {
		t.Errorf("deleted key as x-access-tokens: status %d, want 401; body %s", status, body)
	}
	if status, body = c.exchange(email, newKey); status != http.StatusUnauthorized {
		t.Errorf("token exchange with the deleted key: status %d, want 401; body %s", status, body)
	}

	// Warm the server's credential cache with the original key and the
	// token, so the deactivation below has to reach it through the
	// revocation log rather than by a cache miss.
	for _, cred := range []string{key, token} {
		if status, body = c.do(http.MethodPost, "/user/get-user-api-keys", cred, nil); status != http.StatusOK {
			t.Fatalf("credential before deactivation: status %d, want 200; body %s", status, body)
		}
	}

	// Deactivation from another process reaches the running server within
	// a second (the revocation log is polled); allow 1.5 s.
	if out, code := h.cli("users", "deactivate", email, "--data", dataDir); code != 0 {
		t.Fatalf("gatehouse users deactivate: exit %d, want 0; output %s", code, out)
	}
	deactivated := time.Now()
	deadline := deactivated.Add(1500 * time.Millisecond)
	refused := map[string]int{}
	for {
		for name, cred := range map[string]string{"api key": key, "access token": token} {
			if _, done := refused[name]; done {
				continue
			}
			st, _ := c.do(http.MethodPost, "/user/get-user-api-keys", cred, nil)
			switch st {
			case http.StatusUnauthorized, http.StatusForbidden:
				refused[name] = st
			case http.StatusOK:
			default:
				t.Errorf("%s after deactivation: status %d, want 200 (not yet) or 401/403", name, st)
			}
		}
		if len(refused) == 2 {
			t.Logf("deactivation honoured by the running server after %v", time.Since(deactivated).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, name := range []string{"api key", "access token"} {
		if _, ok := refused[name]; !ok {
			t.Errorf("%s still accepted by the running server 1.5 s after `gatehouse users deactivate`", name)
		}
	}
	if status, body = c.exchange(email, key); status != http.StatusUnauthorized && status != http.StatusForbidden {
		t.Errorf("token exchange after deactivation: status %d, want 401 or 403; body %s", status, body)
	}

	srv.stop()

	// The data directory holds the master key (0600) and the database.
	keyPath := filepath.Join(dataDir, "master.key")
	st, err := os.Stat(keyPath)
	if err != nil {
		t.Fatalf("master.key: %v", err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Errorf("master.key mode %v, want 0600", perm)
	}
	master1, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(bytes.TrimSpace(master1)) == 0 {
		t.Errorf("master.key is empty")
	}
	if _, err := os.Stat(filepath.Join(dataDir, "gatehouse.db")); err != nil {
		t.Errorf("gatehouse.db: %v", err)
	}

	// A second start on the same directory keeps the master key and the
	// accounts.
	srv2 := h.startServer(dataDir)
	c2 := &apiClient{t: t, base: "http://" + srv2.addr, http: c.http}
	c2.waitHealthy()
	master2, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(master1, master2) {
		t.Errorf("master.key changed across restarts")
	}
	out, code := h.cli("users", "list", "--json", "--data", dataDir)
	if code != 0 {
		t.Fatalf("gatehouse users list --json: exit %d; output %s", code, out)
	}
	found := false
	for line := range strings.SplitSeq(strings.TrimSpace(h.lastStdout), "\n") {
		var u struct {
			Email  string `json:"email"`
			Status string `json:"status"`
		}
		if err := json.Unmarshal([]byte(line), &u); err != nil {
			t.Fatalf("users list --json: line %q: %v", line, err)
		}
		if u.Email == email {
			found = true
			if u.Status != "disabled" {
				t.Errorf("users list --json: %s status %q, want disabled", email, u.Status)
			}
		}
	}
	if !found {
		t.Errorf("users list --json after restart: %s not listed; stdout %s", email, h.lastStdout)
	}
	if status, body = c2.exchange(email, key); status != http.StatusUnauthorized && status != http.StatusForbidden {
		t.Errorf("token exchange after restart: status %d, want 401 or 403; body %s", status, body)
	}
	srv2.stop()

	h.assertNoSecretsLogged()
}

var (
	apiKeyRE  = regexp.MustCompile(`^stai-[A-Za-z0-9_-]{38}$`)
	tokenRE   = regexp.MustCompile(`^gat_[A-Za-z0-9_-]{20,}$`)
	fullKeyRE = regexp.MustCompile(`stai-[A-Za-z0-9_-]{38}`)
	fullTokRE = regexp.MustCompile(`gat_[A-Za-z0-9_-]{20,}`)
)

// e2e holds the built binary and everything its processes wrote on stderr.
type e2e struct {
	t          *testing.T
	bin        string
	env        []string
	logs       syncBuffer // all stderr of all processes
	secrets    []string   // every key and token seen, which must never be logged
	lastStdout string
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gatehouse")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(build.Default.GOROOT, "bin", "go")
	}
	build := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// The child processes see no GATEHOUSE_* settings from the test's own
	// environment: everything they use is on their command line.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GATEHOUSE_") {
			env = append(env, kv)
		}
	}
	return &e2e{t: t, bin: bin, env: env}
}

// server is a running "gatehouse serve" child process.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	stderr *lineWriter
	done   chan error
	exited bool
}

// startServer starts a server on dataDir with the default flags.
func (h *e2e) startServer(dataDir string) *server { return h.startServerFlags(dataDir) }

// startServerFlags starts "gatehouse serve --addr 127.0.0.1:0 --data dataDir" with
// extra flags and waits for its listening line.
func (h *e2e) startServerFlags(dataDir string, flags ...string) *server {
	t := h.t
	t.Helper()
	addrc := make(chan string, 1)
	lw := &lineWriter{all: &h.logs, onLine: func(line []byte) {
		var m struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(line, &m) == nil && m.Msg == "listening" && m.Addr != "" {
			select {
			case addrc <- m.Addr:
			default:
			}
		}
	}}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir}, flags...)
	cmd := exec.Command(h.bin, args...)
	cmd.Env = h.env
	cmd.Stdout = io.Discard
	cmd.Stderr = lw
	if err := cmd.Start(); err != nil {
		t.Fatalf("start gatehouse serve: %v", err)
	}
	s := &server{t: t, cmd: cmd, stderr: lw, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if !s.exited {
			cmd.Process.Kill()
			<-s.done
			s.exited = true
		}
	})
	select {
	case s.addr = <-addrc:
	case err := <-s.done:
		s.exited = true
		t.Fatalf("gatehouse serve exited before listening: %v\nstderr:\n%s", err, lw.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("gatehouse serve did not log a listening line within 30s\nstderr:\n%s", lw.String())
	}
	return s
}

// stop sends SIGTERM and expects a clean exit (status 0, "stopped" logged)
// within 10 seconds.
func (s *server) stop() {
	t := s.t
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case err := <-s.done:
		s.exited = true
		if err != nil {
			t.Errorf("gatehouse serve after SIGTERM: %v (exit code %d), want exit status 0\nstderr:\n%s", err, s.cmd.ProcessState.ExitCode(), s.stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("gatehouse serve did not exit within 10s of SIGTERM\nstderr:\n%s", s.stderr.String())
	}
	if !s.stderr.hasMsg("stopped") {
		t.Errorf("gatehouse serve did not log \"stopped\"; stderr:\n%s", s.stderr.String())
	}
}

// cli runs the binary with args and returns its combined output and exit
// code; its stderr joins the collected logs.
func (h *e2e) cli(args ...string) (string, int) {
	t := h.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, h.bin, args...)
	cmd.Env = h.env
	cmd.Stdin = strings.NewReader("")
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	h.logs.Write(stderr.Bytes())
	h.lastStdout = stdout.String()
	out := fmt.Sprintf("stdout: %s\nstderr: %s", stdout.String(), stderr.String())
	if err != nil {
		if _, ok := errors.AsType[*exec.ExitError](err); !ok {
			t.Fatalf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return out, cmd.ProcessState.ExitCode()
}

// assertNoSecretsLogged checks every process's stderr for API keys and
// access tokens: the ones handed out during the test and any that look like
// one.
func (h *e2e) assertNoSecretsLogged() {
	t := h.t
	t.Helper()
	logs := h.logs.String()
	if logs == "" {
		t.Errorf("no stderr collected at all; the log check would be vacuous")
	}
	for _, s := range h.secrets {
		if strings.Contains(logs, s) {
			t.Errorf("a secret (%.9s…) appears in a process's stderr", s)
		}
	}
	if m := fullKeyRE.FindString(logs); m != "" {
		t.Errorf("an API key (%.9s…) appears in a process's stderr", m)
	}
	if m := fullTokRE.FindString(logs); m != "" {
		t.Errorf("an access token (%.8s…) appears in a process's stderr", m)
	}
}

// apiClient is a minimal HTTP client for the Ask Sage and sumtyme dialects.
type apiClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func (c *apiClient) waitHealthy() {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := c.http.Get(c.base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("GET /healthz did not answer 200 within 10s (last error %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// do sends a JSON request (no body when in is nil) with cred, if any, in
// x-access-tokens, and returns the status and body.
func (c *apiClient) do(method, path, cred string, in any) (int, []byte) {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			c.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cred != "" {
		req.Header.Set("x-access-tokens", cred)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, b
}

func (c *apiClient) exchange(email, key string) (int, []byte) {
	c.t.Helper()
	return c.do(http.MethodPost, "/user/get-token-with-api-key", "", map[string]string{"email": email, "api_key": key})
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// assertEnvelopeStatus checks the Ask Sage envelope's status equals the
// HTTP status.
func assertEnvelopeStatus(t *testing.T, what string, body []byte, want int) {
	t.Helper()
	var env struct {
		Response json.RawMessage `json:"response"`
		Status   int             `json:"status"`
	}
	mustUnmarshal(t, body, &env)
	if env.Status != want || len(env.Response) == 0 {
		t.Errorf("%s: envelope %s, want {\"response\": ..., \"status\": %d}", what, body, want)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lineWriter keeps a process's stderr, copies it to all, and calls onLine
// for each complete line.
type lineWriter struct {
	all     *syncBuffer
	onLine  func([]byte)
	mu      sync.Mutex
	own     bytes.Buffer
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.all.Write(p)
	w.mu.Lock()
	w.own.Write(p)
	w.partial = append(w.partial, p...)
	var lines [][]byte
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		lines = append(lines, bytes.Clone(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	w.mu.Unlock()
	for _, l := range lines {
		if w.onLine != nil {
			w.onLine(l)
		}
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.own.String()
}

// hasMsg reports whether a JSON log line with that msg was written.
func (w *lineWriter) hasMsg(msg string) bool {
	for line := range strings.SplitSeq(w.String(), "\n") {
		var m struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal([]byte(line), &m) == nil && m.Msg == msg {
			return true
		}
	}
	return false
}
