package httpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/gatehouse/gatehouse/internal/openapi"
)

// TestOpenAPI holds internal/openapi's document (GET /openapi.json) to
// what the server answers, so that the two cannot drift apart:
//
//   - the document loads and is valid OpenAPI 3.1 (kin-openapi validates
//     3.1 documents, and their schemas as JSON Schema 2020-12);
//   - every route pattern of routes.go is an operation of the document, and
//     every operation of the document a route;
//   - every recorded golden answer (testdata/*/*.golden.json) is valid for
//     its operation: its status is listed, its headers and body match that
//     status's schemas. A golden answer to a path or method the document
//     does not list (a 404 or 405) must match its surface's 404 or 405
//     response under components. Golden files record no request headers, so
//     their requests are not checked (except the bodies of 2xx cases);
//   - a live journey over every surface, each request and each answer
//     checked, the credentials a request carries against the operation's
//     security schemes included.
//
// A schema that rejects a real answer is a bug in the schema.
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	c := loadContract(t)

	t.Run("every route is documented", func(t *testing.T) { c.checkRoutes(t, registeredPatterns(t)) })
	t.Run("golden answers", func(t *testing.T) { c.checkGoldens(t) })
	t.Run("live journey", func(t *testing.T) { c.checkJourney(t) })
}

// contract is the loaded document, with a router over its paths.
type contract struct {
	doc   *openapi3.T
	paths []contractPath
}

// contractPath is one path of the document, split into segments.
type contractPath struct {
	template string
	segs     []string
	item     *openapi3.PathItem
}

func loadContract(t *testing.T) *contract {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.JSON())
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi.json declares OpenAPI %q, want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3.1 document: %v", err)
	}
	c := &contract{doc: doc}
	for tmpl, item := range doc.Paths.Map() {
		c.paths = append(c.paths, contractPath{template: tmpl, segs: strings.Split(strings.TrimPrefix(tmpl, "/"), "/"), item: item})
	}
	return c
}

// restParam is the one path parameter that stands for the rest of the
// path, slashes included: the gate serves every path under /auth/verify/
// (Envoy appends the original path), which an OpenAPI path template cannot
// say.
const restParam = "/auth/verify/{path}"

// match finds the operation of a request to rawPath (as sent: escaped,
// with its query). A parameter matches one segment that escapes nothing
// and is not "." or "..", so the paths the server refuses (a percent-encoded
// "/", a dot segment) match no template, as they match no route. found
// tells whether the path matched a template at all; route is nil when the
// path's template has no operation for method.
func (c *contract) match(method, rawPath string) (route *routers.Route, params map[string]string, found bool) {
	p, _, _ := strings.Cut(rawPath, "?")
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	param := func(s string) bool { return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "%\\") }
	for _, cp := range c.paths {
		got := map[string]string{}
		ok := len(segs) == len(cp.segs) || cp.template == restParam && len(segs) > len(cp.segs)
		for i := 0; ok && i < len(cp.segs); i++ {
			s := cp.segs[i]
			switch {
			case strings.HasPrefix(s, "{"):
				v := segs[i]
				if cp.template == restParam && i == len(cp.segs)-1 {
					v = strings.Join(segs[i:], "/")
					ok = !slices.ContainsFunc(segs[i:], func(s string) bool { return !param(s) })
				} else {
					ok = param(v)
				}
				got[strings.Trim(s, "{}")] = v
			default:
				ok = s == segs[i]
			}
		}
		if !ok {
			continue
		}
		op := cp.item.GetOperation(method)
		if op == nil && method == http.MethodHead {
			op = cp.item.GetOperation(http.MethodGet) // net/http serves HEAD on a GET route
		}
		if op == nil {
			return nil, nil, true
		}
		return &routers.Route{Spec: c.doc, Path: cp.template, PathItem: cp.item, Method: method, Operation: op}, got, true
	}
	return nil, nil, false
}

// exchange is one request and its answer, to be checked.
type exchange struct {
	method, path string // path as sent, with the query
	reqHeader    http.Header
	reqBody      []byte
	// checkRequest: the request is meant to keep the contract, and is
	// checked too (security included, with auth). Requests that break it on
	// purpose (no credential, a bad body) and golden requests, whose
	// headers are not recorded, are not.
	checkRequest bool
	auth         openapi3filter.AuthenticationFunc
	status       int
	header       http.Header
	body         []byte
}

