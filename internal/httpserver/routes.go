package httpserver

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/api/asksage"
	"github.com/gatehouse/gatehouse/internal/api/sumtyme"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// addRoutes is the one place every path of every surface is listed. Each
// path without its method pattern answers 405 in its dialect's envelope.
func addRoutes(mux *http.ServeMux, log *slog.Logger, svc *core.Service) {
	// Operations.
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(svc))

	// sumtyme.
	mux.Handle("POST /signup", sumtyme.HandleSignup(svc, log))
	mux.Handle("/signup", sumtyme.HandleMethodNotAllowed())

	// Ask Sage User API.
	user := asksage.Authenticate(svc, log)
	mux.Handle("POST /user/get-token-with-api-key", asksage.HandleTokenExchange(svc, log))
	mux.Handle("POST /user/get-user-logins", user(asksage.HandleLoginsList(svc, log)))
	mux.Handle("POST /user/get-user-api-keys", user(asksage.HandleKeysList(svc, log)))
	mux.Handle("POST /user/user-api-key", user(asksage.HandleKeyCreate(svc, log)))
	mux.Handle("DELETE /user/user-api-key", user(asksage.HandleKeyDelete(svc, log)))
	for path, allow := range map[string]string{
		"/user/get-token-with-api-key": "POST",
		"/user/get-user-logins":        "POST",
		"/user/get-user-api-keys":      "POST",
		"/user/user-api-key":           "POST, DELETE",
	} {
		mux.Handle(path, asksage.HandleMethodNotAllowed(allow))
	}
	mux.Handle("/user/", asksage.HandleNotFound(log))
	mux.Handle("/user", asksage.HandleNotFound(log))

	mux.Handle("/", handleNotFound())
}

func handleNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpio.JSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
	})
}
