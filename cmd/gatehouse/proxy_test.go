package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/credential"
)

// Forward auth through real proxies: nginx (auth_request) and Caddy
// (forward_auth), the Debian packages .ci/run installs, each in front of a
// tiny upstream on loopback that echoes the X-Gatehouse-* headers it
// received, with the real gatehouse binary on a real SQLite file as the
// gate. The proxy configurations are the ones the README's "Forward auth"
// section shows: nginxGateBlocks and caddyGateRoute, with only the
// addresses filled in.

// nginxGateBlocks are the server-level blocks of the nginx configuration:
// GATEHOUSE is gatehouse's address, UPSTREAM the protected API's.
const nginxGateBlocks = `
	# The credential check: an internal subrequest to gatehouse, without the
	# request body, with the client's address for gatehouse's throttle.
	location = /_gatehouse/verify {
		internal;
		proxy_pass http://GATEHOUSE/auth/verify;
		proxy_pass_request_body off;
		proxy_set_header Content-Length "";
		proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
	}

	# auth_request turns any answer but 2xx, 401 and 403 into a 500; this
	# passes gatehouse's 429 and 503 on, with their Retry-After.
	location @gatehouse_error {
		default_type application/json;
		if ($gatehouse_status = 429) {
			add_header Retry-After $gatehouse_retry_after always;
			return 429 '{"error":"rate_limited"}';
		}
		if ($gatehouse_status = 503) {
			add_header Retry-After $gatehouse_retry_after always;
			return 503 '{"error":"unavailable"}';
		}
		return 500;
	}

	location / {
		auth_request /_gatehouse/verify;
		auth_request_set $gatehouse_status $upstream_status;
		auth_request_set $gatehouse_retry_after $upstream_http_retry_after;
		error_page 500 = @gatehouse_error;

		auth_request_set $gatehouse_user $upstream_http_x_gatehouse_user;
		auth_request_set $gatehouse_email $upstream_http_x_gatehouse_email;
		auth_request_set $gatehouse_credential $upstream_http_x_gatehouse_credential;
		auth_request_set $gatehouse_key $upstream_http_x_gatehouse_key;
		auth_request_set $gatehouse_app $upstream_http_x_gatehouse_app;
		auth_request_set $gatehouse_scope $upstream_http_x_gatehouse_scope;
		auth_request_set $gatehouse_cac $upstream_http_x_gatehouse_cac;

		# Each line replaces a client-sent header of that name (in any
		# case, however often sent); an empty value sends none at all.
		proxy_set_header X-Gatehouse-User $gatehouse_user;
		proxy_set_header X-Gatehouse-Email $gatehouse_email;
		proxy_set_header X-Gatehouse-Credential $gatehouse_credential;
		proxy_set_header X-Gatehouse-Key $gatehouse_key;
		proxy_set_header X-Gatehouse-App $gatehouse_app;
		proxy_set_header X-Gatehouse-Scope $gatehouse_scope;
		proxy_set_header X-Gatehouse-Cac $gatehouse_cac;

		proxy_pass http://UPSTREAM;
	}
`

// caddyGateRoute is the Caddyfile route in front of the protected API:
// GATEHOUSE is gatehouse's address, UPSTREAM the protected API's.
const caddyGateRoute = `
	route {
		# No client-sent X-Gatehouse-* header goes on, nor its _ spellings
		# (which CGI, PHP and WSGI read as the same name).
		request_header -X-Gatehouse*
		request_header -X_Gatehouse*

		forward_auth GATEHOUSE {
			uri /auth/verify
			copy_headers X-Gatehouse-User X-Gatehouse-Email X-Gatehouse-Credential X-Gatehouse-Key X-Gatehouse-App X-Gatehouse-Scope X-Gatehouse-Cac
		}

		# Caddy before 2.9 copies a header that gatehouse's answer lacks
		# (X-Gatehouse-App but for app keys, X-Gatehouse-Cac for app and
		# account keys) as the unreplaced placeholder: remove those.
		@gatehouse_no_user header_regexp X-Gatehouse-User ^\{http\.reverse_proxy\.header\.
		request_header @gatehouse_no_user -X-Gatehouse-User
		@gatehouse_no_email header_regexp X-Gatehouse-Email ^\{http\.reverse_proxy\.header\.
		request_header @gatehouse_no_email -X-Gatehouse-Email
		@gatehouse_no_credential header_regexp X-Gatehouse-Credential ^\{http\.reverse_proxy\.header\.
		request_header @gatehouse_no_credential -X-Gatehouse-Credential
		@gatehouse_no_key header_regexp X-Gatehouse-Key ^\{http\.reverse_proxy\.header\.
		request_header @gatehouse_no_key -X-Gatehouse-Key
		@gatehouse_no_app header_regexp X-Gatehouse-App ^\{http\.reverse_proxy\.header\.
		request_header @gatehouse_no_app -X-Gatehouse-App
		@gatehouse_no_scope header_regexp X-Gatehouse-Scope ^\{http\.reverse_proxy\.header\.
		request_header @gatehouse_no_scope -X-Gatehouse-Scope
		@gatehouse_no_cac header_regexp X-Gatehouse-Cac ^\{http\.reverse_proxy\.header\.
		request_header @gatehouse_no_cac -X-Gatehouse-Cac

		reverse_proxy UPSTREAM
	}
`

