package httpserver_test

import (
	"net/http"
	"testing"
)

// rootGoldenCases pin the operations endpoints and the answer to a path of
// no surface.
func rootGoldenCases() []goldenCase {
	cs := []goldenCase{
		{name: "healthz.get.200", req: func(*testing.T, *goldenEnv) goldenReq { return gGet("/healthz", nil) }},
		{name: "readyz.get.200", req: func(*testing.T, *goldenEnv) goldenReq { return gGet("/readyz", nil) }},
		{name: "readyz.get.503-database-down", req: func(t *testing.T, g *goldenEnv) goldenReq {
			g.closeStore(t)
			return gGet("/readyz", nil)
		}},
		// "GET /healthz" serves GET (and HEAD) only; another method falls to
		// the root's catch-all.
		// The contract document: its headers (HEAD, served by the GET
		// route). Its body is openapi.json itself, which TestOpenAPI
		// validates and checks answers against.
		{name: "openapi.head.200", req: func(*testing.T, *goldenEnv) goldenReq {
			return gReq(http.MethodHead, "/openapi.json", nil, "")
		}},
		{name: "healthz.post.404", req: func(*testing.T, *goldenEnv) goldenReq {
			return gPost("/healthz", hdr("Content-Type", ctJSON), `{}`)
		}},
		{name: "unknown-path.get.404", req: func(*testing.T, *goldenEnv) goldenReq { return gGet("/nope", nil) }},
		// A path that hides structure is refused with the 404 of the surface
		// its first segment names (here none).
		{name: "refused-path.get.404", req: func(*testing.T, *goldenEnv) goldenReq {
			return gReq(http.MethodGet, "/healthz/..%2fuser/user-api-key", nil, "")
		}},
	}
	// The one redirect: / to the web console. A build without it answers /
	// with the root's 404 (TestNoConsole).
	root := goldenCase{name: "root.get.302", req: func(*testing.T, *goldenEnv) goldenReq { return gGet("/", nil) }}
	if !consoleBuilt {
		root.notBuilt = "built with no_console: / is the root's 404 (TestNoConsole)"
	}
	cs = append(cs, root)
	for i := range cs {
		cs[i].surface = "root"
	}
	return cs
}
