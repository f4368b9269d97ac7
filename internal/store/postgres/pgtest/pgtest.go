// Package pgtest gives tests a PostgreSQL store of their own on the server
// named by GATEHOUSE_TEST_POSTGRES (or GATEHOUSE_TEST_POSTGRES_DSN), and
// skips them with a clear message when it is unset (fails them instead
// under GATEHOUSE_TEST_REQUIRE=1). .ci/run starts a throwaway cluster, sets
// it and sets GATEHOUSE_TEST_REQUIRE=1, so in CI these tests always run.
//
// SchemaDSN gives each test an empty schema of its own (milliseconds to
// make) in one shared database, gatehouse_pgtest, dropped schema by schema
// when each test ends; NewDatabase makes a whole database (a few hundred
// milliseconds) for tests that need one, e.g. several processes.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SkipMessage is what a test says when no server is configured.
const SkipMessage = "set GATEHOUSE_TEST_POSTGRES=postgres://... to run the PostgreSQL tests; .ci/run does"

// ServerDSN returns the test server's DSN, or skips t; with
// GATEHOUSE_TEST_REQUIRE=1 (which .ci/run sets) it fails t instead, so a
// CI run that lost the server cannot pass by skipping.
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("GATEHOUSE_TEST_POSTGRES")
	if dsn == "" {
		dsn = os.Getenv("GATEHOUSE_TEST_POSTGRES_DSN")
	}
	if dsn == "" {
		if Required() {
			t.Fatal("GATEHOUSE_TEST_REQUIRE=1 but GATEHOUSE_TEST_POSTGRES is unset: " + SkipMessage)
		}
		t.Skip(SkipMessage)
	}
	return dsn
}

// Required reports whether GATEHOUSE_TEST_REQUIRE=1 asks that no test skip
// for want of a PostgreSQL server.
func Required() bool { return os.Getenv("GATEHOUSE_TEST_REQUIRE") == "1" }

// Configured reports whether a test server is configured.
func Configured() bool {
	return os.Getenv("GATEHOUSE_TEST_POSTGRES") != "" || os.Getenv("GATEHOUSE_TEST_POSTGRES_DSN") != ""
}

// NewDatabase makes an empty database, dropped when t ends, and returns its
// DSN.
func NewDatabase(t testing.TB) string {
	t.Helper()
	dsn := ServerDSN(t)
	name := "gh_test_" + randHex(6)
	if err := exec(context.Background(), dsn, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("pgtest: CREATE DATABASE: %v", err)
	}
	t.Cleanup(func() {
		if err := exec(context.Background(), dsn, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: DROP DATABASE %s: %v", name, err)
		}
	})
	return WithParams(dsn, map[string]string{"dbname": name})
}

const sharedName = "gatehouse_pgtest"

var shared struct {
	once sync.Once
	err  error
}

// SchemaDSN makes an empty schema in the shared database, dropped when t
// ends, and returns a DSN whose search_path is that schema alone.
func SchemaDSN(t testing.TB) string {
	t.Helper()
	dsn := ServerDSN(t)
	shared.once.Do(func() {
		// Several test binaries (go test runs packages in parallel) may
		// race to make it: the loser gets duplicate_database, or, when the
		// two CREATEs overlap, a unique violation on pg_database; either
		// way the database is there.
		err := exec(context.Background(), dsn, `CREATE DATABASE `+sharedName)
		if pe, ok := errors.AsType[*pgconn.PgError](err); ok && (pe.Code == "42P04" || pe.Code == "23505") { // duplicate_database, unique_violation
			err = nil
		}
		shared.err = err
	})
	if shared.err != nil {
		t.Fatalf("pgtest: CREATE DATABASE %s: %v", sharedName, shared.err)
	}
	base := WithParams(dsn, map[string]string{"dbname": sharedName})
	schema := "s_" + randHex(8)
	if err := exec(context.Background(), base, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("pgtest: CREATE SCHEMA: %v", err)
	}
	t.Cleanup(func() {
		if err := exec(context.Background(), base, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("pgtest: DROP SCHEMA %s: %v", schema, err)
		}
	})
	return WithParams(base, map[string]string{"search_path": schema})
}

func exec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// WithParams sets connection parameters in a postgres:// URL or a key=value
// DSN. "dbname" and "hostport" (host:port) are the address; anything else
// is a run-time parameter or connection setting.
func WithParams(dsn string, params map[string]string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			panic(err)
		}
		q := u.Query()
		for k, v := range params {
			switch k {
			case "dbname":
				u.Path = "/" + v
			case "hostport":
				u.Host = v
			default:
				q.Set(k, v)
			}
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	for k, v := range params {
		if k == "hostport" {
			host, port, _ := net.SplitHostPort(v)
			dsn += " host=" + host + " port=" + port
			continue
		}
		dsn += " " + k + "=" + v
	}
	return dsn
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