// indent puts a tab before each line that is not empty.
func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "\t" + l
		}
	}
	return strings.Join(lines, "\n")
}

func fillAddrs(conf, gatehouse, upstream string) string {
	return strings.NewReplacer("GATEHOUSE", gatehouse, "UPSTREAM", upstream).Replace(conf)
}

// readyPath is answered by each proxy itself, with the run's token in
// X-Proxy-Ready, so a start is only taken for done when the process this
// test started (and not some other one on the port) answers.
const readyPath = "/_proxytest/ready"

// proxyKind starts one kind of proxy in front of gatehouse and the upstream.
type proxyKind struct {
	name    string
	binary  string
	command func(t *testing.T, bin, dir string, port int, token, gatehouse, upstream string) *exec.Cmd
}

var proxyKinds = []proxyKind{
	{name: "nginx", binary: "nginx", command: nginxCommand},
	{name: "caddy", binary: "caddy", command: caddyCommand},
}

// nginxCommand writes dir/nginx.conf and returns the command that runs
// nginx on it in the foreground as the current user: every path it writes
// (pid, temp files, access log) is under dir, the error log is stderr.
func nginxCommand(t *testing.T, bin, dir string, port int, token, gatehouse, upstream string) *exec.Cmd {
	t.Helper()
	userLine := ""
	if os.Geteuid() == 0 {
		// A root master would run its workers as nobody, who cannot enter
		// the test's private temp directory.
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		group := u.Gid
		if g, err := user.LookupGroupId(u.Gid); err == nil {
			group = g.Name
		}
		userLine = fmt.Sprintf("user %s %s;", u.Username, group)
	}
	conf := fmt.Sprintf(`daemon off;
master_process on;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log stderr warn;
%[2]s
events { worker_connections 256; }
http {
	log_format gate '$remote_addr "$request" $status auth=$gatehouse_status';
	access_log %[1]s/access.log gate;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	server {
		listen 127.0.0.1:%[3]d;
		location = %[4]s {
			add_header X-Proxy-Ready %[5]s always;
			return 204;
		}
%[6]s
	}
}
`, dir, userLine, port, readyPath, token, indent(fillAddrs(nginxGateBlocks, gatehouse, upstream)))
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return exec.Command(bin, "-p", dir, "-c", confPath, "-e", "stderr")
}

// caddyCommand writes dir/Caddyfile and returns the command that runs
// Caddy on it: admin API off, no automatic HTTPS, and its data and config
// directories (storage, autosave) under dir.
func caddyCommand(t *testing.T, bin, dir string, port int, token, gatehouse, upstream string) *exec.Cmd {
	t.Helper()
	conf := fmt.Sprintf(`{
	admin off
	auto_https off
}

http://127.0.0.1:%[1]d {
	handle %[2]s {
		header X-Proxy-Ready %[3]s
		respond 204
	}
	handle {
%[4]s
	}
}
`, port, readyPath, token, indent(fillAddrs(caddyGateRoute, gatehouse, upstream)))
	confPath := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "--config", confPath, "--adapter", "caddyfile")
	env := []string{"HOME=" + dir, "XDG_DATA_HOME=" + filepath.Join(dir, "data"), "XDG_CONFIG_HOME=" + filepath.Join(dir, "config")}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "PATH" || k == "TMPDIR" {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	return cmd
}

