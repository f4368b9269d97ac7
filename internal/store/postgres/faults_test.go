package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// backends lists the server processes of connections with the given
// application_name.
func backends(t *testing.T, app string) []int32 {
	t.Helper()
	_, admin := sharedDB(t)
	rows, err := admin.Query(t.Context(), `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, app)
	if err != nil {
		t.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

// terminate ends every server process of app, as a restart does, and waits
// until they are gone.
func terminate(t *testing.T, app string) int {
	t.Helper()
	_, admin := sharedDB(t)
	var n int
	if err := admin.QueryRow(t.Context(), `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(backends(t, app)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("backends of %s still there 5s after pg_terminate_backend", app)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return n
}

// TestReconnectAfterTerminate cuts every pooled connection from the server
// side (pg_terminate_backend, what a server restart does to them): the very
// next Update, View and Ping succeed on fresh connections, and a
// transaction cut in the middle fails EUNAVAILABLE without committing.
func TestReconnectAfterTerminate(t *testing.T) {
	t.Parallel()
	app := "gh_term_" + randHex(4)
	dsn, _ := newSchema(t, "application_name", app)
	s := openStore(t, dsn, postgres.Options{MaxConns: 4})
	ctx := t.Context()

	// Fill the pool: four transactions open at once use four connections.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			err := s.Update(ctx, func(tx gatehouse.Tx) error {
				time.Sleep(100 * time.Millisecond)
				return tx.Users().CreateUser(ctx, newUser(fmt.Sprintf("warm%d@example.com", i)))
			})
			if err != nil {
				t.Errorf("warm-up Update: %v", err)
			}
		})
	}
	wg.Wait()
	if n := len(backends(t, app)); n != 4 {
		t.Fatalf("pool holds %d connections, want 4", n)
	}

	for round := range 2 {
		if n := terminate(t, app); n == 0 {
			t.Fatalf("round %d: no connection to terminate", round)
		}
		createUser(t, s, fmt.Sprintf("after%d@example.com", round))
		if err := s.View(ctx, func(tx gatehouse.Tx) error {
			_, err := tx.Users().FindUserByEmail(ctx, fmt.Sprintf("after%d@example.com", round))
			return err
		}); err != nil {
			t.Errorf("round %d: View after terminate: %v", round, err)
		}
		terminate(t, app)
		if err := s.Read(ctx, func(tx gatehouse.Tx) error {
			_, err := tx.Users().FindUserByEmail(ctx, fmt.Sprintf("after%d@example.com", round))
			return err
		}); err != nil {
			t.Errorf("round %d: Read after terminate: %v", round, err)
		}
		terminate(t, app)
		if err := s.Ping(ctx); err != nil {
			t.Errorf("round %d: Ping after terminate: %v", round, err)
		}
	}

	// Cut in the middle of a transaction: fn's next statement fails, the
	// Update reports EUNAVAILABLE and nothing of it is committed.
	err := s.Update(ctx, func(tx gatehouse.Tx) error {
		if err := tx.Users().CreateUser(ctx, newUser("cut@example.com")); err != nil {
			return err
		}
		terminate(t, app)
		return tx.Users().CreateUser(ctx, newUser("cut2@example.com"))
	})
	wantUnavailable(t, "Update cut mid-transaction", err)
	err = s.View(ctx, func(tx gatehouse.Tx) error {
		_, err := tx.Users().FindUserByEmail(ctx, "cut@example.com")
		return err
	})
	if gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
		t.Errorf("user of the cut transaction: %v, want not found (never committed)", err)
	}
}

// proxy forwards TCP connections to the server, and can be cut (listener
// and every connection closed: the server is unreachable) and restored on
// the same address.
type proxy struct {
	target, addr string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]struct{}
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	p := &proxy{target: target, addr: "127.0.0.1:0", conns: map[net.Conn]struct{}{}}
	if err := p.restore(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) restore() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = struct{}{}, struct{}{}
			p.mu.Unlock()
			pipe := func(dst, src net.Conn) {
				io.Copy(dst, src)
				dst.Close()
				src.Close()
			}
			go pipe(up, c)
			go pipe(c, up)
		}
	}()
	return nil
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// TestUnreachable runs the store through a proxy and cuts it: while the
// server cannot be reached every call fails fast with EUNAVAILABLE (never
// success, never an internal error), and once it is back writes resume
// within 2 seconds without reopening the store (docs/security.md 25, 26).
func TestUnreachable(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t)
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(cfg.Host, "/") {
		t.Skip("the test server is on a unix socket; the proxy needs TCP")
	}
	p := newProxy(t, net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)))
	s := openStore(t, withParams(dsn, map[string]string{"hostport": p.addr}), postgres.Options{MaxConns: 4, ConnectTimeout: time.Second})
	ctx := t.Context()
	createUser(t, s, "before@example.com")

	p.cut()
	for i := range 2 {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		start := time.Now()
		err := s.Update(cctx, func(tx gatehouse.Tx) error {
			return tx.Users().CreateUser(cctx, newUser(fmt.Sprintf("during%d@example.com", i)))
		})
		wantUnavailable(t, "Update while unreachable", err)
		wantUnavailable(t, "View while unreachable", s.View(cctx, func(tx gatehouse.Tx) error {
			_, err := tx.Users().FindUsers(cctx, gatehouse.UserFilter{})
			return err
		}))
		wantUnavailable(t, "Ping while unreachable", s.Ping(cctx))
		cancel()
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("calls while unreachable took %v, want them to fail fast", d)
		}
	}

	if err := p.restore(); err != nil {
		t.Fatalf("restore the proxy on %s: %v", p.addr, err)
	}
	back := time.Now()
	for {
		err := s.Update(ctx, func(tx gatehouse.Tx) error { return tx.Users().CreateUser(ctx, newUser("after@example.com")) })
		if err == nil {
			break
		}
		if time.Since(back) > 2*time.Second {
			t.Fatalf("writes did not resume within 2s of the server coming back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("writes resumed %v after the server came back", time.Since(back).Round(time.Millisecond))
	var got []string
	if err := s.View(ctx, func(tx gatehouse.Tx) error {
		us, err := tx.Users().FindUsers(ctx, gatehouse.UserFilter{})
		for _, u := range us {
			got = append(got, u.Email)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"before@example.com", "after@example.com"}; !slices.Equal(got, want) {
		t.Errorf("users = %v, want %v (nothing written while unreachable)", got, want)
	}
}

// TestMapErrClosedConn: what pgx says about a connection it has closed
// ("conn closed", a lock error of its own type) is EUNAVAILABLE, known by
// its type, and stays reachable under the gatehouse error.
func TestMapErrClosedConn(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	conn, err := pgconn.Connect(ctx, serverDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}
	_, derr := conn.Exec(ctx, "SELECT 1").ReadAll()
	if derr == nil {
		t.Fatal("Exec on a closed connection succeeded")
	}
	got := postgres.MapErr(derr)
	wantUnavailable(t, "Exec on a closed connection", got)
	if !errors.Is(got, derr) || !errors.Is(got, pgconn.ErrConnClosed) {
		t.Errorf("MapErr(%v) = %v: the driver error is not wrapped", derr, got)
	}
}
