// Command oneselect is the benchmark's reference for the database reads: a
// plain net/http server that answers every request, whatever its method,
// path, headers or body, with the rows of one indexed SQLite SELECT, as
// JSON. It is the research baseline issue 10 sets gatehouse's read targets
// against ("a server doing only one indexed SQLite SELECT per request"), so
// gatebench runs it in the same run as the bare handler and gatehouse, on
// gatehouse's own database file and with the query gatehouse's store runs
// for the scenario. gatehouse over it is what gatehouse adds around its
// query: the credential check, the dialect's envelope, the access log.
//
// It is the strongest such server we know how to write with the parts
// gatehouse uses (database/sql and modernc.org/sqlite): the same pragmas
// and pool size as gatehouse's reader pool, a prepared statement, and a
// query context without cancellation (database/sql watches a cancellable
// one from a goroutine per query).
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"

	_ "modernc.org/sqlite"

	"github.com/gatehouse/gatehouse/bench/gatebench/benchserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8082", "listen address")
	db := flag.String("db", "", "the SQLite database file, opened read-only (query_only)")
	query := flag.String("query", "", "the SELECT to run for every request")
	args := flag.String("args", "", "its arguments, comma-separated, each `i:INTEGER` or `s:TEXT`")
	flag.Parse()
	if *db == "" || *query == "" {
		log.Fatal("oneselect: -db and -query are required")
	}
	qargs, err := parseArgs(*args)
	if err != nil {
		log.Fatal(err)
	}
	// gatehouse's reader pool (internal/store/sqlite): the same pragmas,
	// and 2×GOMAXPROCS connections, at least 4.
	dsn := "file:" + url.PathEscape(*db) + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=query_only(1)"
	pool, err := sql.Open("sqlite", dsn)
	if err != nil {
		log.Fatal(err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxLifetime(0)
	pool.SetConnMaxIdleTime(0)
	stmt, err := pool.Prepare(*query)
	if err != nil {
		log.Fatal(err)
	}
	cols, err := columns(stmt, qargs)
	if err != nil {
		log.Fatal(err)
	}
	// columns failed above if the query finds no row, so a reference that
	// says it listens reads something.
	log.Fatal(benchserver.Serve(*addr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		out, err := selectRows(stmt, cols, qargs)
		if err != nil {
			http.Error(w, `{"error":"query"}`, http.StatusInternalServerError)
			return
		}
		w.Header()["Content-Type"] = []string{"application/json"}
		w.Write(out)
	}), fmt.Sprintf(" (%d columns)", len(cols))))
}

// parseArgs reads -args. The arguments are typed as the store binds them:
// an integer column compared with a text argument would cost SQLite a
// conversion that gatehouse's queries never pay.
func parseArgs(s string) ([]any, error) {
	var out []any
	if s == "" {
		return out, nil
	}
	for _, a := range strings.Split(s, ",") {
		switch kind, v, _ := strings.Cut(a, ":"); kind {
		case "i":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("oneselect: -args %q: %w", a, err)
			}
			out = append(out, n)
		case "s":
			out = append(out, v)
		default:
			return nil, fmt.Errorf("oneselect: -args %q: want i:INTEGER or s:TEXT", a)
		}
	}
	return out, nil
}

// columns runs the query once and returns its column names; it fails when
// the query returns no row, since a reference that reads nothing measures
// nothing.
func columns(stmt *sql.Stmt, args []any) ([]string, error) {
	rows, err := stmt.Query(args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("oneselect: the query returns no row")
	}
	return cols, nil
}

// selectRows runs the query and returns its rows as JSON: an array with one
// array of column values per row. Arrays rather than objects keyed by
// column name, since a map per row would cost more than the struct a real
// handler would encode, and the reference should not be slow.
func selectRows(stmt *sql.Stmt, cols []string, args []any) ([]byte, error) {
	rows, err := stmt.QueryContext(context.Background(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out [][]any
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, append([]any(nil), vals...))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return json.Marshal(out)
}