// runningProxy is a proxy process this test started.
type runningProxy struct {
	name string
	addr string // 127.0.0.1:port
	dir  string
	cmd  *exec.Cmd
	logs *syncBuffer // stdout and stderr
	done chan error
}

// startProxy starts kind in front of gatehouse and upstream on a free
// loopback port, or skips t (fails it under GATEHOUSE_TEST_REQUIRE=1) when
// its binary is not installed. The process is stopped when life ends (t
// or a test around it); its output is shown if life failed.
func startProxy(t, life *testing.T, kind proxyKind, gatehouse, upstream string) *runningProxy {
	t.Helper()
	bin, err := exec.LookPath(kind.binary)
	if err != nil {
		requireOrSkip(t, fmt.Sprintf("skipping the %s forward-auth test: %s is not on PATH (.ci/run installs it from Debian: apt-get install nginx-light caddy)", kind.name, kind.binary))
	}
	// A free port can be taken by another process between the probe and
	// the proxy's bind: try again on another one.
	for attempt := 1; ; attempt++ {
		dir := life.TempDir()
		port := freeLoopbackPort(t)
		token := randomToken(t)
		cmd := kind.command(t, bin, dir, port, token, gatehouse, upstream)
		p := &runningProxy{name: kind.name, addr: fmt.Sprintf("127.0.0.1:%d", port), dir: dir, cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
		cmd.Stdin = nil
		cmd.Stdout = p.logs
		cmd.Stderr = p.logs
		// Its own process group, so that a stop reaches nginx's workers
		// too; SIGTERM if this test process dies first.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", kind.name, err)
		}
		go func() { p.done <- cmd.Wait() }()
		err := p.waitReady(token, 30*time.Second)
		if err == nil {
			life.Cleanup(func() {
				p.stop()
				if life.Failed() {
					t.Logf("%s output:\n%s", p.name, p.logs.String())
					if b, err := os.ReadFile(filepath.Join(p.dir, "access.log")); err == nil {
						t.Logf("%s access log:\n%s", p.name, b)
					}
				}
			})
			return p
		}
		p.stop()
		if attempt < 3 && strings.Contains(strings.ToLower(p.logs.String()), "address already in use") {
			t.Logf("%s: port %d was taken; trying another", kind.name, port)
			continue
		}
		t.Fatalf("%s did not start: %v\noutput:\n%s", kind.name, err, p.logs.String())
	}
}

