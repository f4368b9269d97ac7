package httpserver_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/golang-jwt/jwt/v5"
)

// sunFixture is an account key, one of its apps and one key of that app.
type sunFixture struct {
	acct   sunAccount
	app    wireApp
	appKey sunKey
}

func (g *goldenEnv) sunFixture(t *testing.T) sunFixture {
	t.Helper()
	f := sunFixture{acct: g.newSunAccount(t)}
	f.app = g.createApp(t, f.acct.key.basic(), "My App")
	f.appKey = g.createAppKey(t, f.acct.key.basic(), f.app.ID, "My Key")
	return f
}

// sunRouteCase is one /v2 route for the answers every route gives alike.
type sunRouteCase struct {
	slug, method string
	ok           string // the success status
	path         func(f sunFixture) string
	body         string
}

var sunRoutes = []sunRouteCase{
	{"apps", "POST", "201", func(sunFixture) string { return "/v2/apps" }, `{"displayName": "New App"}`},
	{"apps", "GET", "200", func(sunFixture) string { return "/v2/apps" }, ""},
	{"app", "GET", "200", func(f sunFixture) string { return "/v2/apps/" + f.app.ID }, ""},
	{"app", "PATCH", "200", func(f sunFixture) string { return "/v2/apps/" + f.app.ID }, `{"displayName": "Renamed"}`},
	{"app", "DELETE", "200", func(f sunFixture) string { return "/v2/apps/" + f.app.ID }, ""},
	{"app-keys", "POST", "201", func(f sunFixture) string { return "/v2/apps/" + f.app.ID + "/keys" }, `{"displayName": "New Key"}`},
	{"app-keys", "GET", "200", func(f sunFixture) string { return "/v2/apps/" + f.app.ID + "/keys" }, ""},
	{"app-key", "GET", "200", func(f sunFixture) string { return "/v2/apps/" + f.app.ID + "/keys/" + f.appKey.id }, ""},
	{"app-key", "DELETE", "200", func(f sunFixture) string { return "/v2/apps/" + f.app.ID + "/keys/" + f.appKey.id }, ""},
}

// sunCase is a case on a fresh fixture; req gets the fixture's account
// headers (Basic).
func sunCase(name string, req func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq) goldenCase {
	return goldenCase{name: name, req: func(t *testing.T, g *goldenEnv) goldenReq {
		f := g.sunFixture(t)
		return req(t, g, f, f.acct.key.basic())
	}}
}

