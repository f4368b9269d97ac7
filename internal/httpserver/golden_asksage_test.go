package httpserver_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

// askRoute is one authenticated Ask Sage route (/user or /server), for the
// answers every such route gives alike: no or a garbage credential (401),
// a body that is not JSON (400), a field of the wrong type (400) and a
// method it does not serve (405).
type askRoute struct {
	slug   string // the golden file names' stem
	method string
	path   string
	allow  string // the route's Allow header
	body   string // a body it accepts
	// wrongType is a body with a field of the wrong type; "" for routes
	// that read no field.
	wrongType string
	// notAllowed is a method the path does not serve.
	notAllowed string
}

var askRoutes = []askRoute{
	{"get-user-logins", "POST", loginsPath, "POST", `{"limit": 5}`, `{"limit": "five"}`, "GET"},
	{"get-user-api-keys", "POST", keysPath, "POST", `{}`, "", "GET"},
	{"get-user-logs", "POST", logsPath, "POST", `{}`, `{"limit": [1]}`, "GET"},
	{"add-dataset", "POST", addDatasetPath, "POST", `{"dataset": "dataset-name"}`, `{"dataset": 5}`, "GET"},
	{"delete-dataset", "POST", deleteDatasetPath, "POST", `{"dataset": "dataset-name"}`, `{"dataset": ["x"]}`, "GET"},
	{"assign-dataset", "POST", assignDatasetPath, "POST", `{"dataset": "dataset-name", "email": "a@example.com"}`, `{"dataset": "dataset-name", "email": 5}`, "GET"},
	{"update-permission-dataset", "POST", updatePermPath, "POST", `{"dataset": "dataset-name", "email": "a@example.com", "permission": "read"}`, `{"dataset": "dataset-name", "email": "a@example.com", "permission": true}`, "GET"},
	{"deassign-dataset", "POST", deassignPath, "POST", `{"dataset": "dataset-name", "email": "a@example.com"}`, `{"dataset": "dataset-name", "email": true}`, "GET"},
	{"get-datasets-with-permissions", "POST", datasetsPermsPath, "POST, GET", `{"check_permissions": "true"}`, `{"check_permissions": "maybe"}`, "PUT"},
	{"get-chats", "POST", getChatsPath, "POST", `{"response": "string"}`, "", "GET"},
	{"get-chat-session", "POST", getChatPath, "POST", `{"session_id": "` + unknownUUID + `"}`, `{"session_id": 5}`, "GET"},
	{"delete-chat-session", "POST", deleteChatPath, "POST", `{"session_id": "` + unknownUUID + `"}`, `{"session_id": [1]}`, "GET"},
	{"create-chat-session", "POST", createChatPath, "POST", `{"title": "chat"}`, `{"title": 5}`, "GET"},
	{"append-chat", "POST", appendChatPath, "POST", `{"session_id": "` + unknownUUID + `", "message": "hi"}`, `{"session_id": "` + unknownUUID + `", "message": 5}`, "GET"},
	{"server-query", "POST", queryPath, "POST", `{"message": "hello"}`, `{"message": "hello", "temperature": "warm"}`, "GET"},
	{"server-get-models", "POST", modelsPath, "POST, GET", `{}`, "", "PUT"},
	{"server-get-datasets", "POST", serverDatasetsPath, "POST, GET", `{}`, "", "PUT"},
	{"get-account-keys", "POST", "/user/get-account-keys", "POST", `{}`, "", "GET"},
	{"user-api-key", "POST", keyPath, "POST, DELETE", `{"name": "ci"}`, `{"name": 5}`, "GET"},
	{"user-api-key", "DELETE", keyPath, "POST, DELETE", `{"id": 1}`, `{"id": "one"}`, ""},
	{"account-keys", "POST", "/user/account-keys", "POST, DELETE", `{"name": "ci"}`, `{"name": 5}`, "GET"},
	{"account-keys", "DELETE", "/user/account-keys", "POST, DELETE", `{"id": "act_000000000000000000000000"}`, `{"id": 5}`, ""},
}

// askName is a golden file name: slug.method.rest.
func askName(slug, method, rest string) string {
	return slug + "." + strings.ToLower(method) + "." + rest
}

// user returns a signed-up, activated account holding a token.
func (g *goldenEnv) user(t *testing.T) user { return g.newUser(t) }

// asUser is a request maker for cases that need only a caller: it makes
// one and builds the request from the caller's token headers.
func asUser(method, path string, body func(u user) string) func(*testing.T, *goldenEnv) goldenReq {
	return func(t *testing.T, g *goldenEnv) goldenReq {
		u := g.user(t)
		return gReq(method, path, withToken(u.token), body(u))
	}
}

func fixed(s string) func(user) string { return func(user) string { return s } }