// waitReady polls readyPath until the proxy answers it with token.
func (p *runningProxy) waitReady(token string, within time.Duration) error {
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(within)
	for {
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("exited before it answered: %v", err)
		default:
		}
		resp, err := c.Get("http://" + p.addr + readyPath)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent && resp.Header.Get("X-Proxy-Ready") == token {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer with the run's token on %s within %v (last error %v)", readyPath, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM (nginx: fast shutdown, workers included; Caddy: a
// graceful stop) and waits; after 10 s, SIGKILL to the process group.
func (p *runningProxy) stop() {
	select {
	case err := <-p.done:
		p.done <- err
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
	case <-time.After(10 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		err := <-p.done
		p.done <- err
	}
}

func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func randomToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// upstreamSeen is what the echo upstream received for one request.
type upstreamSeen struct {
	Method string `json:"method"`
	URI    string `json:"uri"`
	Body   string `json:"body"`
	// Gatehouse holds every header whose name, lower-cased and with _ read
	// as -, starts with x-gatehouse, by the name as received.
	Gatehouse map[string][]string `json:"gatehouse"`
}

// echoUpstream is the protected API: it answers 200 with what it received,
// and remembers every request by its URI.
type echoUpstream struct {
	addr string
	mu   sync.Mutex
	seen map[string]upstreamSeen
}

func startEchoUpstream(t *testing.T) *echoUpstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &echoUpstream{addr: ln.Addr().String(), seen: map[string]upstreamSeen{}}
	srv := &http.Server{Handler: u, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return u
}

func (u *echoUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	s := upstreamSeen{Method: r.Method, URI: r.RequestURI, Body: string(body), Gatehouse: map[string][]string{}}
	for name, vals := range r.Header {
		if strings.HasPrefix(strings.ReplaceAll(strings.ToLower(name), "_", "-"), "x-gatehouse") {
			s.Gatehouse[name] = vals
		}
	}
	u.mu.Lock()
	u.seen[r.RequestURI] = s
	u.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(s)
}

func (u *echoUpstream) reached(uri string) (upstreamSeen, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	s, ok := u.seen[uri]
	return s, ok
}

// proxyClient sends requests to one proxy from one loopback address.
type proxyClient struct {
	t    *testing.T
	p    *runningProxy
	http *http.Client
	n    int
}

// answer is the proxy's answer to one request.
type answer struct {
	uri    string
	status int
	header http.Header
	body   []byte
}

func (a answer) String() string {
	return fmt.Sprintf("%s: status %d, WWW-Authenticate %q, body %s", a.uri, a.status, a.header.Get("WWW-Authenticate"), bytes.TrimSpace(a.body))
}

// send makes a request with a URI of its own (so the upstream's log tells
// whether this request reached it) and headers given as name/value pairs,
// each name sent exactly as written, a name as often as it is given.
func (c *proxyClient) send(what, method string, hdr []string, body string) answer {
	c.t.Helper()
	c.n++
	uri := fmt.Sprintf("/api/%s/%d/%s?q=1", c.p.name, c.n, strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, what))
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, "http://"+c.p.addr+uri, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header[hdr[i]] = append(req.Header[hdr[i]], hdr[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s through %s: %v", what, c.p.name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s through %s: read body: %v", what, c.p.name, err)
	}
	return answer{uri: uri, status: resp.StatusCode, header: resp.Header, body: b}
}

// identity is the X-Gatehouse-* headers an upstream must see, exactly: a
// name not in it must be absent.
type identity map[string]string

// expectPassed checks that the upstream answered a, having received the
// request as sent, with exactly the identity headers of want.
func (c *proxyClient) expectPassed(u *echoUpstream, what string, a answer, method, body string, want identity) {
	c.t.Helper()
	if a.status != http.StatusOK {
		c.t.Errorf("%s through %s: %s, want 200 from the upstream", what, c.p.name, a)
		return
	}
	seen, ok := u.reached(a.uri)
	if !ok {
		c.t.Errorf("%s through %s: 200, but the upstream never saw %s; body %s", what, c.p.name, a.uri, a.body)
		return
	}
	if seen.Method != method || seen.Body != body {
		c.t.Errorf("%s through %s: the upstream got %s with body %q, want %s with %q", what, c.p.name, seen.Method, seen.Body, method, body)
	}
	got := identity{}
	for name, vals := range seen.Gatehouse {
		if len(vals) != 1 || http.CanonicalHeaderKey(name) != name {
			c.t.Errorf("%s through %s: the upstream got %s: %q, want at most one value under a canonical X-Gatehouse-* name", what, c.p.name, name, vals)
			continue
		}
		got[name] = vals[0]
	}
	if !maps.Equal(got, want) {
		c.t.Errorf("%s through %s: the upstream saw X-Gatehouse-* headers\n  %v\nwant exactly\n  %v", what, c.p.name, sortedPairs(got), sortedPairs(want))
	}
}

// expectRefused checks that the proxy answered a with status, the upstream
// never seeing the request.
func (c *proxyClient) expectRefused(u *echoUpstream, what string, a answer, status int) {
	c.t.Helper()
	if a.status != status {
		c.t.Errorf("%s through %s: %s, want %d", what, c.p.name, a, status)
	}
	if status == http.StatusUnauthorized {
		if got := a.header.Get("WWW-Authenticate"); got != `Bearer realm="gatehouse"` {
			c.t.Errorf("%s through %s: WWW-Authenticate %q, want gatehouse's Bearer realm=\"gatehouse\"", what, c.p.name, got)
		}
	}
	if seen, ok := u.reached(a.uri); ok {
		c.t.Errorf("%s through %s: the upstream was reached (%+v)", what, c.p.name, seen)
	}
}

func sortedPairs(m identity) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+"="+strconv.Quote(m[k]))
	}
	return out
}

// forgedIdentity is what a client sends to pass itself off as another
// account: every identity header, in several spellings, some twice, and
// the _ forms CGI, PHP and WSGI read as the same names.
func forgedIdentity(kind string) []string {
	h := []string{
		"X-Gatehouse-User", "999999",
		"X-Gatehouse-Email", "root@forged.example",
		"X-Gatehouse-Credential", "app_key",
		"X-Gatehouse-Key", "app_forgedforgedforged00",
		"X-Gatehouse-App", "forged-app",
		"X-Gatehouse-Scope", "account",
		"X-Gatehouse-Cac", "forged",
		"x-gatehouse-user", "999998",
		"X-GATEHOUSE-APP", "forged-app-2",
		"X-Gatehouse-App", "forged-app-3",
		"X_Gatehouse_User", "999997",
		"X-Gatehouse_User", "999996",
		"x_gatehouse_app", "forged-app-4",
	}
	if kind == "caddy" {
		// nginx replaces the seven names it is told about and drops names
		// with _; Caddy's request_header strips every X-Gatehouse* name,
		// so an upstream behind Caddy never sees names gatehouse may add.
		h = append(h, "X-Gatehouse-Admin", "true", "X-GatehouseUser", "999995")
	}
	return h
}

