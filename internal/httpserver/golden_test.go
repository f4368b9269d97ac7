package httpserver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
)

// Golden files: testdata/<surface>/<case>.golden.json holds the exact answer
// of one request (status, the headers a client sees, the body bytes) with
// the values that differ on every run replaced by placeholders (see
// normalise). They pin the wire bytes of every route of every surface, its
// success shapes and its error shapes: a change to any of them fails here
// until the golden file is rewritten on purpose with
//
//	go test ./internal/httpserver/ -run Golden -update
//
// and the diff reviewed. The cases are in golden_<surface>_test.go, named
// <route>.<method>.<status>[-<what>] (the status is checked); each runs on
// a fresh database, so ids and names are the same on every run and on both
// backends (GATEHOUSE_TEST_STORE=postgres must pass on the same files).
//
// Once every case ran, TestGolden also fails when a route pattern of
// routes.go answered no case, and when a golden file has no case.

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ with the answers of this run")

// goldenSurfaces are the directories under testdata, one per surface.
var goldenSurfaces = []string{"asksage", "gate", "root", "sumtyme", "sunshine"}

// goldenCase is one request whose answer is pinned in
// testdata/<surface>/<name>.golden.json.
type goldenCase struct {
	surface, name string
	// env makes the server the case runs on (nil: newGoldenEnv()).
	env func(t *testing.T) *goldenEnv
	// req prepares what the request needs (users, keys, apps, ...) and
	// returns it.
	req func(t *testing.T, g *goldenEnv) goldenReq
	// notBuilt, when set, says why this build cannot answer the case (a
	// surface left out by a build tag): it is skipped, and its file kept.
	notBuilt string
}

// goldenReq is the request of a golden case.
type goldenReq struct {
	method, path string
	headers      []string
	body         []byte
}

// goldenEnv is the server a golden case runs on: a fresh database, the
// model-server stand-in and a clock the case may move.
type goldenEnv struct {
	*env
	up  *upstream
	clk *testClock
}

// newGoldenEnv returns an env maker: a fresh server with the model-server
// stand-in (its answers wait at most modelTimeout) and a test clock; opts
// adjust the core options after those.
func newGoldenEnv(opts ...func(*core.Options)) func(t *testing.T) *goldenEnv {
	return goldenEnvWith(10*time.Second, opts...)
}

func goldenEnvWith(modelTimeout time.Duration, opts ...func(*core.Options)) func(t *testing.T) *goldenEnv {
	return func(t *testing.T) *goldenEnv {
		t.Helper()
		up := newUpstream(t)
		clk := newTestClock()
		all := append([]func(*core.Options){withModels(up.client(modelTimeout)), clk.option()}, opts...)
		return &goldenEnv{env: newEnv(t, all...), up: up, clk: clk}
	}
}

// Request builders for golden cases.

func gReq(method, path string, headers []string, body string) goldenReq {
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	return goldenReq{method: method, path: path, headers: headers, body: b}
}

func gPost(path string, headers []string, body string) goldenReq {
	return gReq(http.MethodPost, path, headers, body)
}

func gGet(path string, headers []string) goldenReq {
	return gReq(http.MethodGet, path, headers, "")
}

// goldenRecord is what a golden file holds.
type goldenRecord struct {
	method, path string
	reqBody      []byte
	status       int
	header       http.Header
	body         []byte
}

// ignoredHeaders differ on every run or follow from the body's length.
var ignoredHeaders = []string{"Date", "Content-Length", "X-Request-Id"}

