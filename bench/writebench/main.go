// Command writebench measures gatehouse's writes on PostgreSQL with one and
// two nodes: token exchanges and API-key creations, each a committed write,
// from 1, 8 and 32 client connections, each connection for an account of
// its own, spread round-robin over the nodes. It prints one table.
// Each request comes from a client address of its own (X-Forwarded-For).
//
//	go run ./bench/writebench -dsn postgres://...      (or GATEHOUSE_TEST_POSTGRES / DATABASE_URL)
//
// It builds ./cmd/gatehouse, makes a fresh database on the server, starts
// the nodes on loopback with --trusted-proxies 127.0.0.1/32 (each
// request sends an X-Forwarded-For of its own, so the per-IP throttles
// meter clients, not the benchmark), and drops the database at the end.
// See bench/README.md.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	dsn := flag.String("dsn", firstNonEmpty(os.Getenv("GATEHOUSE_TEST_POSTGRES"), os.Getenv("DATABASE_URL")), "PostgreSQL server `DSN` (a database is made on it and dropped)")
	d := flag.Duration("d", 5*time.Second, "length of each measured run")
	flag.IntVar(&rounds, "rounds", 3, "measure every case this many times, the cases taking turns, and report the median (a shared machine's rate wanders)")
	flag.StringVar(&only, "only", "", "run only the cases whose name (\"token exchange/2/32\": operation/nodes/connections) matches this `regexp`; the ratio column needs the operation's /1/1 case")
	flag.IntVar(&debugPort, "debug-port", 0, "serve node i's profiler (--debug-addr) on 127.0.0.1:`PORT`+i, to profile a run (off by default)")
	flag.Parse()
	if *dsn == "" {
		fmt.Fprintln(os.Stderr, "writebench: give -dsn (or set GATEHOUSE_TEST_POSTGRES); .ci/start-postgres.sh starts a throwaway server")
		os.Exit(2)
	}
	if err := run(context.Background(), *dsn, *d); err != nil {
		fmt.Fprintln(os.Stderr, "writebench:", err)
		os.Exit(1)
	}
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

type node struct {
	cmd  *exec.Cmd
	addr string
}