// surfaceErrors names each surface's responses under components, by the
// path's first segment: what an unknown path or method there answers.
func surfaceErrors(path string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	seg, _, _ = strings.Cut(seg, "?")
	switch seg {
	case "user", "server":
		return "AskSage"
	case "v2":
		return "Sunshine"
	case "signup":
		return "Sumtyme"
	case "auth":
		return "Gate"
	}
	return "Root"
}

// check validates x against the document and returns what went wrong.
func (c *contract) check(ctx context.Context, x exchange) error {
	route, params, found := c.match(x.method, x.path)
	checkRequest := x.checkRequest
	if route == nil {
		checkRequest = false // nothing to check it against
		// Not an operation: an unknown path (404) or a method the path does
		// not serve (405), in the envelope of the surface the path names.
		name := surfaceErrors(x.path) + strconv.Itoa(x.status)
		ref := c.doc.Components.Responses[name]
		if ref == nil || (x.status != http.StatusNotFound && x.status != http.StatusMethodNotAllowed) || (x.status == http.StatusMethodNotAllowed && !found) {
			return fmt.Errorf("no operation %s %s in the document, and its answer %d is not the %s response of an unknown path or method", x.method, x.path, x.status, name)
		}
		op := openapi3.NewOperation()
		op.Responses = openapi3.NewResponses(openapi3.WithStatus(x.status, ref))
		route = &routers.Route{Spec: c.doc, Path: x.path, Method: x.method, Operation: op}
	}
	req, err := http.NewRequestWithContext(ctx, x.method, "http://gatehouse.test"+x.path, bytes.NewReader(x.reqBody))
	if err != nil {
		return err
	}
	req.Header = x.reqHeader.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	auth := x.auth
	if auth == nil {
		auth = openapi3filter.NoopAuthenticationFunc
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: auth, MultiError: true}}
	if checkRequest {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			return fmt.Errorf("request %s %s against %s: %w", x.method, x.path, route.Path, err)
		}
	}
	resp := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: x.status, Header: x.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	resp.SetBodyBytes(x.body)
	if err := openapi3filter.ValidateResponse(ctx, resp); err != nil {
		return fmt.Errorf("answer %d to %s %s against %s: %w", x.status, x.method, x.path, route.Path, err)
	}
	// ValidateResponse skips HEAD, and a status without content: such an
	// answer has no body.
	if rr := route.Operation.Responses.Status(x.status); x.method == http.MethodHead || rr != nil && len(rr.Value.Content) == 0 {
		if len(x.body) > 0 {
			return fmt.Errorf("answer %d to %s %s: the document gives it no body, it has %d bytes", x.status, x.method, x.path, len(x.body))
		}
	}
	return nil
}

// credentialPresent is the live journey's AuthenticationFunc: a security
// scheme is met when the request carries its credential (whether the
// credential is good is the server's to say, and the status shows it).
func credentialPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header
	switch s := in.SecurityScheme; s.Type {
	case "apiKey":
		if s.In != "header" || strings.TrimSpace(h.Get(s.Name)) == "" {
			return in.NewError(fmt.Errorf("no %s header", s.Name))
		}
	case "http":
		scheme, cred, _ := strings.Cut(h.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, s.Scheme) || strings.TrimSpace(cred) == "" {
			return in.NewError(fmt.Errorf("no Authorization: %s", s.Scheme))
		}
	default:
		return in.NewError(fmt.Errorf("security scheme type %q", s.Type))
	}
	return nil
}

// catchAllPatterns are the patterns of routes.go that are not routes: the
// 404 of each surface's unknown paths (the same answer as a path no
// pattern names). Every other pattern must be in the document.
var catchAllPatterns = []string{"/", "/signup/", "/user", "/user/", "/server", "/server/", "/v2", "/v2/", "/auth", "/auth/"}

// docPath is the document's path of a pattern's path: the gate's subtree
// is its one rest parameter (see restParam).
func docPath(p string) string {
	if p == "/auth/verify/" {
		return restParam
	}
	return p
}

