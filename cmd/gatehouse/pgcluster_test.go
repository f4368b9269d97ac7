package main

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A throwaway PostgreSQL cluster of a test's own, for the fault tests
// (pgfault_test.go), run by .ci/start-postgres.sh.

// pgCluster is a private cluster run by .ci/start-postgres.sh.
type pgCluster struct {
	t      *testing.T
	script string
	dir    string
	dsn    string
}

// startPrivateCluster starts a cluster in a fresh directory under /tmp,
// stopped and deleted when t ends, or skips t when it cannot.
func startPrivateCluster(t *testing.T) *pgCluster {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping PostgreSQL fault test in -short mode: it starts, restarts and kills a PostgreSQL cluster of its own")
	}
	if os.Geteuid() != 0 {
		skipOrFail(t, "it must run as root (.ci/start-postgres.sh runs the cluster via runuser -u postgres)")
	}
	if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb"); len(m) == 0 {
		skipOrFail(t, "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; apt-get install postgresql)")
	}
	if _, err := exec.LookPath("runuser"); err != nil {
		skipOrFail(t, "runuser is not on PATH")
	}
	if _, err := user.Lookup("postgres"); err != nil {
		skipOrFail(t, "there is no postgres OS user")
	}
	script, err := filepath.Abs("../../.ci/start-postgres.sh")
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: its parents are 0700 root, which the postgres user
	// cannot traverse, and the socket path must stay short.
	dir, err := os.MkdirTemp("/tmp", "ghpg-")
	if err != nil {
		t.Fatal(err)
	}
	c := &pgCluster{t: t, script: script, dir: dir}
	t.Cleanup(func() {
		// After a crash that was not followed by a start, postmaster.pid
		// names a dead process, whose number the script's stop would
		// kill -9 as a last resort: make sure it is still our postgres.
		pidFile := filepath.Join(dir, "data", "postmaster.pid")
		if b, err := os.ReadFile(pidFile); err == nil {
			pid, _, _ := strings.Cut(string(b), "\n")
			if comm, err := os.ReadFile("/proc/" + strings.TrimSpace(pid) + "/comm"); err != nil || strings.TrimSpace(string(comm)) != "postgres" {
				os.Remove(pidFile)
			}
		}
		if out, err := c.run("stop"); err != nil {
			t.Errorf("start-postgres.sh stop %s: %v\n%s", dir, err, out)
		}
		os.RemoveAll(dir)
	})
	var out string
	for attempt := range 3 {
		if out, err = c.run("start", "PG_PORT="+strconv.Itoa(freeTCPPort(t))); err == nil {
			break
		}
		t.Logf("start-postgres.sh start (attempt %d): %v\n%s", attempt+1, err, out)
		c.run("stop") // removes dir; start makes it again
	}
	if err != nil {
		t.Fatalf("start-postgres.sh start %s: %v\n%s", dir, err, out)
	}
	c.dsn = readClusterEnv(t, filepath.Join(dir, "env"))["DATABASE_URL"]
	if c.dsn == "" {
		t.Fatalf("%s/env has no DATABASE_URL", dir)
	}
	return c
}

// skipOrFail skips t for want of what it needs, or fails it under
// GATEHOUSE_TEST_REQUIRE=1 (.ci/run sets it: there, no PostgreSQL test may
// pass by skipping).
func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("GATEHOUSE_TEST_REQUIRE") == "1" {
		t.Fatal("GATEHOUSE_TEST_REQUIRE=1, but the PostgreSQL fault test cannot run: " + why)
	}
	t.Skip("skipping PostgreSQL fault test: " + why)
}

// run runs start-postgres.sh cmd on the cluster's directory, with extra
// environment settings, and returns its combined output.
func (c *pgCluster) run(cmd string, env ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	x := exec.CommandContext(ctx, "bash", c.script, cmd, c.dir)
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "PG_FAST", "PG_PORT", "PG_DB", "PG_STATE_DIR", "PG_INSTALL":
			// PG_FAST above all: fsync off would void the durability checks.
		default:
			x.Env = append(x.Env, kv)
		}
	}
	x.Env = append(x.Env, env...)
	out, err := x.CombinedOutput()
	return string(out), err
}

func (c *pgCluster) mustRun(cmd string) {
	c.t.Helper()
	if out, err := c.run(cmd); err != nil {
		c.t.Fatalf("start-postgres.sh %s %s: %v\n%s", cmd, c.dir, err, out)
	}
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// readClusterEnv reads the "export K=V" lines start-postgres.sh writes.
func readClusterEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export "), "="); ok {
			out[k] = v
		}
	}
	return out
}
