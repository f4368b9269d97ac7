package httpserver

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/api/asksage"
	"github.com/gatehouse/gatehouse/internal/api/gate"
	"github.com/gatehouse/gatehouse/internal/api/sumtyme"
	"github.com/gatehouse/gatehouse/internal/api/sunshine"
	"github.com/gatehouse/gatehouse/internal/apierror"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpio"
	"github.com/gatehouse/gatehouse/internal/openapi"
)

// addRoutes is the one place every path of every surface is listed. Each
// path without its method pattern answers 405 in its dialect's envelope.
func addRoutes(mux *routeTable, log *slog.Logger, svc *core.Service, notFound func(surface string) http.Handler) {
	// Operations.
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(svc))
	mux.Handle("GET /openapi.json", openapi.Handler())

	// sumtyme.
	mux.Handle("POST /signup", sumtyme.HandleSignup(svc, log))
	mux.Handle("/signup", sumtyme.Errors.MethodNotAllowed(http.MethodPost))
	mux.Handle("/signup/", notFound("signup"))

	// Ask Sage User API.
	user := logPrincipal(asksage.Authenticate(svc, log))
	mux.Handle("POST /user/get-token-with-api-key", asksage.HandleTokenExchange(svc, log))
	type route struct {
		methods []string
		h       http.Handler
	}
	authed := map[string]route{
		"/user/get-user-logins":               {[]string{"POST"}, asksage.HandleLoginsList(svc, log)},
		"/user/get-user-api-keys":             {[]string{"POST"}, asksage.HandleKeysList(svc, log)},
		"/user/get-user-logs":                 {[]string{"POST"}, asksage.HandlePromptLogsList(svc, log)},
		"/user/add-dataset":                   {[]string{"POST"}, asksage.HandleDatasetAdd(svc, log)},
		"/user/delete-dataset":                {[]string{"POST"}, asksage.HandleDatasetDelete(svc, log)},
		"/user/assign-dataset":                {[]string{"POST"}, asksage.HandleDatasetShare(svc, log)},
		"/user/update-permission-dataset":     {[]string{"POST"}, asksage.HandleDatasetShare(svc, log)},
		"/user/deassign-dataset":              {[]string{"POST"}, asksage.HandleDatasetUnshare(svc, log)},
		"/user/get-datasets-with-permissions": {[]string{"POST", "GET"}, asksage.HandleDatasetsList(svc, log)},
		"/user/get-chats":                     {[]string{"POST"}, asksage.HandleChatsList(svc, log)},
		"/user/get-chat-session":              {[]string{"POST"}, asksage.HandleChatGet(svc, log)},
		"/user/delete-chat-session":           {[]string{"POST"}, asksage.HandleChatDelete(svc, log)},
		"/user/create-chat-session":           {[]string{"POST"}, asksage.HandleChatCreate(svc, log)},
		"/user/append-chat":                   {[]string{"POST"}, asksage.HandleChatAppend(svc, log)},
		"/server/query":                       {[]string{"POST"}, asksage.HandleQuery(svc, log)},
		"/server/get-models":                  {[]string{"POST", "GET"}, asksage.HandleModels(svc, log)},
		"/server/get-datasets":                {[]string{"POST", "GET"}, asksage.HandleServerDatasets(svc, log)},
		"/user/get-account-keys":              {[]string{"POST"}, asksage.HandleAccountKeysList(svc, log)},
	}
	for path, rt := range authed {
		for _, m := range rt.methods {
			mux.Handle(m+" "+path, user(rt.h))
		}
		mux.Handle(path, asksage.Errors.MethodNotAllowed(strings.Join(rt.methods, ", ")))
	}
	mux.Handle("POST /user/user-api-key", user(asksage.HandleKeyCreate(svc, log)))
	mux.Handle("DELETE /user/user-api-key", user(asksage.HandleKeyDelete(svc, log)))
	mux.Handle("/user/user-api-key", asksage.Errors.MethodNotAllowed("POST, DELETE"))
	mux.Handle("POST /user/account-keys", user(asksage.HandleAccountKeyCreate(svc, log)))
	mux.Handle("DELETE /user/account-keys", user(asksage.HandleAccountKeyDelete(svc, log)))
	mux.Handle("/user/account-keys", asksage.Errors.MethodNotAllowed("POST, DELETE"))
	mux.Handle("/user/get-token-with-api-key", asksage.Errors.MethodNotAllowed("POST"))
	mux.Handle("/server/", notFound("server"))
	mux.Handle("/server", notFound("server"))
	mux.Handle("/user/", notFound("user"))
	mux.Handle("/user", notFound("user"))

	// Sunshine Conversations v2: apps and app keys.
	v2 := logPrincipal(sunshine.Authenticate(svc, log))
	mux.Handle("POST /v2/apps", v2(sunshine.HandleAppsCreate(svc, log)))
	mux.Handle("GET /v2/apps", v2(sunshine.HandleAppsList(svc, log)))
	mux.Handle("/v2/apps", sunshine.Errors.MethodNotAllowed("GET, POST"))
	mux.Handle("GET /v2/apps/{appId}", v2(sunshine.HandleAppsGet(svc, log)))
	mux.Handle("PATCH /v2/apps/{appId}", v2(sunshine.HandleAppsUpdate(svc, log)))
	mux.Handle("DELETE /v2/apps/{appId}", v2(sunshine.HandleAppsDelete(svc, log)))
	mux.Handle("/v2/apps/{appId}", sunshine.Errors.MethodNotAllowed("GET, PATCH, DELETE"))
	mux.Handle("POST /v2/apps/{appId}/keys", v2(sunshine.HandleKeysCreate(svc, log)))
	mux.Handle("GET /v2/apps/{appId}/keys", v2(sunshine.HandleKeysList(svc, log)))
	mux.Handle("/v2/apps/{appId}/keys", sunshine.Errors.MethodNotAllowed("GET, POST"))
	mux.Handle("GET /v2/apps/{appId}/keys/{keyId}", v2(sunshine.HandleKeysGet(svc, log)))
	mux.Handle("DELETE /v2/apps/{appId}/keys/{keyId}", v2(sunshine.HandleKeysDelete(svc, log)))
	mux.Handle("/v2/apps/{appId}/keys/{keyId}", sunshine.Errors.MethodNotAllowed("GET, DELETE"))
	mux.Handle("/v2/", notFound("v2"))
	mux.Handle("/v2", notFound("v2"))

	// The gate (forward auth): any method, and any path below it (Envoy's
	// ext_authz appends the original path); the rest of /auth/ is its 404.
	verify := gate.Handler(svc, log, notePrincipal)
	mux.Handle("/auth/verify", verify)
	mux.Handle("/auth/verify/", verify)
	mux.Handle("/auth/", notFound("auth"))
	mux.Handle("/auth", notFound("auth"))

	// The web console (console_on.go; left out by the no_console tag).
	addConsole(mux, log, svc)

	mux.Handle("/", notFound(""))
}