// methods are the methods a route without one serves, as far as OpenAPI
// can name them.
var methods = []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodOptions, http.MethodHead, http.MethodPatch, http.MethodTrace}

// checkRoutes fails for a route of routes.go the document does not list,
// and for an operation of the document no route serves. "METHOD /path" is
// the operation; a path registered without a method next to methods of its
// own answers 405 for the others; one registered without any serves every
// method (the gate).
func (c *contract) checkRoutes(t *testing.T, patterns []string) {
	byPath := map[string][]string{} // doc path → methods registered ("" for none)
	for _, p := range patterns {
		if slices.Contains(catchAllPatterns, p) || strings.HasPrefix(p, "/console/") || strings.HasPrefix(p, "GET /console/") {
			continue
		}
		m, path, ok := strings.Cut(p, " ")
		if !ok {
			m, path = "", p
		}
		byPath[docPath(path)] = append(byPath[docPath(path)], m)
	}
	if len(byPath) < 25 {
		t.Fatalf("read only %d paths from routes.go", len(byPath))
	}
	for path, ms := range byPath {
		item := c.doc.Paths.Value(path)
		if item == nil {
			t.Errorf("route %s of routes.go is not in openapi.json", path)
			continue
		}
		want := slices.DeleteFunc(slices.Clone(ms), func(m string) bool { return m == "" })
		if len(want) == 0 {
			want = methods
		}
		for _, m := range want {
			if item.GetOperation(m) == nil {
				t.Errorf("route %s %s of routes.go is not an operation of openapi.json", m, path)
			}
		}
		for m := range item.Operations() {
			if !slices.Contains(want, m) && !(m == http.MethodHead && slices.Contains(want, http.MethodGet)) {
				t.Errorf("openapi.json has %s %s, which routes.go does not serve", m, path)
			}
		}
	}
	for path := range c.doc.Paths.Map() {
		if byPath[path] == nil {
			t.Errorf("openapi.json has path %s, which routes.go does not register", path)
		}
	}
}

// placeholderRE finds the placeholders golden files hold for values that
// differ on every run (golden_test.go's placeholders).
var placeholderRE = regexp.MustCompile(`<(secret|access-token|api-key|key-hint|app-key-id|account-key-id|app-id|uuid|email)-([0-9]+)>|<(time|server)>`)

// denormalise puts back a value of the right form for each placeholder of
// s, one value per numbered placeholder.
func denormalise(s string) string {
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		sm := placeholderRE.FindStringSubmatch(m)
		n, _ := strconv.Atoi(sm[2])
		switch sm[1] + sm[3] {
		case "secret":
			return fmt.Sprintf("s%042d", n)
		case "access-token":
			return fmt.Sprintf("gat_%049d", n)
		case "api-key":
			return fmt.Sprintf("stai-%038d", n)
		case "key-hint":
			return fmt.Sprintf("stai-…%04d", n)
		case "app-key-id":
			return fmt.Sprintf("app_%024x", n)
		case "account-key-id":
			return fmt.Sprintf("act_%024x", n)
		case "app-id":
			return fmt.Sprintf("%024x", n)
		case "uuid":
			return fmt.Sprintf("00000000-0000-4000-8000-%012x", n)
		case "email":
			return fmt.Sprintf("user%d@example.com", n)
		case "time":
			return "Thu, 08 May 2025 21:42:04 GMT"
		case "server":
			return "http://127.0.0.1:8080"
		}
		return m
	})
}