func run(ctx context.Context, serverDSN string, d time.Duration) error {
	work, err := os.MkdirTemp("", "writebench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "gatehouse")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/gatehouse").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v: %s", err, out)
	}
	dsn, drop, err := newDatabase(ctx, serverDSN)
	if err != nil {
		return err
	}
	defer drop()
	var mk [32]byte
	rand.Read(mk[:])
	env := append(os.Environ(), "GATEHOUSE_MASTER_KEY="+hex.EncodeToString(mk[:]), "GATEHOUSE_DB="+dsn, "GATEHOUSE_DATA="+filepath.Join(work, "data"))

	// 32 accounts, each with its key (users create prints it once).
	const accounts = 32
	keyRE := regexp.MustCompile(`(?m)^api key \(shown once\): (\S+)$`)
	var emails, keys []string
	for i := range accounts {
		email := fmt.Sprintf("w%d@example.com", i)
		cmd := exec.CommandContext(ctx, bin, "users", "create", email, "--active")
		cmd.Env, cmd.Stdin = env, strings.NewReader("password123\n")
		out, err := cmd.CombinedOutput()
		m := keyRE.FindSubmatch(out)
		if err != nil || m == nil {
			return fmt.Errorf("users create: %v: %s", err, out)
		}
		emails, keys = append(emails, email), append(keys, string(m[1]))
	}

	var nodes []*node
	defer func() {
		for _, n := range nodes {
			n.cmd.Process.Signal(os.Interrupt)
			n.cmd.Wait()
		}
	}()
	for i := range 2 {
		n, err := startNode(ctx, bin, env, i)
		if err != nil {
			return err
		}
		nodes = append(nodes, n)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	type result struct {
		op           string
		nodes, conns int
		rates        []float64
		errs         int64
	}
	onlyRE, err := regexp.Compile(only)
	if err != nil {
		return fmt.Errorf("-only: %w", err)
	}
	var results []*result
	for _, op := range []string{"token exchange", "key creation"} {
		for _, nn := range []int{1, 2} {
			for _, conns := range []int{1, 8, 32} {
				if onlyRE.MatchString(fmt.Sprintf("%s/%d/%d", op, nn, conns)) {
					results = append(results, &result{op: op, nodes: nn, conns: conns})
				}
			}
		}
	}
	for round := range max(rounds, 1) {
		for _, r := range results {
			op, nn, conns := r.op, r.nodes, r.conns
			var ok, bad, seq atomic.Int64
			deadline := time.Now().Add(d)
			var wg sync.WaitGroup
			for c := range conns {
				wg.Go(func() {
					base := "http://" + nodes[c%nn].addr
					for time.Now().Before(deadline) {
						// A client address of its own per request: the
						// per-IP exchange throttle (30, then one a
						// second) would otherwise meter the benchmark.
						n := seq.Add(1)
						ip := fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255)
						var err error
						if op == "token exchange" {
							err = post(client, base+"/user/get-token-with-api-key", ip, "", map[string]string{"email": emails[c], "api_key": keys[c]})
						} else {
							err = createAndDelete(client, base, ip, keys[c])
						}
						if err != nil {
							bad.Add(1)
						} else {
							ok.Add(1)
						}
					}
				})
			}
			wg.Wait()
			rate := float64(ok.Load()) / d.Seconds()
			r.rates, r.errs = append(r.rates, rate), r.errs+bad.Load()
			fmt.Fprintf(os.Stderr, "round %d: %s, %d node(s), %d connection(s): %.0f/s (%d errors)\n", round+1, op, nn, conns, rate, bad.Load())
		}
	}

	fmt.Printf("writebench: PostgreSQL, %d accounts, %s per run, %d rounds; commit writes per second, the median of the rounds (key creation: create + delete, counted once)\n\n", accounts, d, max(rounds, 1))
	fmt.Println("| operation | nodes | connections | writes/s | rounds | vs 1 connection, 1 node | errors |")
	fmt.Println("|---|---|---|---|---|---|---|")
	base := map[string]float64{}
	for _, r := range results {
		if r.nodes == 1 && r.conns == 1 {
			base[r.op] = median(r.rates)
		}
	}
	for _, r := range results {
		med, ratio := median(r.rates), "–"
		if b := base[r.op]; b > 0 {
			ratio = fmt.Sprintf("%.2f×", med/b)
		}
		fmt.Printf("| %s | %d | %d | %.0f | %.0f–%.0f | %s | %d |\n", r.op, r.nodes, r.conns, med, slices.Min(r.rates), slices.Max(r.rates), ratio, r.errs)
	}
	return nil
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func post(c *http.Client, u, ip, token string, body any) error {
	_, err := call(c, "POST", u, ip, token, body)
	return err
}

func call(c *http.Client, method, u, ip, token string, body any) ([]byte, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, u, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	if token != "" {
		req.Header.Set("x-access-tokens", token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %d %s", method, u, resp.StatusCode, out)
	}
	return out, nil
}

// createAndDelete makes an API key and deletes it, so an account stays
// under its 100-key limit however long the run.
func createAndDelete(c *http.Client, base, ip, key string) error {
	out, err := call(c, "POST", base+"/user/user-api-key", ip, key, map[string]string{"name": "wb"})
	if err != nil {
		return err
	}
	var r struct {
		Response struct {
			ID int64 `json:"id"`
		} `json:"response"`
	}
	if err := json.Unmarshal(out, &r); err != nil || r.Response.ID == 0 {
		return fmt.Errorf("create: %s", out)
	}
	_, err = call(c, "DELETE", base+"/user/user-api-key", ip, key, map[string]int64{"id": r.Response.ID})
	return err
}

// debugPort is -debug-port; rounds is -rounds; only is -only.
var (
	debugPort, rounds int
	only              string
)

func startNode(ctx context.Context, bin string, env []string, i int) (*node, error) {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--trusted-proxies", "127.0.0.1/32"}
	if debugPort != 0 {
		args = append(args, "--debug-addr", fmt.Sprintf("127.0.0.1:%d", debugPort+i))
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &m) == nil && m.Msg == "listening" {
				addrc <- m.Addr
			}
		}
	}()
	select {
	case a := <-addrc:
		return &node{cmd: cmd, addr: a}, nil
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		return nil, errors.New("a node did not start within 30 s")
	}
}

// newDatabase makes a fresh database on the server and returns its DSN and
// a func that drops it.
func newDatabase(ctx context.Context, serverDSN string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, serverDSN)
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	rand.Read(b[:])
	name := "writebench_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	u, err := url.Parse(serverDSN)
	if err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("-dsn must be a postgres:// URL: %w", err)
	}
	u.Path = "/" + name
	drop := func() {
		conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.Close(context.Background())
	}
	return u.String(), drop, nil
}
