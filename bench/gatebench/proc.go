package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is a process under test: the bare handler or a gatehouse.
type server struct {
	name  string
	bin   string
	args  func(addr string) []string
	env   []string
	ready string // the output line (substring) that says it listens
	// answers is the status its GET /healthz gives once it serves: 0 for
	// 200; the same-answer reference gives its recorded one to everything.
	answers int

	addr string
	cmd  *exec.Cmd
	out  *tail
	done chan struct{}
}

// tail keeps the last bytes a process wrote (for error messages: gatehouse
// logs no secrets) and tells when a line containing want first appears.
// Keeping the output in a pipe drained by this process, rather than a
// file, is what a log shipper does, and keeps a long run off the disk.
type tail struct {
	mu     sync.Mutex
	buf    []byte
	lines  int64 // complete lines written
	errors int64 // of which gatehouse log records of level ERROR
	// canceled counts the ERROR records of requests whose client had gone
	// ("context canceled"): wrk closes its connections at the end of a
	// run with requests still in flight.
	canceled int64
	first    []string // the first few other ERROR records, cut short
	want     string
	seen     chan struct{}
	part     []byte // the line being written
}

func newTail(want string) *tail { return &tail{want: want, seen: make(chan struct{})} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 64<<10 {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-32<<10:]...)
	}
	rest := p
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			t.part = append(t.part, rest...)
			break
		}
		line := rest[:i]
		if len(t.part) > 0 {
			line = append(t.part, line...)
		}
		t.line(line)
		t.part = t.part[:0]
		rest = rest[i+1:]
	}
	return len(p), nil
}

func (t *tail) line(l []byte) {
	t.lines++
	if bytes.Contains(l, []byte(`"level":"ERROR"`)) {
		t.errors++
		if bytes.Contains(l, []byte(`"err":"context canceled"`)) {
			t.canceled++
		} else if len(t.first) < 5 {
			t.first = append(t.first, string(l[:min(len(l), 400)]))
		}
	}
	if t.want != "" && bytes.Contains(l, []byte(t.want)) {
		close(t.seen)
		t.want = ""
	}
}

// logCounts are what a tail counted.
type logCounts struct {
	lines, errors, canceled int64
	first                   []string
}

// counts returns the lines written so far, the number of ERROR records
// among them, how many of those were of canceled requests, and the first
// few others.
func (t *tail) counts() logCounts {
	t.mu.Lock()
	defer t.mu.Unlock()
	return logCounts{t.lines, t.errors, t.canceled, slices.Clone(t.first)}
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// freePort returns a loopback port nobody listened on a moment ago.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// start runs the server on a fresh loopback port and waits until it says
// it listens and answers GET /healthz with its status (the bare handler
// answers anything, the same-answer reference its recorded answer).
// A port taken between freePort and the server's bind is retried.
func (s *server) start(ctx context.Context) error {
	var err error
	for range 3 {
		if err = s.startOnce(ctx); err == nil {
			return nil
		}
	}
	return err
}

func (s *server) startOnce(ctx context.Context) error {
	addr, err := freePort()
	if err != nil {
		return err
	}
	s.addr = addr
	s.out = newTail(s.ready)
	s.cmd = exec.Command(s.bin, s.args(addr)...)
	s.cmd.Env = s.env
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.done) }()
	deadline := time.After(60 * time.Second)
	select {
	case <-s.out.seen:
	case <-s.done:
		return fmt.Errorf("%s exited before listening: %s", s.name, lastLines(s.out.String(), 5))
	case <-deadline:
		s.stop()
		return fmt.Errorf("%s did not say it listens within 60 s: %s", s.name, lastLines(s.out.String(), 5))
	case <-ctx.Done():
		s.stop()
		return ctx.Err()
	}
	want := s.answers
	if want == 0 {
		want = http.StatusOK
	}
	for {
		st, _, _, err := call(ctx, "GET", s.url("/healthz"), nil, "")
		if err == nil && st == want {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("%s exited: %s", s.name, lastLines(s.out.String(), 5))
		case <-deadline:
			s.stop()
			return fmt.Errorf("%s: /healthz not %d within 60 s (last: %d %v)", s.name, want, st, err)
		case <-ctx.Done():
			s.stop()
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (s *server) url(path string) string { return "http://" + s.addr + path }

// stop ends the server (SIGTERM, then SIGKILL after 20 s) and waits for it.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// alive reports whether the process is still running.
func (s *server) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// memKB returns the process's VmRSS and VmHWM in KiB.
func (s *server) memKB() (rss, hwm int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = n
		case "VmHWM:":
			hwm = n
		}
	}
	return rss, hwm
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, " | ")
}

var client = &http.Client{Timeout: 30 * time.Second}

// call sends one request and returns the status, headers and body.
func call(ctx context.Context, method, url string, headers [][2]string, body string) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	for _, h := range headers {
		req.Header.Add(h[0], h[1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// runCmd runs a command to completion and returns its combined output.
func runCmd(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	c := exec.CommandContext(ctx, name, args...)
	c.Dir, c.Env = dir, env
	out, err := c.CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return string(out), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, lastLines(string(out), 5))
		}
		return string(out), err
	}
	return string(out), nil
}

// lines calls fn for each line r yields.
func lines(r io.Reader, fn func(string)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fn(sc.Text())
	}
}