// checkGoldens validates every golden answer against the document.
func (c *contract) checkGoldens(t *testing.T) {
	var files []string
	filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".golden.json") && slices.Contains(goldenSurfaces, filepath.Base(filepath.Dir(p))) {
			files = append(files, p)
		}
		return err
	})
	if len(files) < 300 {
		t.Fatalf("found %d golden files under testdata", len(files))
	}
	for _, p := range files {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var g struct {
			Request     string                     `json:"request"`
			RequestBody *string                    `json:"requestBody"`
			Status      int                        `json:"status"`
			Headers     map[string]json.RawMessage `json:"headers"`
			Body        json.RawMessage            `json:"body"`
			BodyText    *string                    `json:"bodyText"`
		}
		if err := json.Unmarshal([]byte(denormalise(string(raw))), &g); err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		method, path, _ := strings.Cut(g.Request, " ")
		if path == "/" || strings.HasPrefix(path, "/console/") {
			continue // the web console (and / redirecting to it) is HTML, not in the document
		}
		x := exchange{method: method, path: path, status: g.Status, header: http.Header{}, body: g.Body}
		if g.BodyText != nil {
			x.body = []byte(*g.BodyText)
		}
		for k, v := range g.Headers {
			var one string
			var many []string
			if json.Unmarshal(v, &one) == nil {
				many = []string{one}
			} else if err := json.Unmarshal(v, &many); err != nil {
				t.Errorf("%s: header %s: %v", p, k, err)
			}
			x.header[http.CanonicalHeaderKey(k)] = many
		}
		// The request of a 2xx case keeps the contract: check its body
		// (not its credentials, which the file does not record), unless the
		// file holds it cut short.
		if rb := g.RequestBody; g.Status < 300 && rb != nil && !strings.HasPrefix(*rb, "(") {
			x.reqBody, x.reqHeader, x.checkRequest = []byte(*rb), http.Header{}, true
			switch {
			case json.Valid(x.reqBody):
				x.reqHeader.Set("Content-Type", "application/json")
			case !strings.ContainsAny(*rb, "\r\n"):
				x.reqHeader.Set("Content-Type", "application/x-www-form-urlencoded")
			default:
				x.checkRequest = false
			}
		}
		if err := c.check(t.Context(), x); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// checkJourney runs a short journey over every surface on a live server
// and checks each request and each answer.
func (c *contract) checkJourney(t *testing.T) {
	e := newEnv(t)
	e.upstreamFaults.Store(true) // no model server: /server/query's 503 is expected
	n := 0
	// call sends a request and checks it (unless broken: a request that
	// breaks the contract on purpose) and its answer, which must have
	// status want.
	call := func(broken bool, want int, method, path string, headers []string, body string) result {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		r := e.do(t, method, path, headers, b)
		if r.status != want {
			t.Errorf("%s %s: %s, want %d", method, path, r, want)
		}
		h := http.Header{}
		for i := 0; i+1 < len(headers); i += 2 {
			h.Add(headers[i], headers[i+1])
		}
		x := exchange{method: method, path: path, reqHeader: h, reqBody: b, checkRequest: !broken, auth: credentialPresent,
			status: r.status, header: r.header, body: r.body}
		if err := c.check(t.Context(), x); err != nil {
			t.Error(err)
		}
		n++
		return r
	}
	const valid, broken = false, true
	jsonOnly := hdr("Content-Type", ctJSON)
	decode := func(r result, v any) {
		t.Helper()
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
	}

	// Operations.
	call(valid, 200, "GET", "/healthz", nil, "")
	call(valid, 200, "GET", "/readyz", nil, "")
	call(valid, 200, "GET", "/openapi.json", nil, "")
	call(valid, 200, "HEAD", "/openapi.json", nil, "")
	call(valid, 404, "GET", "/nope", nil, "")

	// sumtyme: sign up, then the errors.
	email, pw := newEmail(), newPassword()
	signup := mustJSON(t, map[string]string{"email": email, "password": pw, "confirm_password": pw})
	var su struct {
		APIKey string `json:"api_key"`
	}
	decode(call(valid, 200, "POST", "/signup", jsonOnly, signup), &su)
	call(valid, 409, "POST", "/signup", jsonOnly, signup)
	call(broken, 400, "POST", "/signup", jsonOnly, `{"email":"x@example.com","password":"short","confirm_password":"short"}`)
	call(broken, 400, "POST", "/signup", jsonOnly, `{"email":`)
	call(valid, 405, "GET", "/signup", nil, "")
	call(valid, 404, "POST", "/signup/more", jsonOnly, "{}")

	// Ask Sage: a pending account is refused, an active one exchanges its
	// key for a token.
	call(valid, 403, "POST", "/user/get-user-api-keys", withToken(su.APIKey), "{}")
	call(valid, 403, "POST", "/user/get-token-with-api-key", jsonOnly, mustJSON(t, map[string]string{"email": email, "api_key": su.APIKey}))
	e.activate(t, email)
	var tok struct {
		Response struct {
			AccessToken string `json:"access_token"`
		} `json:"response"`
	}
	decode(call(valid, 200, "POST", "/user/get-token-with-api-key", jsonOnly, mustJSON(t, map[string]string{"email": email, "api_key": su.APIKey})), &tok)
	token := tok.Response.AccessToken
	call(valid, 401, "POST", "/user/get-token-with-api-key", jsonOnly, mustJSON(t, map[string]string{"email": email, "api_key": "stai-wrong"}))
	call(broken, 400, "POST", "/user/get-token-with-api-key", jsonOnly, `{"email":5}`)
	call(valid, 405, "GET", "/user/get-token-with-api-key", nil, "")

	call(valid, 200, "POST", "/user/get-user-logins", withToken(token), `{"limit":5}`)
	call(valid, 200, "POST", "/user/get-user-logins", withToken(token), "")
	call(broken, 400, "POST", "/user/get-user-logins", withToken(token), `{"limit":101}`)
	call(broken, 401, "POST", "/user/get-user-logins", jsonOnly, "{}")
	call(valid, 401, "POST", "/user/get-user-logins", withToken("garbage"), "{}")
	call(valid, 405, "GET", "/user/get-user-logins", withToken(token), "")

	xAPIKey := hdr("X-API-Key", su.APIKey, "Content-Type", ctJSON)
	var created struct {
		Response struct {
			ID     int64  `json:"id"`
			APIKey string `json:"api_key"`
		} `json:"response"`
	}
	decode(call(valid, 200, "POST", "/user/user-api-key", xAPIKey, `{"name":"ci"}`), &created)
	call(broken, 400, "POST", "/user/user-api-key", withToken(token), `{}`)
	call(valid, 200, "POST", "/user/get-user-api-keys", withToken(token), "{}")
	call(valid, 200, "POST", "/user/get-user-api-keys", xAPIKey, "")
	call(valid, 200, "DELETE", "/user/user-api-key", withToken(token), mustJSON(t, map[string]int64{"id": created.Response.ID}))
	call(valid, 404, "DELETE", "/user/user-api-key", withToken(token), `{"id":"999999"}`)
	call(valid, 405, "PUT", "/user/user-api-key", withToken(token), "")

	call(valid, 200, "POST", "/user/add-dataset", withToken(token), `{"dataset":"openapi-set"}`)
	call(valid, 200, "POST", "/user/add-dataset", withToken(token), `{"dataset":"other-set","classification":null}`)
	call(valid, 409, "POST", "/user/add-dataset", withToken(token), `{"dataset":"openapi-set"}`)
	call(broken, 400, "POST", "/user/add-dataset", withToken(token), `{"dataset":"bad_name"}`)
	call(valid, 200, "POST", "/user/get-datasets-with-permissions", withToken(token), `{"check_permissions":"true"}`)
	call(valid, 200, "GET", "/user/get-datasets-with-permissions", withToken(token), "")
	call(valid, 200, "GET", "/server/get-datasets", withToken(token), "")
	call(valid, 404, "POST", "/user/delete-dataset", withToken(token), `{"dataset":"no-such-set"}`)

	var chat struct {
		Response struct {
			SessionID string `json:"session_id"`
		} `json:"response"`
	}
	decode(call(valid, 200, "POST", "/user/create-chat-session", withToken(token), `{"title":"contract"}`), &chat)
	session := mustJSON(t, map[string]string{"session_id": chat.Response.SessionID})
	call(valid, 200, "POST", "/user/append-chat", withToken(token), mustJSON(t, map[string]string{"session_id": chat.Response.SessionID, "message": "hello"}))
	call(valid, 200, "POST", "/user/get-chat-session", withToken(token), session)
	call(valid, 200, "POST", "/user/get-chats", withToken(token), "{}")
	call(valid, 200, "POST", "/user/get-user-logs", withToken(token), "")
	call(valid, 503, "POST", "/server/query", withToken(token), `{"message":"hello"}`)
	call(valid, 503, "GET", "/server/get-models", withToken(token), "")
	call(valid, 200, "POST", "/user/delete-chat-session", withToken(token), session)
	call(valid, 404, "POST", "/user/get-chat-session", withToken(token), session)
	call(valid, 404, "POST", "/user/nope", withToken(token), "{}")
	call(valid, 404, "GET", "/server/nope", nil, "")

	// Sunshine: an account key (as the operator makes one), then an app,
	// its keys, and the errors.
	ak := e.issueAccountKey(t, email)
	call(valid, 200, "POST", "/user/get-account-keys", withToken(token), "{}")
	var app struct {
		App struct {
			ID string `json:"id"`
		} `json:"app"`
	}
	decode(call(valid, 201, "POST", "/v2/apps", ak.basic(), `{"displayName":"Contract","settings":{"useAnimalNames":true},"metadata":{"tier":"gold","seats":3}}`), &app)
	appPath := "/v2/apps/" + app.App.ID
	call(valid, 200, "GET", appPath, ak.basic(), "")
	call(valid, 200, "GET", appPath, ak.jwt(t), "")
	call(valid, 200, "GET", "/v2/apps", ak.basic(), "")
	call(valid, 200, "GET", "/v2/apps?page[size]=1", ak.basic(), "")
	call(valid, 200, "PATCH", appPath, ak.basic(), `{"displayName":"Renamed","metadata":{"seats":null}}`)
	var key struct {
		Key struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		} `json:"key"`
	}
	decode(call(valid, 201, "POST", appPath+"/keys", ak.basic(), `{"displayName":"Contract key"}`), &key)
	appKey := sunKey{id: key.Key.ID, secret: key.Key.Secret}.remember()
	call(valid, 200, "GET", appPath+"/keys", ak.basic(), "")
	call(valid, 200, "GET", appPath+"/keys/"+appKey.id, ak.jwt(t), "")
	call(valid, 200, "GET", appPath, appKey.basic(), "")
	call(valid, 403, "GET", "/v2/apps", appKey.basic(), "")
	call(broken, 401, "GET", "/v2/apps", nil, "")
	call(valid, 401, "GET", "/v2/apps", hdr("Authorization", "Basic "+basicValue(ak.id, "wrong")), "")
	call(broken, 400, "POST", "/v2/apps", ak.basic(), `{}`)
	call(broken, 400, "GET", "/v2/apps?page[size]=0", ak.basic(), "")
	call(valid, 404, "GET", "/v2/apps/000000000000000000000000", ak.basic(), "")
	call(valid, 404, "GET", appPath+"/keys/app_000000000000000000000000", ak.basic(), "")
	call(valid, 405, "PUT", "/v2/apps", ak.basic(), "")
	call(valid, 404, "GET", "/v2/conversations", ak.basic(), "")

	// The gate: every kind of credential, then the refusals.
	call(valid, 200, "GET", "/auth/verify", withToken(token), "")
	call(valid, 200, "POST", "/auth/verify/api/v1/items", hdr("X-API-Key", su.APIKey), "")
	call(valid, 200, "GET", "/auth/verify", hdr("Authorization", "Bearer "+token), "")
	call(valid, 200, "HEAD", "/auth/verify", appKey.basic(), "")
	call(valid, 200, "DELETE", "/auth/verify/x", ak.basic(), "")
	call(broken, 401, "GET", "/auth/verify", nil, "")
	call(valid, 401, "GET", "/auth/verify", withToken("garbage"), "")
	call(valid, 404, "GET", "/auth/other", nil, "")

	// Deleting: the app key, the app, the account key.
	call(valid, 200, "DELETE", appPath+"/keys/"+appKey.id, ak.basic(), "")
	call(valid, 200, "DELETE", appPath, ak.basic(), "")
	call(valid, 404, "GET", appPath, ak.basic(), "")
	call(valid, 200, "DELETE", "/user/account-keys", withToken(token), mustJSON(t, map[string]string{"id": ak.id}))
	call(valid, 404, "DELETE", "/user/account-keys", withToken(token), mustJSON(t, map[string]string{"id": ak.id}))
	call(valid, 200, "POST", "/user/account-keys", withToken(token), "")

	if n < 80 {
		t.Errorf("the journey made %d requests", n)
	}
}