// account is one signed-up, active account and every kind of credential
// it holds, with the identity each one must show the upstream.
type account struct {
	email, id string
	cac       bool          // the account's CAC flag, set with the CLI
	key       createdAPIKey // its first API key (from sign-up) and that key's id
	token     string        // an access token from key
	acct      sunKeyCred    // an account key
	appID     string
	appKey    sunKeyCred // a key of app appID
}

func (a *account) apiKeyIdentity(kind string) identity {
	return identity{
		"X-Gatehouse-User": a.id, "X-Gatehouse-Email": a.email, "X-Gatehouse-Credential": kind,
		"X-Gatehouse-Key": strconv.FormatInt(a.key.ID, 10), "X-Gatehouse-Scope": "user", "X-Gatehouse-Cac": strconv.FormatBool(a.cac),
	}
}

func (a *account) sunshineIdentity(k sunKeyCred) identity {
	// No X-Gatehouse-Cac: it is for API keys and access tokens only.
	id := identity{"X-Gatehouse-User": a.id, "X-Gatehouse-Email": a.email, "X-Gatehouse-Key": k.id}
	if strings.HasPrefix(k.id, "app_") {
		id["X-Gatehouse-Credential"], id["X-Gatehouse-Scope"], id["X-Gatehouse-App"] = "app_key", "app", a.appID
	} else {
		id["X-Gatehouse-Credential"], id["X-Gatehouse-Scope"] = "account_key", "account"
	}
	return id
}

// newProxyAccount signs email up on gatehouse directly, sets its CAC flag
// with the CLI, and gives it a token, an account key, an app and an app
// key; its id comes from the CLI, on the same database.
func newProxyAccount(t *testing.T, h *e2e, c *apiClient, dataDir, email string, cac bool) *account {
	t.Helper()
	const password = "correct horse battery staple"
	a := &account{email: email, cac: cac}
	a.key.APIKey = signupVia(t, c, email, password)
	if cac {
		if out, code := h.cli("users", "set-cac", email, "on", "--data", dataDir); code != 0 {
			t.Fatalf("gatehouse users set-cac %s on: exit %d; %s", email, code, out)
		}
	}
	a.token = exchangeVia(t, c, email, a.key.APIKey)
	h.secrets = append(h.secrets, a.key.APIKey, a.token)

	st, body := c.do(http.MethodPost, "/user/get-user-api-keys", a.key.APIKey, map[string]any{})
	var keys struct {
		Response []struct {
			ID int64 `json:"id"`
		} `json:"response"`
	}
	mustUnmarshal(t, body, &keys)
	if st != http.StatusOK || len(keys.Response) != 1 || keys.Response[0].ID == 0 {
		t.Fatalf("get-user-api-keys for %s: status %d, body %s; want one key", email, st, body)
	}
	a.key.ID = keys.Response[0].ID

	if out, code := h.cli("users", "list", "--json", "--data", dataDir); code != 0 {
		t.Fatalf("gatehouse users list --json: exit %d; %s", code, out)
	}
	for line := range strings.SplitSeq(strings.TrimSpace(h.lastStdout), "\n") {
		var u struct {
			ID    int64  `json:"id"`
			Email string `json:"email"`
		}
		mustUnmarshal(t, []byte(line), &u)
		if u.Email == email {
			a.id = strconv.FormatInt(u.ID, 10)
		}
	}
	if a.id == "" {
		t.Fatalf("gatehouse users list --json does not list %s: %s", email, h.lastStdout)
	}

	a.acct = createAccountKeyVia(t, c, a.key.APIKey, "forward auth")
	r := callHTTP(c.http, http.MethodPost, c.base+"/v2/apps", a.acct.basic(), map[string]string{"displayName": "forward auth"})
	if r.err != nil || r.status != http.StatusCreated {
		t.Fatalf("POST /v2/apps: %s, want 201", r)
	}
	var app struct {
		App struct {
			ID string `json:"id"`
		} `json:"app"`
	}
	mustUnmarshal(t, r.body, &app)
	if a.appID = app.App.ID; a.appID == "" {
		t.Fatalf("POST /v2/apps: no app id in %s", r.body)
	}
	a.appKey = createAppKeyVia(t, c.http, c.base, a.acct.basic(), a.appID, "forward auth")
	h.secrets = append(h.secrets, a.acct.secret, a.acct.basicValue(), a.appKey.secret, a.appKey.basicValue())
	return a
}

