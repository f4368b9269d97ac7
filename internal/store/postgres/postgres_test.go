package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The tests need a PostgreSQL server they may create databases on, named by
// GATEHOUSE_TEST_POSTGRES (GATEHOUSE_TEST_POSTGRES_DSN, the name STYLE.md
// uses, is read too). TestStore gives every store of the contract suite a
// schema of its own in one database made for this test binary: a schema is
// created in milliseconds, a database in a few hundred, and the suite opens
// about 150 stores. Tests that need a whole database (migrations racing,
// per-database settings) make their own.

// serverDSN returns the DSN of the test server, or skips t.
func serverDSN(t *testing.T) string {
	t.Helper()
	return pgtest.ServerDSN(t) // skips, or fails under GATEHOUSE_TEST_REQUIRE=1
}

// shared is the database this test binary makes for TestStore's schemas,
// dropped by TestMain.
var shared struct {
	once  sync.Once
	dsn   string
	admin *pgxpool.Pool // connected to the shared database
	drop  func()
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.drop != nil {
		shared.drop()
	}
	os.Exit(code)
}

// sharedDB returns the shared database's DSN and an admin pool on it.
func sharedDB(t *testing.T) (string, *pgxpool.Pool) {
	t.Helper()
	dsn := serverDSN(t)
	shared.once.Do(func() {
		ctx := context.Background()
		name := "gh_test_" + randHex(6)
		if shared.err = exec(ctx, dsn, `CREATE DATABASE `+name); shared.err != nil {
			return
		}
		shared.dsn = withParams(dsn, map[string]string{"dbname": name})
		shared.admin, shared.err = pgxpool.New(ctx, shared.dsn)
		shared.drop = func() {
			if shared.admin != nil {
				shared.admin.Close()
			}
			_ = exec(context.Background(), dsn, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
		}
	})
	if shared.err != nil {
		t.Fatalf("create the shared test database: %v", shared.err)
	}
	return shared.dsn, shared.admin
}

// newSchema makes an empty schema in the shared database, dropped when t
// ends, and returns a DSN whose search_path is that schema alone.
func newSchema(t *testing.T, params ...string) (dsn, schema string) {
	t.Helper()
	base, admin := sharedDB(t)
	schema = "s_" + randHex(8)
	if _, err := admin.Exec(t.Context(), `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("CREATE SCHEMA: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("DROP SCHEMA %s: %v", schema, err)
		}
	})
	p := map[string]string{"search_path": schema}
	for i := 0; i+1 < len(params); i += 2 {
		p[params[i]] = params[i+1]
	}
	return withParams(base, p), schema
}

// newDatabase makes an empty database, dropped when t ends, and returns its
// DSN.
func newDatabase(t *testing.T) string {
	t.Helper()
	dsn := serverDSN(t)
	name := "gh_test_" + randHex(6)
	if err := exec(t.Context(), dsn, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("CREATE DATABASE: %v", err)
	}
	t.Cleanup(func() {
		if err := exec(context.Background(), dsn, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	return withParams(dsn, map[string]string{"dbname": name})
}

// exec runs one statement on a connection of its own.
func exec(ctx context.Context, dsn, sql string, args ...any) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql, args...)
	return err
}

// withParams sets connection parameters in a DSN (see pgtest.WithParams).
func withParams(dsn string, params map[string]string) string { return pgtest.WithParams(dsn, params) }

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// openStore opens a store on dsn and closes it when t ends. Close may be
// called again (the suite closes some stores itself).
func openStore(t *testing.T, dsn string, opt postgres.Options) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), dsn, opt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2025, time.March, 14, 15, 9, 26, 535_000_000, time.UTC)

func newUser(email string) *gatehouse.User {
	return &gatehouse.User{Email: email, PasswordHash: "$argon2id$v=19$x", Status: gatehouse.UserActive, CreatedAt: t0, UpdatedAt: t0}
}

func createUser(t *testing.T, s gatehouse.Store, email string) *gatehouse.User {
	t.Helper()
	u := newUser(email)
	if err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Users().CreateUser(t.Context(), u) }); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// wantUnavailable fails t unless err is EUNAVAILABLE with the fixed,
// client-safe message (no SQL, no driver text).
func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	if code := gatehouse.ErrorCode(err); code != gatehouse.EUNAVAILABLE {
		t.Errorf("%s: %v (code %q), want code %q", what, err, code, gatehouse.EUNAVAILABLE)
		return
	}
	if msg := gatehouse.ErrorMessage(err); msg != "The database is busy or unavailable; try again." {
		t.Errorf("%s: client message %q, want the fixed unavailable message", what, msg)
	}
}

// ---------------------------------------------------------------- suite

func TestStore(t *testing.T) {
	t.Parallel()
	serverDSN(t)
	storetest.Run(t, func(t *testing.T) gatehouse.Store {
		dsn, _ := newSchema(t)
		return openStore(t, dsn, postgres.Options{MaxConns: 4})
	})
}

// ---------------------------------------------------------------- open and migrate

func migrationFiles(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			files = append(files, e.Name())
		}
	}
	if len(files) == 0 {
		t.Fatal("no migrations found")
	}
	return files
}

// TestOpenMigrationsRace opens one new database from 8 goroutines at once,
// as 8 nodes starting together would: every Open succeeds and each
// migration is applied and recorded exactly once.
func TestOpenMigrationsRace(t *testing.T) {
	t.Parallel()
	serverDSN(t)
	files := migrationFiles(t)
	for round := range 3 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			t.Parallel()
			dsn := newDatabase(t)
			const n = 8
			stores := make([]*postgres.Store, n)
			errs := make([]error, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					stores[i], errs[i] = postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 2})
				})
			}
			close(start)
			wg.Wait()
			var opened []*postgres.Store
			for i, err := range errs {
				if err != nil {
					t.Errorf("Open #%d of %d racing on a new database: %v", i, n, err)
					continue
				}
				opened = append(opened, stores[i])
				t.Cleanup(func() { stores[i].Close() })
			}
			if len(opened) == 0 {
				t.FailNow()
			}

			conn, err := pgx.Connect(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.Background())
			rows, err := conn.Query(t.Context(), `SELECT name, COUNT(*) FROM migrations GROUP BY name ORDER BY name`)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for rows.Next() {
				var name string
				var count int
				if err := rows.Scan(&name, &count); err != nil {
					t.Fatal(err)
				}
				if count != 1 {
					t.Errorf("migration %s recorded %d times, want 1", name, count)
				}
				got = append(got, name)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, files) {
				t.Errorf("applied migrations = %v, want %v", got, files)
			}
			applied, err := opened[0].Migrate(t.Context())
			if err != nil || len(applied) != 0 {
				t.Errorf("Migrate after Open = %v, %v; want nothing to apply", applied, err)
			}
			for i, s := range opened {
				createUser(t, s, fmt.Sprintf("u%d@example.com", i))
			}
		})
	}
}

// TestOpenRefusesUnsafe: with synchronous_commit off a crash can lose an
// acknowledged write, so Open refuses unless told the server is throwaway.
func TestOpenRefusesUnsafe(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t, "synchronous_commit", "off")
	s, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 2})
	if err == nil {
		s.Close()
		t.Fatal("Open with synchronous_commit=off succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "synchronous_commit=off") {
		t.Errorf("Open error %q does not name the setting", err)
	}
	s = openStore(t, dsn, postgres.Options{MaxConns: 2, AllowUnsafe: true})
	createUser(t, s, "a@example.com")
}

// TestOpenUnreachable needs no server: Open against a port nobody listens
// on fails at once with EUNAVAILABLE and says what it could not reach.
func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	start := time.Now()
	s, err := postgres.Open(ctx, "postgres://gatehouse:secret-pw@"+addr+"/gatehouse?sslmode=disable&connect_timeout=2", postgres.Options{})
	elapsed := time.Since(start)
	if err == nil {
		s.Close()
		t.Fatal("Open against a closed port succeeded")
	}
	wantUnavailable(t, "Open(closed port)", err)
	if elapsed > 3*time.Second {
		t.Errorf("Open against a closed port took %v, want it to fail fast", elapsed)
	}
	if !strings.Contains(err.Error(), "connect") || !strings.Contains(err.Error(), addr) {
		t.Errorf("Open error %q does not say what it failed to reach", err)
	}
	if strings.Contains(err.Error(), "secret-pw") {
		t.Errorf("Open error shows the password: %q", err)
	}

	// A server that accepts the connection and never answers: the connect
	// timeout bounds Open.
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start = time.Now()
	s, err = postgres.Open(ctx, "postgres://gatehouse@"+ln.Addr().String()+"/gatehouse?sslmode=disable", postgres.Options{ConnectTimeout: 500 * time.Millisecond})
	elapsed = time.Since(start)
	if err == nil {
		s.Close()
		t.Fatal("Open against a silent server succeeded")
	}
	wantUnavailable(t, "Open(silent server)", err)
	if elapsed > 3*time.Second {
		t.Errorf("Open against a silent server took %v, want about the connect timeout", elapsed)
	}
}

// ---------------------------------------------------------------- faults

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
// within 2 seconds without reopening the store (SECURITY.md 25, 26).
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

// TestBusyWrite holds a row lock from another connection: a write to that
// row waits the lock timeout and then answers EUNAVAILABLE, while reads go
// on; once the lock is gone, writes resume. It has a database of its own:
// the writer lock is per database, and other tests' writes in the shared
// one would eat into the short lock timeout.
func TestBusyWrite(t *testing.T) {
	t.Parallel()
	dsn := newDatabase(t)
	const busy = 300 * time.Millisecond
	s := openStore(t, dsn, postgres.Options{MaxConns: 4, LockTimeout: busy})
	ctx := t.Context()
	u := createUser(t, s, "a@example.com")

	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	other, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(context.Background())
	if _, err := other.Exec(ctx, `SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, u.ID); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = s.Update(ctx, func(tx gatehouse.Tx) error {
		_, err := tx.Users().UpdateUser(ctx, u.ID, gatehouse.UserUpdate{Admin: new(true), UpdatedAt: t0})
		return err
	})
	elapsed := time.Since(start)
	wantUnavailable(t, "Update of a locked row", err)
	if elapsed < busy*3/4 || elapsed > busy+5*time.Second {
		t.Errorf("Update of a locked row failed after %v, want about %v", elapsed, busy)
	}
	if err := s.View(ctx, func(tx gatehouse.Tx) error {
		_, err := tx.Users().FindUserByID(ctx, u.ID)
		return err
	}); err != nil {
		t.Errorf("View while a row is locked: %v", err)
	}
	if err := other.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx gatehouse.Tx) error {
		_, err := tx.Users().UpdateUser(ctx, u.ID, gatehouse.UserUpdate{Admin: new(true), UpdatedAt: t0})
		return err
	}); err != nil {
		t.Errorf("Update after the lock is gone: %v", err)
	}
}