// askSageGoldenCases pin every /user and /server route.
func askSageGoldenCases() []goldenCase {
	var cs []goldenCase
	for _, rt := range askRoutes {
		cs = append(cs,
			goldenCase{name: askName(rt.slug, rt.method, "401-no-credential"), req: func(*testing.T, *goldenEnv) goldenReq {
				return gReq(rt.method, rt.path, hdr("Content-Type", ctJSON), rt.body)
			}},
			goldenCase{name: askName(rt.slug, rt.method, "401-garbage-credential"), req: func(*testing.T, *goldenEnv) goldenReq {
				return gReq(rt.method, rt.path, withToken("not-a-credential"), rt.body)
			}},
			goldenCase{name: askName(rt.slug, rt.method, "400-malformed-json"), req: asUser(rt.method, rt.path, fixed(`{"a":`))},
		)
		if rt.wrongType != "" {
			cs = append(cs, goldenCase{name: askName(rt.slug, rt.method, "400-wrong-type"), req: asUser(rt.method, rt.path, fixed(rt.wrongType))})
		}
		if rt.notAllowed != "" {
			cs = append(cs, goldenCase{name: askName(rt.slug, rt.notAllowed, "405"), req: asUser(rt.notAllowed, rt.path, fixed(rt.body))})
		}
	}
	cs = append(cs, askSageUserCases()...)
	cs = append(cs, askSageDatasetCases()...)
	cs = append(cs, askSageChatCases()...)
	cs = append(cs, askSageServerCases()...)
	for i := range cs {
		cs[i].surface = "asksage"
	}
	return cs
}