// render writes rec as the golden file's text (before normalisation): JSON,
// with the body as the server sent it, byte for byte, under "body" when it
// is JSON, and as a string under "bodyText" otherwise.
func (rec goldenRecord) render() string {
	var b strings.Builder
	str := func(s string) string {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		return strings.TrimSuffix(buf.String(), "\n")
	}
	b.WriteString("{\n")
	fmt.Fprintf(&b, "  \"request\": %s,\n", str(rec.method+" "+rec.path))
	if len(rec.reqBody) > 0 {
		rb := string(rec.reqBody)
		if len(rb) > 300 {
			rb = fmt.Sprintf("(%d bytes) %s…", len(rb), rb[:120])
		}
		fmt.Fprintf(&b, "  \"requestBody\": %s,\n", str(strings.ToValidUTF8(rb, "\uFFFD")))
	}
	fmt.Fprintf(&b, "  \"status\": %d,\n", rec.status)
	var names []string
	for k := range rec.header {
		if !slices.Contains(ignoredHeaders, k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	b.WriteString("  \"headers\": {")
	for i, k := range names {
		if i > 0 {
			b.WriteString(",")
		}
		vs := rec.header[k]
		v := str(strings.Join(vs, ""))
		if len(vs) > 1 {
			q := make([]string, len(vs))
			for j, s := range vs {
				q[j] = str(s)
			}
			v = "[" + strings.Join(q, ", ") + "]"
		}
		fmt.Fprintf(&b, "\n    %s: %s", str(k), v)
	}
	if len(names) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("},\n")
	if len(rec.body) > 0 && json.Valid(rec.body) {
		fmt.Fprintf(&b, "  \"body\": %s\n", rec.body)
	} else {
		fmt.Fprintf(&b, "  \"bodyText\": %s\n", str(strings.ToValidUTF8(string(rec.body), "\uFFFD")))
	}
	b.WriteString("}\n")
	return b.String()
}

// placeholder is one kind of value that differs from run to run.
type placeholder struct {
	name string
	re   *regexp.Regexp
	// numbered: each distinct value gets its own number, by first
	// appearance in the file (<api-key-1>, <api-key-2>), so a file still
	// shows which values are the same; otherwise every value is <name>.
	numbered bool
	// sub: the placeholder replaces submatch 1 only, the rest of the
	// match stays.
	sub bool
}

// placeholders are replaced in this order, each over the whole file.
var placeholders = []placeholder{
	// Key secrets first: random, they may hold anything below.
	{name: "secret", re: regexp.MustCompile(`"secret":"([^"]*)"`), numbered: true, sub: true},
	{name: "access-token", re: regexp.MustCompile(`gat_[A-Za-z0-9_-]{49}`), numbered: true},
	{name: "api-key", re: regexp.MustCompile(`stai-[A-Za-z0-9_-]{38}`), numbered: true},
	{name: "key-hint", re: regexp.MustCompile(`stai-…[A-Za-z0-9_-]{4}`), numbered: true},
	{name: "app-key-id", re: regexp.MustCompile(`app_[0-9a-f]{24}`), numbered: true},
	{name: "account-key-id", re: regexp.MustCompile(`act_[0-9a-f]{24}`), numbered: true},
	{name: "app-id", re: regexp.MustCompile(`\b[0-9a-f]{24}\b`), numbered: true},
	{name: "uuid", re: regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), numbered: true},
	// newEmail's addresses; fixed addresses of a case stay as they are.
	{name: "email", re: regexp.MustCompile(`\buser[0-9]+@example\.com\b`), numbered: true},
	// Times are whatever second the run happened in.
	{name: "time", re: regexp.MustCompile(`[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT`)},
	// The test server's address (in Sunshine's page links).
	{name: "server", re: regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)},
}

// normalise replaces every value that differs from run to run in the
// golden text s with its placeholder.
func normalise(s string) string {
	for _, p := range placeholders {
		seen := map[string]string{}
		placeholderOf := func(v string) string {
			if !p.numbered {
				return "<" + p.name + ">"
			}
			if ph, ok := seen[v]; ok {
				return ph
			}
			ph := fmt.Sprintf("<%s-%d>", p.name, len(seen)+1)
			seen[v] = ph
			return ph
		}
		if !p.sub {
			s = p.re.ReplaceAllStringFunc(s, placeholderOf)
			continue
		}
		var b strings.Builder
		last := 0
		for _, m := range p.re.FindAllStringSubmatchIndex(s, -1) {
			b.WriteString(s[last:m[2]])
			b.WriteString(placeholderOf(s[m[2]:m[3]]))
			last = m[3]
		}
		b.WriteString(s[last:])
		s = b.String()
	}
	return s
}

// goldenPath is the file of case c.
func goldenPath(c goldenCase) string {
	return filepath.Join("testdata", c.surface, c.name+".golden.json")
}