func basicHeader(id, secret string) []string {
	return []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))}
}

// TestForwardAuthProxies puts nginx and Caddy, configured as the README
// shows, between clients and an upstream, with gatehouse's /auth/verify
// as the gate, and checks for each proxy:
//   - every kind of credential (API key in each of its three headers,
//     access token, account and app keys by Basic and by JWT) reaches the
//     upstream, which sees exactly gatehouse's identity headers, whatever
//     X-Gatehouse-* headers the client sent, and none that the identity
//     lacks (an API key has no X-Gatehouse-App);
//   - no credential, garbage, unknown keys and tokens, a wrong secret, two
//     credentials, and keys deleted through the API while the proxy runs
//     get a 401 from the proxy, forged identity headers or not, and the
//     upstream never sees the request;
//   - gatehouse throttles the client, not the proxy: one client past its
//     failure budget gets 429 with Retry-After, another does not;
//   - with gatehouse down, the proxy refuses (fails closed).
func TestForwardAuthProxies(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the forward-auth proxy test in -short mode: it builds the gatehouse binary and runs nginx and Caddy")
	}
	if !slices.ContainsFunc(proxyKinds, func(k proxyKind) bool { _, err := exec.LookPath(k.binary); return err == nil }) {
		requireOrSkip(t, "skipping the forward-auth proxy test: neither nginx nor caddy is on PATH (.ci/run installs them from Debian: apt-get install nginx-light caddy)")
	}
	h := newE2E(t)
	dataDir := t.TempDir()
	// The proxies reach gatehouse from 127.0.0.1; the clients come from
	// other loopback addresses, which the proxies pass in X-Forwarded-For.
	srv := h.startServerFlags(dataDir, "--open-signup", "--trusted-proxies", "127.0.0.1/32")
	gate := srv.addr
	direct := &apiClient{t: t, base: "http://" + gate, http: &http.Client{Timeout: 10 * time.Second}}
	direct.waitHealthy()
	up := startEchoUpstream(t)

	// The proxies outlive their subtests, for the gatehouse-down check.
	top := t
	proxies := map[string]*runningProxy{}
	for i, kind := range proxyKinds {
		t.Run(kind.name, func(t *testing.T) {
			p := startProxy(t, top, kind, gate, up.addr)
			proxies[kind.name] = p
			// One account with the CAC flag, one without.
			a := newProxyAccount(t, h, direct, dataDir, "forward."+kind.name+"@example.com", i%2 == 1)
			clientIP := fmt.Sprintf("127.0.0.%d", 10+10*i)
			c := &proxyClient{t: t, p: p, http: clientFromIP(clientIP)}
			testProxyPasses(t, c, up, a, kind.name)
			testProxyRefuses(t, c, up, a, kind.name)
			testProxyRevocation(t, h, c, direct, up, a)
			testProxyThrottle(t, c, up, a, fmt.Sprintf("127.0.0.%d", 11+10*i))
		})
	}

	// With gatehouse stopped, each proxy refuses a request it would have
	// passed: it fails closed. (What status it picks is its own.)
	srv.stop()
	for _, kind := range proxyKinds {
		p := proxies[kind.name]
		if p == nil {
			continue
		}
		t.Run(kind.name+"/gatehouse-down", func(t *testing.T) {
			c := &proxyClient{t: t, p: p, http: clientFromIP("127.0.0.99")}
			a := c.send("gatehouse down", http.MethodGet, []string{"X-API-Key", credential.NewAPIKey()}, "")
			if a.status < 500 {
				t.Errorf("gatehouse down, through %s: %s, want a 5xx", kind.name, a)
			}
			if _, ok := up.reached(a.uri); ok {
				t.Errorf("gatehouse down, through %s: the upstream was reached", kind.name)
			}
			t.Logf("gatehouse down: %s answers %d (%s)", kind.name, a.status, a.header.Get("Content-Type"))
		})
	}
	h.assertNoSecretsLogged()
}

