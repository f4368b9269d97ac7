package postgres_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/jackc/pgx/v5"
)

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

// TestOpenReadWriteTarget: a DSN that asks for a writable server
// (target_session_attrs=read-write, as a multi-host failover DSN does) opens
// and writes. The pool's sessions are read-only by default for Read, which
// must not make the server look read-only to that check; Migrate's
// connection goes back to the pool read-only all the same.
func TestOpenReadWriteTarget(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t, "target_session_attrs", "read-write")
	s := openStore(t, dsn, postgres.Options{MaxConns: 1})
	createUser(t, s, "a@example.com")
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	// One connection: the one Migrate used. A write outside Update fails.
	if err := s.Read(t.Context(), func(tx gatehouse.Tx) error {
		return tx.Users().CreateUser(t.Context(), newUser("ro@example.com"))
	}); err == nil {
		t.Error("a write in Read after Migrate succeeded: the connection came back read-write")
	}
}
