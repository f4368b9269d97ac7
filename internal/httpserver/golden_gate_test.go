package httpserver_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

// gateGoldenCases pin every answer of the gate (/auth/verify and the rest
// of /auth): each credential kind's identity headers, and each refusal.
func gateGoldenCases() []goldenCase {
	// asWorld is a case on a fresh gateWorld.
	asWorld := func(req func(t *testing.T, g *goldenEnv, w gateWorld) goldenReq) func(*testing.T, *goldenEnv) goldenReq {
		return func(t *testing.T, g *goldenEnv) goldenReq { return req(t, g, g.newGateWorld(t)) }
	}
	get := func(h func(t *testing.T, w gateWorld) []string) func(*testing.T, *goldenEnv) goldenReq {
		return asWorld(func(t *testing.T, _ *goldenEnv, w gateWorld) goldenReq { return gGet(verifyPath, h(t, w)) })
	}
	cs := []goldenCase{
		{name: "verify.get.200-api-key", req: get(func(_ *testing.T, w gateWorld) []string { return hdr("x-access-tokens", w.key.APIKey) })},
		{name: "verify.get.200-x-api-key", req: get(func(_ *testing.T, w gateWorld) []string { return hdr("X-API-Key", w.key.APIKey) })},
		{name: "verify.get.200-access-token", req: get(func(_ *testing.T, w gateWorld) []string { return hdr("Authorization", "Bearer "+w.token) })},
		{name: "verify.get.200-app-key", req: get(func(_ *testing.T, w gateWorld) []string { return w.appKey.basic() })},
		{name: "verify.get.200-app-key-jwt", req: get(func(t *testing.T, w gateWorld) []string { return w.appKey.jwt(t) })},
		{name: "verify.get.200-account-key", req: get(func(_ *testing.T, w gateWorld) []string { return w.acct.basic() })},
		{name: "verify.get.200-account-key-jwt", req: get(func(t *testing.T, w gateWorld) []string { return w.acct.jwt(t) })},
		{name: "verify.get.200-cac", req: asWorld(func(t *testing.T, g *goldenEnv, w gateWorld) goldenReq {
			if _, err := g.svc.SetCAC(t.Context(), w.u.email, true); err != nil {
				t.Fatal(err)
			}
			return gGet(verifyPath, hdr("X-API-Key", w.key.APIKey))
		})},
		// What nginx's auth_request sends: the original method and headers,
		// the client's forged identity among them, and no body.
		{name: "verify.post.200-forged-identity", req: asWorld(func(_ *testing.T, _ *goldenEnv, w gateWorld) goldenReq {
			return gReq(http.MethodPost, verifyPath, hdr("X-API-Key", w.key.APIKey, "X-Gatehouse-User", "999",
				"X-Gatehouse-Email", "admin@example.org", "X-Gatehouse-Scope", "account", "X-Gatehouse-Cac", "true"), "")
		})},
		{name: "verify.get.401-no-credential", req: func(*testing.T, *goldenEnv) goldenReq { return gGet(verifyPath, nil) }},
		{name: "verify.get.401-garbage-credential", req: func(*testing.T, *goldenEnv) goldenReq {
			return gGet(verifyPath, hdr("x-access-tokens", "not-a-key"))
		}},
		{name: "verify.get.401-unknown-key", req: func(*testing.T, *goldenEnv) goldenReq {
			return gGet(verifyPath, hdr("X-API-Key", credential.NewAPIKey()))
		}},
		{name: "verify.get.401-wrong-secret", req: get(func(_ *testing.T, w gateWorld) []string {
			return hdr("Authorization", "Basic "+basicValue(w.appKey.id, "not-the-secret"))
		})},
		{name: "verify.get.401-two-credentials", req: get(func(_ *testing.T, w gateWorld) []string {
			return hdr("X-API-Key", w.key.APIKey, "Authorization", "Bearer "+w.token)
		})},
		{name: "verify.get.401-deleted-key", req: asWorld(func(t *testing.T, g *goldenEnv, w gateWorld) goldenReq {
			wantStatus(t, "verify before the delete", g.verify(t, hdr("X-API-Key", w.key.APIKey)), http.StatusOK)
			wantStatus(t, "delete", g.deleteKey(t, w.u.token, w.key.ID), http.StatusOK)
			return gGet(verifyPath, hdr("X-API-Key", w.key.APIKey))
		})},
		{name: "verify.get.403-pending-account", req: func(t *testing.T, g *goldenEnv) goldenReq {
			return gGet(verifyPath, hdr("X-API-Key", g.signup(t).key))
		}},
		{name: "verify.get.429-failed-credentials", env: newGoldenEnv(withLimits(core.Limits{
			SignupPerIP: core.Unlimited, ExchangePerIP: core.Unlimited, ExchangeFailuresPerIPAccount: core.Unlimited,
			FailuresPerIP: ratelimit.Limit{Every: time.Minute, Burst: 1},
		})), req: func(t *testing.T, g *goldenEnv) goldenReq {
			wantStatus(t, "the failure that takes the burst", g.verify(t, hdr("X-API-Key", "not-a-key")), http.StatusUnauthorized)
			return gGet(verifyPath, hdr("X-API-Key", "not-a-key"))
		}},
		{name: "verify.get.503-database-down", req: asWorld(func(t *testing.T, g *goldenEnv, w gateWorld) goldenReq {
			g.closeStore(t)
			return gGet(verifyPath, hdr("X-API-Key", w.key.APIKey))
		})},
		// Under /auth/verify/: Envoy's ext_authz appends the original path.
		{name: "verify-subpath.get.200", req: asWorld(func(_ *testing.T, _ *goldenEnv, w gateWorld) goldenReq {
			return gGet("/auth/verify/api/v1/items?id=3", hdr("X-API-Key", w.key.APIKey))
		})},
		{name: "verify-subpath.delete.401-no-credential", req: func(*testing.T, *goldenEnv) goldenReq {
			return gReq(http.MethodDelete, "/auth/verify/api/v1/items/3", nil, "")
		}},
		{name: "auth-bare.get.404", req: func(*testing.T, *goldenEnv) goldenReq { return gGet("/auth", nil) }},
		{name: "auth-unknown.post.404", req: func(*testing.T, *goldenEnv) goldenReq {
			return gPost("/auth/login", hdr("Content-Type", ctJSON), `{}`)
		}},
		{name: "verify-refused-path.get.404", req: func(*testing.T, *goldenEnv) goldenReq {
			return gGet("/auth/verify/..%2f..%2fuser/get-user-api-keys", nil)
		}},
	}
	for i := range cs {
		cs[i].surface = "gate"
	}
	return cs
}