// testProxyPasses sends every credential kind through the proxy, each
// with a forged identity, and checks the upstream saw gatehouse's.
func testProxyPasses(t *testing.T, c *proxyClient, up *echoUpstream, a *account, kind string) {
	t.Helper()
	forged := forgedIdentity(kind)
	cases := []struct {
		name string
		cred []string
		want identity
	}{
		{"API key in x-access-tokens", xAccess(a.key.APIKey), a.apiKeyIdentity("api_key")},
		{"API key in X-API-Key", []string{"X-API-Key", a.key.APIKey}, a.apiKeyIdentity("api_key")},
		{"API key as Bearer", []string{"Authorization", "Bearer " + a.key.APIKey}, a.apiKeyIdentity("api_key")},
		{"access token in x-access-tokens", xAccess(a.token), a.apiKeyIdentity("access_token")},
		{"access token as Bearer", []string{"Authorization", "Bearer " + a.token}, a.apiKeyIdentity("access_token")},
		{"account key Basic", a.acct.basic(), a.sunshineIdentity(a.acct)},
		{"account key JWT", a.acct.jwt(t), a.sunshineIdentity(a.acct)},
		{"app key Basic", a.appKey.basic(), a.sunshineIdentity(a.appKey)},
		{"app key JWT", a.appKey.jwt(t), a.sunshineIdentity(a.appKey)},
	}
	for _, tc := range cases {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			body := ""
			if method == http.MethodPost {
				body = `{"the":"body"}`
			}
			what := tc.name + " " + method
			c.expectPassed(up, what, c.send(what, method, tc.cred, body), method, body, tc.want)
			what += " with a forged identity"
			c.expectPassed(up, what, c.send(what, method, slices.Concat(tc.cred, forged), body), method, body, tc.want)
		}
	}
}

// testProxyRefuses sends credentials gatehouse refuses, each alone and
// with a forged identity: 401 from the proxy, upstream not reached.
func testProxyRefuses(t *testing.T, c *proxyClient, up *echoUpstream, a *account, kind string) {
	t.Helper()
	cases := []struct {
		name string
		cred []string
	}{
		{"no credential", nil},
		{"garbage x-access-tokens", xAccess("garbage")},
		{"garbage Bearer", []string{"Authorization", "Bearer garbage"}},
		{"garbage Basic", []string{"Authorization", "Basic !!!"}},
		{"unknown well-formed API key", []string{"X-API-Key", credential.NewAPIKey()}},
		{"unknown well-formed access token", []string{"Authorization", "Bearer " + credential.NewAccessToken()}},
		{"account key with a wrong secret", basicHeader(a.acct.id, credential.NewKeySecret())},
		{"two credentials", slices.Concat(xAccess(a.key.APIKey), []string{"X-API-Key", a.token})},
	}
	for _, tc := range cases {
		c.expectRefused(up, tc.name, c.send(tc.name, http.MethodGet, tc.cred, ""), http.StatusUnauthorized)
		what := tc.name + " with a forged identity"
		c.expectRefused(up, what, c.send(what, http.MethodPost, slices.Concat(tc.cred, forgedIdentity(kind)), `{}`), http.StatusUnauthorized)
	}
}