// sunshineGoldenCases pin every /v2 route.
func sunshineGoldenCases() []goldenCase {
	var cs []goldenCase
	for _, rt := range sunRoutes {
		cs = append(cs,
			sunCase(askName(rt.slug, rt.method, rt.ok), func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
				return gReq(rt.method, rt.path(f), h, rt.body)
			}),
			sunCase(askName(rt.slug, rt.method, rt.ok+"-jwt"), func(t *testing.T, g *goldenEnv, f sunFixture, _ []string) goldenReq {
				return gReq(rt.method, rt.path(f), f.acct.key.jwt(t), rt.body)
			}),
			sunCase(askName(rt.slug, rt.method, "401-no-credential"), func(t *testing.T, g *goldenEnv, f sunFixture, _ []string) goldenReq {
				return gReq(rt.method, rt.path(f), hdr("Content-Type", ctJSON), rt.body)
			}),
			sunCase(askName(rt.slug, rt.method, "401-garbage-credential"), func(t *testing.T, g *goldenEnv, f sunFixture, _ []string) goldenReq {
				return gReq(rt.method, rt.path(f), hdr("Authorization", "Basic not-base64!", "Content-Type", ctJSON), rt.body)
			}),
			sunCase(askName(rt.slug, rt.method, "401-wrong-secret"), func(t *testing.T, g *goldenEnv, f sunFixture, _ []string) goldenReq {
				return gReq(rt.method, rt.path(f), sunKey{id: f.acct.key.id, secret: "not-the-secret"}.basic(), rt.body)
			}),
		)
		if rt.body != "" {
			cs = append(cs,
				sunCase(askName(rt.slug, rt.method, "400-malformed-json"), func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
					return gReq(rt.method, rt.path(f), h, `{"displayName": `)
				}),
				sunCase(askName(rt.slug, rt.method, "400-wrong-type"), func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
					return gReq(rt.method, rt.path(f), h, `{"displayName": 5}`)
				}),
				sunCase(askName(rt.slug, rt.method, "413-body-too-large"), func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
					return goldenReq{method: rt.method, path: rt.path(f), headers: h, body: padTo(rt.body, 100<<10+1)}
				}),
			)
		}
		// The account-only routes refuse an app key, even its own app's.
		if !(rt.slug == "app" && (rt.method == "GET" || rt.method == "PATCH")) {
			cs = append(cs, sunCase(askName(rt.slug, rt.method, "403-app-key"), func(t *testing.T, g *goldenEnv, f sunFixture, _ []string) goldenReq {
				return gReq(rt.method, rt.path(f), f.appKey.basic(), rt.body)
			}))
		}
		// Routes naming an app: an unknown one (as another account's).
		if strings.HasPrefix(rt.slug, "app") && rt.slug != "apps" {
			cs = append(cs, sunCase(askName(rt.slug, rt.method, "404-unknown-app"), func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
				return gReq(rt.method, strings.Replace(rt.path(f), f.app.ID, "000000000000000000000000", 1), h, rt.body)
			}))
		}
	}
	cs = append(cs, sunshineSpecificCases()...)
	for i := range cs {
		cs[i].surface = "sunshine"
	}
	return cs
}