var (
	goldenNameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*\.[a-z]+\.[0-9]{3}(-[a-z0-9-]+)?$`)
	goldenStatusRE = regexp.MustCompile(`\.([0-9]{3})(-|$)`)
)

// allGoldenCases are the cases of every surface.
func allGoldenCases() []goldenCase {
	var all []goldenCase
	for _, cs := range [][]goldenCase{rootGoldenCases(), sumtymeGoldenCases(), askSageGoldenCases(), sunshineGoldenCases(), gateGoldenCases()} {
		all = append(all, cs...)
	}
	return all
}

// TestGolden sends each golden case's request to a fresh server and
// compares the answer with its golden file (rewriting it with -update).
// When every case ran, it also checks that every route pattern of
// routes.go answered at least one case, and that no golden file is left
// without a case.
func TestGolden(t *testing.T) {
	t.Parallel()
	cases := allGoldenCases()
	names := map[string]bool{}
	for _, c := range cases {
		p := goldenPath(c)
		if names[p] || !goldenNameRE.MatchString(c.name) || !slices.Contains(goldenSurfaces, c.surface) {
			t.Fatalf("golden case %s/%s: duplicate or malformed name", c.surface, c.name)
		}
		names[p] = true
	}

	var mu sync.Mutex
	served := map[string][]string{} // route pattern → the cases it answered
	ran := 0
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.surface+"/"+c.name, func(t *testing.T) {
				if c.notBuilt != "" {
					mu.Lock()
					ran++
					mu.Unlock()
					t.Skip(c.notBuilt)
				}
				t.Parallel()
				route := runGolden(t, c)
				mu.Lock()
				served[route] = append(served[route], c.name)
				ran++
				mu.Unlock()
			})
		}
	})
	if ran != len(cases) {
		return // a -run filter chose some cases only
	}

	t.Run("every route has a case", func(t *testing.T) {
		for _, p := range registeredPatterns(t) {
			if len(served[p]) == 0 {
				t.Errorf("route %q of routes.go answered no golden case: add one (golden_<surface>_test.go)", p)
			}
		}
	})
	t.Run("no file without a case", func(t *testing.T) {
		filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".golden.json") {
				return err
			}
			if dir := filepath.Base(filepath.Dir(p)); !slices.Contains(goldenSurfaces, dir) {
				return nil
			}
			if !names[p] {
				if *update {
					return os.Remove(p)
				}
				t.Errorf("%s has no golden case (run with -update to remove it)", p)
			}
			return nil
		})
	})
}

// runGolden runs case c and returns the route pattern that answered it
// (from the access log).
func runGolden(t *testing.T, c goldenCase) string {
	mk := c.env
	if mk == nil {
		mk = newGoldenEnv()
	}
	g := mk(t)
	rq := c.req(t, g)
	if t.Failed() {
		t.FailNow()
	}
	r := g.do(t, rq.method, rq.path, rq.headers, rq.body)
	g.flushLog(t)
	route := routeOf(t, r.header.Get("X-Request-Id"))
	// The name says the status (slug.method.status-what): a case that
	// does not get it tests something else than it says.
	if want := goldenStatusRE.FindStringSubmatch(c.name); want == nil || want[1] != strconv.Itoa(r.status) {
		t.Errorf("%s answered %d, not the status its name gives: %s", c.name, r.status, r)
	}
	got := normalise(goldenRecord{method: rq.method, path: rq.path, reqBody: rq.body, status: r.status, header: r.header, body: r.body}.render())

	path := goldenPath(c)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return route
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s: the answer differs from the golden file (run with -update to rewrite it, and review the diff):\n%s", path, lineDiff(string(want), got))
	}
	return route
}

// routeOf finds the access-log line of request id and returns its route:
// the pattern that served it, or the path when none did (a refused path).
// The line is handed to the access log before the answer ends, so it is
// there once the client has read the body and the log is flushed.
func routeOf(t *testing.T, id string) string {
	t.Helper()
	if id == "" {
		t.Fatalf("answer without X-Request-Id")
	}
	sc := bufio.NewScanner(strings.NewReader(logSink.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.Contains(line, []byte(id)) {
			continue
		}
		var l struct {
			Msg, RequestID, Route string
		}
		if json.Unmarshal(line, &l) == nil && l.Msg == "request" && l.RequestID == id {
			return l.Route
		}
	}
	t.Fatalf("no access-log line for request %s", id)
	return ""
}

// lineDiff shows the lines of want and got that differ, with their numbers.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// registeredPatterns reads the route patterns addRoutes registers, from
// routes.go's source: every mux.Handle(pattern, ...) whose pattern is a
// string literal, and those built in a loop over a map literal (the
// authed table: key path, value {methods, handler}), expanded. Any other
// form fails the test, so a new way of registering routes cannot slip
// past the coverage check: teach this function to read it.
func registeredPatterns(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "routes.go", nil, 0)
	if err != nil {
		t.Fatalf("parse routes.go: %v", err)
	}
	maps := map[string]*ast.CompositeLit{} // name := map[...]...{...}
	var out []string
	lit := func(e ast.Expr) (string, bool) {
		if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
			s, err := strconv.Unquote(b.Value)
			return s, err == nil
		}
		return "", false
	}
	// eval evaluates a pattern expression under bindings (identifier →
	// value).
	var eval func(e ast.Expr, env map[string]string) (string, bool)
	eval = func(e ast.Expr, env map[string]string) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			return lit(e)
		case *ast.Ident:
			v, ok := env[e.Name]
			return v, ok
		case *ast.BinaryExpr:
			if e.Op != token.ADD {
				return "", false
			}
			a, ok1 := eval(e.X, env)
			b, ok2 := eval(e.Y, env)
			return a + b, ok1 && ok2
		}
		return "", false
	}
	isHandle := func(n ast.Node) (*ast.CallExpr, bool) {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return nil, false
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Handle" {
			return nil, false
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "mux" || len(call.Args) != 2 {
			return nil, false
		}
		return call, true
	}
	// stringsIn is every string literal of the first []string literal in e.
	stringsIn := func(e ast.Expr) []string {
		var vs []string
		ast.Inspect(e, func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok || vs != nil {
				return vs == nil
			}
			if at, ok := cl.Type.(*ast.ArrayType); ok {
				if id, ok := at.Elt.(*ast.Ident); ok && id.Name == "string" {
					vs = []string{}
					for _, el := range cl.Elts {
						if s, ok := lit(el); ok {
							vs = append(vs, s)
						}
					}
					return false
				}
			}
			return true
		})
		return vs
	}
	found := false
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != "addRoutes" {
			continue
		}
		found = true
		inLoop := map[ast.Node]bool{}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				if len(n.Lhs) == 1 && len(n.Rhs) == 1 {
					if id, ok := n.Lhs[0].(*ast.Ident); ok {
						if cl, ok := n.Rhs[0].(*ast.CompositeLit); ok {
							if _, ok := cl.Type.(*ast.MapType); ok {
								maps[id.Name] = cl
							}
						}
					}
				}
			case *ast.RangeStmt:
				x, _ := n.X.(*ast.Ident)
				key, _ := n.Key.(*ast.Ident)
				if x == nil || key == nil || maps[x.Name] == nil {
					return true
				}
				m := maps[x.Name]
				// for key, val := range <map literal>: each entry binds key to
				// its key, and an inner loop over val's methods binds its
				// variable to each.
				for _, el := range m.Elts {
					kv := el.(*ast.KeyValueExpr)
					k, ok := lit(kv.Key)
					if !ok {
						t.Fatalf("routes.go: map key %s is not a string literal", fset.Position(kv.Pos()))
					}
					methods := stringsIn(kv.Value)
					ast.Inspect(n.Body, func(n2 ast.Node) bool {
						if inner, ok := n2.(*ast.RangeStmt); ok {
							v, _ := inner.Value.(*ast.Ident)
							ast.Inspect(inner.Body, func(n3 ast.Node) bool {
								if call, ok := isHandle(n3); ok {
									inLoop[call] = true
									for _, meth := range methods {
										p, ok := eval(call.Args[0], map[string]string{key.Name: k, v.Name: meth})
										if !ok {
											t.Fatalf("routes.go %s: cannot read the pattern", fset.Position(call.Pos()))
										}
										out = append(out, p)
									}
								}
								return true
							})
							return false
						}
						if call, ok := isHandle(n2); ok {
							inLoop[call] = true
							p, ok := eval(call.Args[0], map[string]string{key.Name: k})
							if !ok {
								t.Fatalf("routes.go %s: cannot read the pattern", fset.Position(call.Pos()))
							}
							out = append(out, p)
						}
						return true
					})
				}
				return false
			case *ast.CallExpr:
				if call, ok := isHandle(n); ok && !inLoop[call] {
					p, ok := lit(call.Args[0])
					if !ok {
						t.Fatalf("routes.go %s: mux.Handle with a pattern that is not a string literal: teach registeredPatterns to read it", fset.Position(call.Pos()))
					}
					out = append(out, p)
				}
			}
			return true
		})
	}
	if !found || len(out) == 0 {
		t.Fatalf("routes.go: no addRoutes, or it registers no route")
	}
	slices.Sort(out)
	return slices.Compact(out)
}