// testProxyRevocation deletes an API key (and with it the token made from
// it) and an app key through gatehouse's API while the proxy runs: the
// next request through the proxy is refused.
func testProxyRevocation(t *testing.T, h *e2e, c *proxyClient, direct *apiClient, up *echoUpstream, a *account) {
	t.Helper()
	k := createAPIKeyVia(t, direct, a.key.APIKey, "to delete")
	tok := exchangeVia(t, direct, a.email, k.APIKey)
	appKey := createAppKeyVia(t, direct.http, direct.base, a.acct.basic(), a.appID, "to delete")
	h.secrets = append(h.secrets, k.APIKey, tok, appKey.secret, appKey.basicValue())

	keyID := identity{}
	maps.Copy(keyID, a.apiKeyIdentity("api_key"))
	keyID["X-Gatehouse-Key"] = strconv.FormatInt(k.ID, 10)
	tokID := maps.Clone(keyID)
	tokID["X-Gatehouse-Credential"] = "access_token"
	creds := []struct {
		name string
		cred []string
		want identity
	}{
		{"new API key", xAccess(k.APIKey), keyID},
		{"token of the new API key", []string{"Authorization", "Bearer " + tok}, tokID},
		{"new app key", appKey.basic(), a.sunshineIdentity(appKey)},
	}
	for _, cr := range creds {
		what := cr.name + " before deletion"
		c.expectPassed(up, what, c.send(what, http.MethodGet, cr.cred, ""), http.MethodGet, "", cr.want)
	}

	if st, body := direct.do(http.MethodDelete, "/user/user-api-key", a.key.APIKey, map[string]int64{"id": k.ID}); st != http.StatusOK {
		t.Fatalf("DELETE /user/user-api-key: status %d, want 200; body %s", st, body)
	}
	r := callHTTP(direct.http, http.MethodDelete, direct.base+"/v2/apps/"+a.appID+"/keys/"+appKey.id, a.acct.basic(), nil)
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("DELETE /v2/apps/{appId}/keys/{keyId}: %s, want 200", r)
	}
	// Refused at once: gatehouse and the proxies run on one node.
	for _, cr := range creds {
		what := cr.name + " after deletion"
		c.expectRefused(up, what, c.send(what, http.MethodGet, cr.cred, ""), http.StatusUnauthorized)
	}
}

// testProxyThrottle spends the failure budget of one client address
// through the proxy: gatehouse must count the client (from the proxy's
// X-Forwarded-For), not the proxy, so another client is not throttled.
func testProxyThrottle(t *testing.T, c *proxyClient, up *echoUpstream, a *account, otherIP string) {
	t.Helper()
	const maxTries = 200
	var last answer
	tries := 0
	for tries < maxTries {
		tries++
		last = c.send("spending the failure budget", http.MethodGet, []string{"X-API-Key", credential.NewAPIKey()}, "")
		if last.status != http.StatusUnauthorized {
			break
		}
	}
	if last.status != http.StatusTooManyRequests {
		t.Errorf("failed checks from one client through %s: %s after the 401s, want 429 (the proxy must pass gatehouse's throttle on)", c.p.name, last)
		return
	}
	if ra := last.header.Get("Retry-After"); ra == "" {
		t.Errorf("429 through %s has no Retry-After", c.p.name)
	}
	c.expectRefused(up, "throttled client", last, http.StatusTooManyRequests)
	t.Logf("throttled through %s after %d more unknown keys: %d %s, Retry-After %s", c.p.name, tries-1, last.status, bytes.TrimSpace(last.body), last.header.Get("Retry-After"))

	// A forged X-Forwarded-For does not buy the client a new budget.
	a2 := c.send("throttled client, forged X-Forwarded-For", http.MethodGet, []string{"X-API-Key", credential.NewAPIKey(), "X-Forwarded-For", "203.0.113.7"}, "")
	c.expectRefused(up, "throttled client, forged X-Forwarded-For", a2, http.StatusTooManyRequests)

	// A credential gatehouse has verified and cached still passes for the
	// throttled client (docs/security.md 13). The cache is trusted only
	// while the revocation feed is fresh, and a feed that went stale (a
	// loaded machine can miss its 750 ms) clears it on its next read: then
	// the key needs a database read, which the throttled client is granted
	// once its budget refills (one a second). So it passes at once, or
	// within a few seconds, and never by any other credential.
	what := "throttled client, the account's (cached) API key"
	passed := c.send(what, http.MethodGet, xAccess(a.key.APIKey), "")
	for deadline := time.Now().Add(3 * time.Second); passed.status == http.StatusTooManyRequests && time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		passed = c.send(what, http.MethodGet, xAccess(a.key.APIKey), "")
	}
	c.expectPassed(up, what, passed, http.MethodGet, "", a.apiKeyIdentity("api_key"))

	// Another client through the same proxy still gets gatehouse's own
	// answers.
	other := &proxyClient{t: t, p: c.p, http: clientFromIP(otherIP), n: 100000}
	what = "another client, unknown key"
	other.expectRefused(up, what, other.send(what, http.MethodGet, []string{"X-API-Key", credential.NewAPIKey()}, ""), http.StatusUnauthorized)
	what = "another client, API key"
	other.expectPassed(up, what, other.send(what, http.MethodGet, xAccess(a.key.APIKey), ""), http.MethodGet, "", a.apiKeyIdentity("api_key"))
}