// rootErrors answers what no surface serves: {"error": ...}.
var rootErrors = &apierror.Surface{
	Codes: map[string]apierror.Words{
		gatehouse.ENOTFOUND: {Text: "not found"},
		gatehouse.EINTERNAL: {Text: "internal error"},
	},
	Render: func(w http.ResponseWriter, status int, _, text string) {
		httpio.JSON(w, status, map[string]string{"error": text})
	},
}

// errorsOf returns the error table of a path's first segment (see
// surfaceOf): each surface's own, and the root's for the rest. Unknown
// paths, refused paths and panics all answer in it, so a refused path
// answers exactly as an unknown one, and a panic in the envelope its client
// reads.
func errorsOf(surface string) *apierror.Surface {
	switch surface {
	case "user", "server":
		return asksage.Errors
	case "v2":
		return sunshine.Errors
	case "signup":
		return sumtyme.Errors
	case "auth":
		return gate.Errors
	}
	return rootErrors
}

// notFoundBySurface returns the answer to a path no route serves, by the
// path's first segment. The catch-all routes above and the paths
// routeAsSent refuses share these handlers.
func notFoundBySurface(log *slog.Logger) func(surface string) http.Handler {
	bySurface := map[*apierror.Surface]http.Handler{}
	for _, s := range []*apierror.Surface{asksage.Errors, sunshine.Errors, sumtyme.Errors, gate.Errors, rootErrors} {
		bySurface[s] = s.NotFound(log)
	}
	return func(surface string) http.Handler { return bySurface[errorsOf(surface)] }
}
