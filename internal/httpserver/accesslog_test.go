package httpserver_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/core"
)

// TestAccessLogLine: each request's access-log line, byte for byte but for
// its time and duration: the attributes in their order, the route pattern
// (or the path as sent), and the principal the surface authenticated:
// "user:<id>" for an Ask Sage key or token, the key id for a Sunshine app
// or account key (Basic or JWT), nothing for a request without one or
// whose credential is refused.
func TestAccessLogLine(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	p, err := e.svc.Authenticate(t.Context(), u.key, core.ClientInfo{})
	if err != nil {
		t.Fatal(err)
	}
	asUser := "user:" + strconv.FormatInt(p.UserID, 10)
	acct := e.newSunAccount(t)
	app := e.createApp(t, acct.key.basic(), "logged")
	appKey := e.createAppKey(t, acct.key.basic(), app.ID, "logged")
	bad := sunKey{id: appKey.id, secret: "not-the-secret"}

	for _, tt := range []struct {
		name, method, path string
		headers            []string
		body               string
		status             int
		route, principal   string
	}{
		{"Ask Sage API key", "POST", "/user/get-user-api-keys", withToken(u.key), "{}", 200, "POST /user/get-user-api-keys", asUser},
		{"Ask Sage token", "POST", "/user/get-user-api-keys", withToken(u.token), "{}", 200, "POST /user/get-user-api-keys", asUser},
		{"Ask Sage refused token", "POST", "/user/get-user-api-keys", withToken("gat_nope"), "{}", 401, "POST /user/get-user-api-keys", ""},
		{"Ask Sage token exchange", "POST", "/user/get-token-with-api-key", hdr("Content-Type", ctJSON),
			mustJSON(t, map[string]string{"email": u.email, "api_key": u.key}), 200, "POST /user/get-token-with-api-key", ""},
		{"account key, Basic", "GET", "/v2/apps", acct.key.basic(), "", 200, "GET /v2/apps", acct.key.id},
		{"account key, JWT", "GET", "/v2/apps", acct.key.jwt(t), "", 200, "GET /v2/apps", acct.key.id},
		{"app key, Basic", "GET", "/v2/apps/" + app.ID, appKey.basic(), "", 200, "GET /v2/apps/{appId}", appKey.id},
		{"app key, JWT", "GET", "/v2/apps/" + app.ID, appKey.jwt(t), "", 200, "GET /v2/apps/{appId}", appKey.id},
		{"refused app key", "GET", "/v2/apps/" + app.ID, bad.basic(), "", 401, "GET /v2/apps/{appId}", ""},
		{"sign-up", "POST", "/signup", hdr("Content-Type", ctJSON), "{}", 400, "POST /signup", ""},
		{"unknown path", "GET", "/nowhere?x=1", nil, "", 404, "/", ""},
		{"refused path", "GET", "/healthz/..%2fuser/x?y=1", nil, "", 404, "/healthz/..%2fuser/x", ""},
		{"health", "GET", "/healthz", nil, "", 200, "GET /healthz", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call(t, tt.method, tt.path, tt.headers, tt.body)
			if r.status != tt.status {
				t.Fatalf("%s", r)
			}
			id := r.header.Get("X-Request-Id")
			if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
				t.Fatalf("X-Request-Id %q", id)
			}
			want := regexp.MustCompile(`^\{"time":"[^"]+","level":"INFO","msg":"request",` +
				`"method":` + regexp.QuoteMeta(strconv.Quote(tt.method)) +
				`,"route":` + regexp.QuoteMeta(strconv.Quote(tt.route)) +
				`,"status":` + strconv.Itoa(tt.status) +
				`,"bytes":` + strconv.Itoa(len(r.body)) +
				`,"durationMs":[0-9.]+(e-[0-9]+)?` +
				`,"requestId":"` + id + `","ip":"127.0.0.1"` +
				`,"principal":` + regexp.QuoteMeta(strconv.Quote(tt.principal)) + `\}$`)
			line := e.accessLogLine(t, id)
			if !want.MatchString(line) {
				t.Errorf("access log line\n%s\nwant it to match\n%s", line, want)
			}
		})
	}
}

// accessLogLine returns the access-log line of request id, which e
// answered.
func (e *env) accessLogLine(t *testing.T, id string) string {
	t.Helper()
	e.flushLog(t)
	for line := range strings.SplitSeq(logSink.String(), "\n") {
		if strings.Contains(line, `"msg":"request"`) && strings.Contains(line, `"requestId":"`+id+`"`) {
			return line
		}
	}
	t.Fatalf("request %s: no access-log line", id)
	return ""
}
