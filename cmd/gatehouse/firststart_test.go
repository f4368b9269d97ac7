package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/seal"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
)

// firstStartCommands are what may run at the same moment on a fresh data
// directory: servers (which check the master key against the one the
// database recorded, so they all must agree on it) and admin commands.
func firstStartCommands(i int) []string {
	switch i % 4 {
	case 0, 1:
		return []string{"serve", "--addr", "127.0.0.1:0"}
	case 2:
		return []string{"users", "list", "--json"}
	default:
		return []string{"migrate"}
	}
}

// checkFirstStartDir checks what concurrent first starts left: one valid
// master key (mode 0600) and no temporary files.
func checkFirstStartDir(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, "master.key")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no master key after first start: %v", err)
	}
	if _, err := seal.ParseMasterKey(string(b)); err != nil {
		t.Fatalf("master.key: %v", err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("master.key: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), "tmp") {
			t.Errorf("left in the data directory: %s", e.Name())
		}
	}
}

// Many first starts of run() at the same moment on one fresh data
// directory all succeed; the servers all reach "listening", which they do
// only with the master key the database recorded first.
func TestConcurrentFirstStartInProcess(t *testing.T) {
	t.Parallel()
	const n = 32
	dir := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	var wg sync.WaitGroup
	errs := make([]error, n)
	logs := make([]*lineWriter, n)
	listening := make(chan int, n) // a server logged "listening"
	returned := make(chan int, n)  // a server's run returned
	var start sync.WaitGroup
	start.Add(1)
	servers := 0
	for i := range n {
		args := append(firstStartCommands(i), "--data", dir)
		runCtx := t.Context() // admin commands run to their end
		if args[0] == "serve" {
			runCtx = ctx // servers run until cancelled
			servers++
		}
		logs[i] = &lineWriter{all: &syncBuffer{}, onLine: func(line []byte) {
			if strings.Contains(string(line), `"msg":"listening"`) {
				listening <- i
			}
		}}
		wg.Go(func() {
			start.Wait()
			errs[i] = run(runCtx, args, func(string) string { return "" }, strings.NewReader(""), io.Discard, logs[i])
			if args[0] == "serve" {
				returned <- i
			}
		})
	}
	start.Done()

	// Wait until every server listens or has failed.
	timeout := time.After(60 * time.Second)
	for up, failed := 0, 0; up+failed < servers; {
		select {
		case <-listening:
			up++
		case <-returned:
			failed++ // before cancel, a server returns only on failure (reported below)
		case <-timeout:
			cancel()
			t.Fatalf("only %d of %d servers listen after 60s", up, servers)
		}
	}
	cancel()
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("start %d (gatehouse %s): %v\nstderr: %s", i, strings.Join(firstStartCommands(i), " "), errs[i], logs[i].String())
		}
	}
	checkFirstStartDir(t, dir)
}

// Several real processes of the binary starting at once on a fresh data
// directory, on SQLite and (when configured) on one fresh PostgreSQL
// database, all succeed and agree on one master key.
func TestConcurrentFirstStartProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gatehouse binary")
	}
	t.Parallel()
	h := newE2E(t)
	backends := []struct {
		name string
		db   func(t *testing.T) string // "" = the SQLite file in the data directory
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.NewDatabase(t) }}, // skips without a server
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			db := be.db(t)
			const n = 8
			type proc struct {
				cmd    *exec.Cmd
				stderr *lineWriter
				done   chan error
				args   []string
			}
			listening := make(chan int, n)
			procs := make([]*proc, n)
			for i := range n {
				args := append(firstStartCommands(i), "--data", dir)
				if db != "" {
					args = append(args, "--db", db)
				}
				p := &proc{args: args, done: make(chan error, 1)}
				p.stderr = &lineWriter{all: &h.logs, onLine: func(line []byte) {
					if strings.Contains(string(line), `"msg":"listening"`) {
						listening <- i
					}
				}}
				p.cmd = exec.Command(h.bin, args...)
				p.cmd.Env = h.env
				p.cmd.Stdout = io.Discard
				p.cmd.Stderr = p.stderr
				procs[i] = p
			}
			for _, p := range procs { // as close together as exec allows
				if err := p.cmd.Start(); err != nil {
					t.Fatal(err)
				}
				go func() { p.done <- p.cmd.Wait() }()
			}
			defer func() {
				for _, p := range procs {
					p.cmd.Process.Kill()
				}
			}()
			servers := 0
			for i := range n {
				if firstStartCommands(i)[0] == "serve" {
					servers++
				}
			}
			exited := map[int]error{}
			timeout := time.After(60 * time.Second)
			for up := 0; up < servers; {
				select {
				case <-listening:
					up++
				case <-timeout:
					t.Fatalf("only %d of %d servers listen after 60s\n%s", up, servers, h.logs.String())
				case <-time.After(50 * time.Millisecond):
					for i, p := range procs {
						if _, seen := exited[i]; seen || p.args[0] != "serve" {
							continue
						}
						select {
						case err := <-p.done:
							exited[i] = err
							t.Fatalf("gatehouse %s exited before listening: %v\nstderr: %s", strings.Join(p.args, " "), err, p.stderr.String())
						default:
						}
					}
				}
			}
			for i, p := range procs {
				if p.args[0] == "serve" {
					p.cmd.Process.Signal(syscall.SIGTERM)
				}
				var err error
				select {
				case err = <-p.done:
				case <-time.After(30 * time.Second):
					err = fmt.Errorf("did not exit within 30s")
				}
				if err != nil {
					t.Errorf("process %d, gatehouse %s: %v\nstderr: %s", i, strings.Join(p.args, " "), err, p.stderr.String())
				}
			}
			checkFirstStartDir(t, dir)
		})
	}
}