// TestCheckThenWriteAcrossNodes is why Update takes one writer at a time:
// two nodes (two stores on one database) each count a user's keys, pause,
// and add one if under a limit of one, as core's CreateKey does. Under
// plain READ COMMITTED both would see no key and both would add one; here
// the second runs after the first has committed, sees its key and stops.
func TestCheckThenWriteAcrossNodes(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t)
	nodes := []*postgres.Store{openStore(t, dsn, postgres.Options{MaxConns: 2}), openStore(t, dsn, postgres.Options{MaxConns: 2})}
	ctx := t.Context()
	u := createUser(t, nodes[0], "a@example.com")
	errLimit := gatehouse.Errorf(gatehouse.ECONFLICT, "limit")
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, s := range nodes {
		wg.Go(func() {
			errs[i] = s.Update(ctx, func(tx gatehouse.Tx) error {
				n, err := tx.Keys().CountKeysByUser(ctx, u.ID)
				if err != nil {
					return err
				}
				time.Sleep(100 * time.Millisecond)
				if n >= 1 {
					return errLimit
				}
				k := &gatehouse.APIKey{UserID: u.ID, Name: fmt.Sprint("k", i), Hint: "h", CreatedAt: t0}
				k.Hash[0] = byte(i + 1)
				return tx.Keys().CreateKey(ctx, k)
			})
		})
	}
	wg.Wait()
	var n int
	if err := nodes[0].View(ctx, func(tx gatehouse.Tx) error {
		var err error
		n, err = tx.Keys().CountKeysByUser(ctx, u.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d keys after two nodes raced check-then-insert (errors %v, %v), want 1", n, errs[0], errs[1])
	}
	if !(errs[0] == nil && errs[1] == errLimit || errs[0] == errLimit && errs[1] == nil) {
		t.Errorf("Update errors = %v, %v; want one nil and one the limit error", errs[0], errs[1])
	}
}

// TestFnErrorIsReturned: an error from fn comes back as it was (errors.Is
// works) and does not poison the connection for the next transaction, also
// when it left the PostgreSQL transaction aborted.
func TestFnErrorIsReturned(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t)
	s := openStore(t, dsn, postgres.Options{MaxConns: 1})
	ctx := t.Context()
	createUser(t, s, "a@example.com")
	errMine := errors.New("mine")
	err := s.Update(ctx, func(tx gatehouse.Tx) error {
		err := tx.Users().CreateUser(ctx, newUser("A@example.com"))
		if gatehouse.ErrorCode(err) != gatehouse.ECONFLICT {
			t.Errorf("CreateUser(taken): %v, want ECONFLICT", err)
		}
		return fmt.Errorf("wrapped: %w", errMine)
	})
	if !errors.Is(err, errMine) {
		t.Errorf("Update = %v, want fn's error", err)
	}
	// The conflict aborted the server-side transaction; if fn swallows it
	// and returns nil, Commit turns into a rollback and Update must not
	// report success.
	err = s.Update(ctx, func(tx gatehouse.Tx) error {
		_ = tx.Users().CreateUser(ctx, newUser("A@example.com"))
		return nil
	})
	if err == nil {
		t.Errorf("Update whose transaction the server aborted returned nil")
	}
	createUser(t, s, "b@example.com")
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