func sunshineSpecificCases() []goldenCase {
	return []goldenCase{
		// POST /v2/apps.
		sunCase("apps.post.201-settings-and-metadata", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gPost("/v2/apps", h, `{"displayName": "Full", "settings": {"useAnimalNames": true, "conversationRetentionSeconds": 3600}, "metadata": {"tier": "gold", "seats": 12, "beta": true}}`)
		}),
		sunCase("apps.post.400-displayname-missing", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gPost("/v2/apps", h, `{}`)
		}),
		sunCase("apps.post.400-displayname-too-long", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gPost("/v2/apps", h, `{"displayName": "`+strings.Repeat("a", 101)+`"}`)
		}),
		sunCase("apps.post.400-metadata-too-large", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gPost("/v2/apps", h, `{"displayName": "big", "metadata": {"k": "`+strings.Repeat("x", 4097-len(`{"k":""}`))+`"}}`)
		}),
		sunCase("apps.post.400-metadata-nested", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gPost("/v2/apps", h, `{"displayName": "x", "metadata": {"a": {"b": "c"}}}`)
		}),
		sunCase("apps.post.400-negative-retention", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gPost("/v2/apps", h, `{"displayName": "x", "settings": {"conversationRetentionSeconds": -1}}`)
		}),
		sunCase("apps.post.401-jwt-wrong-scope", func(t *testing.T, g *goldenEnv, f sunFixture, _ []string) goldenReq {
			return gPost("/v2/apps", bearer(signJWT(t, f.acct.key.id, f.acct.key.secret, jwt.MapClaims{"scope": "app"})), `{"displayName": "x"}`)
		}),
		sunCase("apps.post.401-jwt-expired", func(t *testing.T, g *goldenEnv, f sunFixture, _ []string) goldenReq {
			exp := g.clk.Now().Add(-time.Hour).Unix()
			return gPost("/v2/apps", bearer(signJWT(t, f.acct.key.id, f.acct.key.secret, jwt.MapClaims{"scope": "account", "exp": exp})), `{"displayName": "x"}`)
		}),
		sunCase("apps.post.401-jwt-bad-signature", func(t *testing.T, g *goldenEnv, f sunFixture, _ []string) goldenReq {
			return gPost("/v2/apps", bearer(signJWT(t, f.acct.key.id, "not-the-secret", jwt.MapClaims{"scope": "account"})), `{"displayName": "x"}`)
		}),
		{name: "apps.post.429-failed-credentials", env: newGoldenEnv(withLimits(core.Limits{
			SignupPerIP: core.Unlimited, ExchangePerIP: core.Unlimited, ExchangeFailuresPerIPAccount: core.Unlimited,
			FailuresPerIP: ratelimit.Limit{Every: time.Minute, Burst: 1},
		})), req: func(t *testing.T, g *goldenEnv) goldenReq {
			bad := hdr("Authorization", "Basic "+basicValue("act_000000000000000000000000", "nope"), "Content-Type", ctJSON)
			wantStatus(t, "the failure that takes the burst", g.call(t, http.MethodPost, "/v2/apps", bad, `{"displayName": "x"}`), 401)
			return gPost("/v2/apps", bad, `{"displayName": "x"}`)
		}},
		sunCase("apps.post.503-database-down", func(t *testing.T, g *goldenEnv, f sunFixture, _ []string) goldenReq {
			// A JWT the cache has not seen needs the database.
			h := bearer(signJWT(t, f.acct.key.id, f.acct.key.secret, jwt.MapClaims{"scope": "account", "jti": "down"}))
			g.closeStore(t)
			return gPost("/v2/apps", h, `{"displayName": "x"}`)
		}),

		// GET /v2/apps: pages.
		sunCase("apps.get.200-page", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			for i := range 3 {
				g.createApp(t, h, fmt.Sprintf("Paged %d", i+1))
			}
			var first appPage
			decodeInto(t, g.call(t, http.MethodGet, "/v2/apps?page[size]=2", h, ""), &first)
			if first.Meta.AfterCursor == nil {
				t.Fatalf("no after cursor: %+v", first)
			}
			return gGet("/v2/apps?page[size]=2&page[after]="+*first.Meta.AfterCursor, h)
		}),
		{name: "apps.get.200-empty", req: func(t *testing.T, g *goldenEnv) goldenReq {
			return gGet("/v2/apps", g.newSunAccount(t).key.basic())
		}},
		sunCase("apps.get.400-bad-page-size", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gGet("/v2/apps?page[size]=0", h)
		}),
		sunCase("apps.get.400-after-and-before", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gGet("/v2/apps?page[after]="+f.app.ID+"&page[before]="+f.app.ID, h)
		}),
		sunCase("apps.get.403-service-account-filter", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gGet("/v2/apps?filter[serviceAccountId]=svc_5d8cff3cd55b040010928b5b", h)
		}),

		// One app.
		sunCase("app.get.200-app-key", func(t *testing.T, g *goldenEnv, f sunFixture, _ []string) goldenReq {
			return gGet("/v2/apps/"+f.app.ID, f.appKey.basic())
		}),
		sunCase("app.get.200-app-key-jwt", func(t *testing.T, g *goldenEnv, f sunFixture, _ []string) goldenReq {
			return gGet("/v2/apps/"+f.app.ID, f.appKey.jwt(t))
		}),
		sunCase("app.get.403-other-apps-key", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			other := g.createApp(t, h, "Other")
			return gGet("/v2/apps/"+other.ID, f.appKey.basic())
		}),
		sunCase("app.get.404-other-account", func(t *testing.T, g *goldenEnv, f sunFixture, _ []string) goldenReq {
			return gGet("/v2/apps/"+f.app.ID, g.newSunAccount(t).key.basic())
		}),
		sunCase("app.get.404-malformed-id", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gGet("/v2/apps/not-an-app", h)
		}),
		sunCase("app.patch.200-settings-and-metadata", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gReq(http.MethodPatch, "/v2/apps/"+f.app.ID, h, `{"settings": {"echoPostback": true}, "metadata": {"a": "1", "b": 2}}`)
		}),
		sunCase("app.patch.200-app-key", func(t *testing.T, g *goldenEnv, f sunFixture, _ []string) goldenReq {
			return gReq(http.MethodPatch, "/v2/apps/"+f.app.ID, f.appKey.basic(), `{"metadata": {"by": "app key"}}`)
		}),
		sunCase("app.patch.400-multiconvo-irreversible", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			wantStatus(t, "enable", g.call(t, http.MethodPatch, "/v2/apps/"+f.app.ID, h, `{"settings": {"multiConvoEnabled": true}}`), 200)
			return gReq(http.MethodPatch, "/v2/apps/"+f.app.ID, h, `{"settings": {"multiConvoEnabled": false}}`)
		}),
		sunCase("app.patch.400-displayname-empty", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gReq(http.MethodPatch, "/v2/apps/"+f.app.ID, h, `{"displayName": ""}`)
		}),

		// App keys.
		sunCase("app-keys.post.400-displayname-missing", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gPost("/v2/apps/"+f.app.ID+"/keys", h, `{}`)
		}),
		sunCase("app-keys.post.400-too-many-keys", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			for i := 1; i < 10; i++ {
				g.createAppKey(t, h, f.app.ID, fmt.Sprintf("key %d", i))
			}
			return gPost("/v2/apps/"+f.app.ID+"/keys", h, `{"displayName": "eleventh"}`)
		}),
		sunCase("app-key.get.404-unknown-key", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gGet("/v2/apps/"+f.app.ID+"/keys/app_000000000000000000000000", h)
		}),
		sunCase("app-key.delete.404-unknown-key", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gReq(http.MethodDelete, "/v2/apps/"+f.app.ID+"/keys/app_000000000000000000000000", h, "")
		}),
		sunCase("app-key.get.404-deleted-key", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			wantStatus(t, "delete", g.call(t, http.MethodDelete, "/v2/apps/"+f.app.ID+"/keys/"+f.appKey.id, h, ""), 200)
			return gGet("/v2/apps/"+f.app.ID+"/keys/"+f.appKey.id, h)
		}),
		sunCase("app.get.401-deleted-app-key", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			wantStatus(t, "delete", g.call(t, http.MethodDelete, "/v2/apps/"+f.app.ID+"/keys/"+f.appKey.id, h, ""), 200)
			return gGet("/v2/apps/"+f.app.ID, f.appKey.basic())
		}),

		// Methods a path does not serve.
		sunCase("apps.put.405", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gReq(http.MethodPut, "/v2/apps", h, `{"displayName": "x"}`)
		}),
		sunCase("app.post.405", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gPost("/v2/apps/"+f.app.ID, h, `{"displayName": "x"}`)
		}),
		sunCase("app-keys.delete.405", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gReq(http.MethodDelete, "/v2/apps/"+f.app.ID+"/keys", h, "")
		}),
		sunCase("app-key.patch.405", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gReq(http.MethodPatch, "/v2/apps/"+f.app.ID+"/keys/"+f.appKey.id, h, `{"displayName": "x"}`)
		}),
		{name: "apps.put.405-no-credential", req: func(*testing.T, *goldenEnv) goldenReq {
			return gReq(http.MethodPut, "/v2/apps", nil, "")
		}},

		// Unknown paths.
		sunCase("v2-unknown.get.404", func(t *testing.T, g *goldenEnv, f sunFixture, h []string) goldenReq {
			return gGet("/v2/conversations", h)
		}),
		{name: "v2-unknown.get.404-no-credential", req: func(*testing.T, *goldenEnv) goldenReq { return gGet("/v2/apps/x/y/z/w", nil) }},
		{name: "v2-bare.get.404", req: func(*testing.T, *goldenEnv) goldenReq { return gGet("/v2", nil) }},
		{name: "v2-refused-path.get.404", req: func(*testing.T, *goldenEnv) goldenReq { return gGet("/v2/apps/..%2f..%2fuser", nil) }},
	}
}
