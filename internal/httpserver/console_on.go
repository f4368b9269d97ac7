//go:build !no_console

package httpserver

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/api/console"
	"github.com/gatehouse/gatehouse/internal/core"
)

// addConsole serves the web console under /console/, and sends / there.
func addConsole(mux *routeTable, log *slog.Logger, svc *core.Service) {
	mux.Handle(console.Prefix, console.New(svc, log))
	mux.Handle("GET /{$}", http.RedirectHandler(console.Prefix, http.StatusFound))
}
