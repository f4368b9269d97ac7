package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/apierror"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The tests need a PostgreSQL server they may create databases on, named by
// GATEHOUSE_TEST_POSTGRES (GATEHOUSE_TEST_POSTGRES_DSN, the name the style guide
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
	if msg := apierror.Text(err); msg != "The database is busy or unavailable; try again." {
		t.Errorf("%s: client message %q, want the fixed unavailable message", what, msg)
	}
}

func TestStore(t *testing.T) {
	t.Parallel()
	serverDSN(t)
	storetest.Run(t, func(t *testing.T) gatehouse.Store {
		dsn, _ := newSchema(t)
		return openStore(t, dsn, postgres.Options{MaxConns: 4})
	})
}