// askSageUserCases: the token exchange, logins, API keys, account keys,
// unknown paths and the answers of the authentication middleware.
func askSageUserCases() []goldenCase {
	ct := hdr("Content-Type", ctJSON)
	exchange := func(email, key string) string { return `{"email": "` + email + `", "api_key": "` + key + `"}` }
	tok := "get-token-with-api-key"
	return []goldenCase{
		// POST /user/get-token-with-api-key: no credential header; the key
		// is in the body.
		{name: askName(tok, "POST", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.signup(t)
			g.activate(t, u.email)
			return gPost(tokenPath, ct, exchange(u.email, u.key))
		}},
		{name: askName(tok, "POST", "400-malformed-json"), req: func(*testing.T, *goldenEnv) goldenReq { return gPost(tokenPath, ct, `{"email": `) }},
		{name: askName(tok, "POST", "400-wrong-type"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			return gPost(tokenPath, ct, `{"email": "`+g.user(t).email+`", "api_key": 5}`)
		}},
		{name: askName(tok, "POST", "400-missing-api-key"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			return gPost(tokenPath, ct, `{"email": "`+g.user(t).email+`"}`)
		}},
		{name: askName(tok, "POST", "401-wrong-key"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			a, b := g.user(t), g.user(t)
			return gPost(tokenPath, ct, exchange(a.email, b.key))
		}},
		{name: askName(tok, "POST", "401-unknown-email"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			return gPost(tokenPath, ct, exchange("nobody@example.com", g.user(t).key))
		}},
		{name: askName(tok, "POST", "403-pending-account"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.signup(t)
			return gPost(tokenPath, ct, exchange(u.email, u.key))
		}},
		{name: askName(tok, "POST", "429-throttled"), env: newGoldenEnv(withLimits(core.Limits{
			SignupPerIP: core.Unlimited, ExchangePerIP: ratelimit.Limit{Every: time.Minute, Burst: 1},
		})), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t) // its one exchange takes the burst
			return gPost(tokenPath, ct, exchange(u.email, u.key))
		}},
		{name: askName(tok, "GET", "405"), req: func(*testing.T, *goldenEnv) goldenReq { return gGet(tokenPath, nil) }},

		// The authentication middleware, on one route.
		{name: askName("get-user-api-keys", "POST", "200-x-api-key"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			return gPost(keysPath, hdr("X-API-Key", g.user(t).key, "Content-Type", ctJSON), `{}`)
		}},
		{name: askName("get-user-api-keys", "POST", "401-two-credentials"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			a, b := g.user(t), g.user(t)
			return gPost(keysPath, hdr("x-access-tokens", a.token, "x-access-tokens", b.token, "Content-Type", ctJSON), `{}`)
		}},
		{name: askName("get-user-api-keys", "POST", "401-expired-token"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			g.clk.Advance(25 * time.Hour)
			return gPost(keysPath, withToken(u.token), `{}`)
		}},
		{name: askName("get-user-api-keys", "POST", "403-pending-account"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			return gPost(keysPath, withToken(g.signup(t).key), `{}`)
		}},
		{name: askName("get-user-api-keys", "POST", "429-failed-credentials"), env: newGoldenEnv(withLimits(core.Limits{
			SignupPerIP: core.Unlimited, ExchangePerIP: core.Unlimited, ExchangeFailuresPerIPAccount: core.Unlimited,
			FailuresPerIP: ratelimit.Limit{Every: time.Minute, Burst: 1},
		})), req: func(t *testing.T, g *goldenEnv) goldenReq {
			wantStatus(t, "the failure that takes the burst", g.call(t, http.MethodPost, keysPath, withToken("not-a-credential"), `{}`), 401)
			return gPost(keysPath, withToken("not-a-credential"), `{}`)
		}},
		{name: askName("get-user-api-keys", "POST", "503-database-down"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			g.closeStore(t)
			return gPost(keysPath, withToken(u.token), `{}`)
		}},

		// get-user-logins: the exchange newUser made, and a failed one.
		{name: askName("get-user-logins", "POST", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			wantStatus(t, "failed exchange", g.exchangeResult(t, u.email, "stai-wrong"), 401)
			return gPost(loginsPath, withToken(u.token), `{"limit": 5}`)
		}},
		{name: askName("get-user-logins", "POST", "200-no-body"), req: asUser("POST", loginsPath, fixed(""))},
		{name: askName("get-user-logins", "POST", "400-limit-out-of-range"), req: asUser("POST", loginsPath, fixed(`{"limit": 101}`))},

		// API keys. Listing after the background work stopped: the
		// last-used times are flushed then, so the answer is the same on
		// every run.
		{name: askName("get-user-api-keys", "POST", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			g.createKey(t, u.token, "ci")
			g.stop()
			return gPost(keysPath, withToken(u.token), `{}`)
		}},
		{name: askName("user-api-key", "POST", "200"), req: asUser("POST", keyPath, fixed(`{"name": "string"}`))},
		{name: askName("user-api-key", "POST", "400-name-missing"), req: asUser("POST", keyPath, fixed(`{}`))},
		{name: askName("user-api-key", "POST", "400-name-too-long"), req: asUser("POST", keyPath, fixed(`{"name": "`+strings.Repeat("n", 101)+`"}`))},
		{name: askName("user-api-key", "POST", "409-too-many-keys"), env: newGoldenEnv(func(o *core.Options) { o.MaxKeysPerUser = 1 }),
			req: asUser("POST", keyPath, fixed(`{"name": "second"}`))},
		{name: askName("user-api-key", "POST", "413-body-too-large"), req: asUser("POST", keyPath, fixed(string(padTo(`{"name": "big"}`, userLimit+1))))},
		{name: askName("user-api-key", "DELETE", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			k := g.createKey(t, u.token, "doomed")
			return gReq(http.MethodDelete, keyPath, withToken(u.token), `{"id": `+itoa(k.ID)+`}`)
		}},
		{name: askName("user-api-key", "DELETE", "400-id-missing"), req: asUser("DELETE", keyPath, fixed(`{}`))},
		{name: askName("user-api-key", "DELETE", "404-unknown-id"), req: asUser("DELETE", keyPath, fixed(`{"id": 999999}`))},

		// Account keys (gatehouse's bridge to /v2).
		{name: askName("account-keys", "POST", "200"), req: asUser("POST", "/user/account-keys", fixed(`{"name": "apps"}`))},
		{name: askName("account-keys", "POST", "200-no-name"), req: asUser("POST", "/user/account-keys", fixed(`{}`))},
		{name: askName("account-keys", "DELETE", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			k := g.createAccountKey(t, u.token, "doomed")
			return gReq(http.MethodDelete, "/user/account-keys", withToken(u.token), `{"id": "`+k.id+`"}`)
		}},
		{name: askName("account-keys", "DELETE", "400-id-missing"), req: asUser("DELETE", "/user/account-keys", fixed(`{}`))},
		{name: askName("account-keys", "DELETE", "404-unknown-id"), req: asUser("DELETE", "/user/account-keys", fixed(`{"id": "act_000000000000000000000000"}`))},
		{name: askName("get-account-keys", "POST", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			g.createAccountKey(t, u.token, "apps")
			return gPost("/user/get-account-keys", withToken(u.token), `{}`)
		}},

		// Unknown paths, with a credential or without.
		{name: askName("user-unknown", "POST", "404"), req: asUser("POST", "/user/nope", fixed(`{}`))},
		{name: askName("user-unknown", "GET", "404-no-credential"), req: func(*testing.T, *goldenEnv) goldenReq { return gGet("/user/nope", nil) }},
		{name: askName("user-bare", "POST", "404"), req: asUser("POST", "/user", fixed(`{}`))},
		{name: askName("user-refused-path", "POST", "404"), req: asUser("POST", "/user/%2e%2e/user-api-key", fixed(`{}`))},
		{name: askName("server-unknown", "POST", "404"), req: asUser("POST", "/server/nope", fixed(`{}`))},
		{name: askName("server-bare", "GET", "404"), req: func(*testing.T, *goldenEnv) goldenReq { return gGet("/server", nil) }},
	}
}
