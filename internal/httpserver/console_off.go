//go:build no_console

package httpserver

import (
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/core"
)

// addConsole serves nothing in a build without the console: /console/ is
// the root's 404, as any unknown path.
func addConsole(*routeTable, *slog.Logger, *core.Service) {}
