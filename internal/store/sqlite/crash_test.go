package sqlite_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// crashEnv, when set, makes TestCrashChild the writer that
// TestCrashDurability kills; its value is the database path.
const (
	crashEnv      = "GATEHOUSE_CRASH_CHILD"
	crashRoundEnv = "GATEHOUSE_CRASH_ROUND"
	crashWriters  = 8
)

// TestCrashChild is the child process of TestCrashDurability. It opens the
// store and has crashWriters goroutines commit, each in one transaction, an
// account and a login row for it, printing "id <id> <email>" only after
// Update returned nil, until it is killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("runs only as the child process of TestCrashDurability")
	}
	round := os.Getenv(crashRoundEnv)
	// Not t.Context(): the child ends by SIGKILL, never by the test ending.
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(os.Stdout, format, args...)
	}
	say("ready\n")
	// A bound, in case the parent dies without killing us.
	deadline := time.Now().Add(time.Minute)
	var wg sync.WaitGroup
	for w := range crashWriters {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				u := newUser(fmt.Sprintf("r%s-w%d-%d@example.com", round, w, i))
				err := s.Update(ctx, func(tx gatehouse.Tx) error {
					if err := tx.Users().CreateUser(ctx, u); err != nil {
						return err
					}
					return tx.Logins().CreateLogin(ctx, &gatehouse.Login{
						UserID: u.ID, At: time.Now(), IP: u.Email, UserAgent: "crash", Kind: gatehouse.LoginToken, Success: true,
					})
				})
				if err != nil {
					fmt.Fprintf(os.Stderr, "writer %d: %v\n", w, err)
					continue
				}
				say("id %d %s\n", u.ID, u.Email)
			}
		})
	}
	wg.Wait()
	s.Close()
}

// TestCrashDurability kills a writing process with SIGKILL at a random
// moment, several times over one file, and checks that the database is
// intact and holds every write the child saw acknowledged (docs/security.md 24).
func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 durability test; skipped with -short")
	}
	if os.Getenv(crashEnv) != "" {
		t.Skip("not inside the child")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	acked := map[int64]string{}
	for round := range 3 {
		delay := 200*time.Millisecond + rand.N(600*time.Millisecond)
		got := runCrashChild(t, path, round, delay)
		t.Logf("round %d: killed after %v with %d acknowledged writes", round, delay, len(got))
		if len(got) == 0 {
			t.Fatalf("round %d: the child acknowledged no writes before it was killed", round)
		}
		for id, email := range got {
			if prev, ok := acked[id]; ok {
				t.Errorf("id %d acknowledged twice: %s and %s", id, prev, email)
			}
			acked[id] = email
		}
		checkAfterCrash(t, path, acked)
		if t.Failed() {
			return
		}
	}
}

// runCrashChild starts the child on path, kills it delay after it is ready
// and returns the ids it reported as committed.
func runCrashChild(t *testing.T, path string, round int, delay time.Duration) map[int64]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), crashEnv+"="+path, crashRoundEnv+"="+strconv.Itoa(round))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	ready := make(chan struct{})
	lines := make(chan []string, 1)
	go func() {
		var out []string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if line == "ready" {
				close(ready)
				continue
			}
			out = append(out, line)
		}
		lines <- out
	}()

	var out []string
	select {
	case <-ready:
		time.Sleep(delay)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Errorf("kill: %v", err)
		}
		out = <-lines
	case out = <-lines:
		// The child ended (or closed stdout) before it was ready.
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		out = <-lines
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("round %d: child did not die by SIGKILL: %v\nstdout:\n%s\nstderr:\n%s", round, err, strings.Join(out, "\n"), stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("round %d: child stderr:\n%s", round, stderr.String())
	}

	got := map[int64]string{}
	for _, line := range out {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "id" {
			// Anything else on stdout (the testing framework's own
			// output) is not an acknowledgement.
			continue
		}
		id, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			t.Fatalf("bad line %q", line)
		}
		got[id] = f[2]
	}
	return got
}

// checkAfterCrash checks the file after a kill: integrity, foreign keys,
// every acknowledged account with its login, and no half-written pair.
func checkAfterCrash(t *testing.T, path string, acked map[int64]string) {
	t.Helper()
	ctx := t.Context()

	db := rawDB(t, path)
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check = %q, %v; want ok", res, err)
	}
	rows, err := db.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Errorf("foreign_key_check reports violations")
	}
	rows.Close()
	var halves int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE id NOT IN (SELECT user_id FROM logins)").Scan(&halves); err != nil {
		t.Fatal(err)
	}
	if halves != 0 {
		t.Errorf("%d accounts without their login row: a transaction was torn", halves)
	}
	db.Close()

	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	var lost []string
	err = s.View(ctx, func(tx gatehouse.Tx) error {
		for id, email := range acked {
			u, err := tx.Users().FindUserByID(ctx, id)
			if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
				lost = append(lost, fmt.Sprintf("%d %s", id, email))
				continue
			}
			if err != nil {
				return err
			}
			if u.Email != email {
				t.Errorf("user %d email = %q, want %q", id, u.Email, email)
			}
			ls, err := tx.Logins().FindLoginsByUser(ctx, id, 10)
			if err != nil {
				return err
			}
			if len(ls) != 1 || ls[0].IP != email {
				t.Errorf("user %d logins = %+v, want one for %s", id, ls, email)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading after kill: %v", err)
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d acknowledged writes lost after kill -9, e.g. %v", len(lost), len(acked), lost[:min(5, len(lost))])
	}
}
