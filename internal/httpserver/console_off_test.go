//go:build no_console

package httpserver_test

import (
	"net/http"
	"testing"
)

// consoleBuilt says this build serves the web console: not with no_console.
const consoleBuilt = false

// TestNoConsole: a build with the no_console tag serves no console: / and
// /console/... are the root's 404, as any unknown path.
func TestNoConsole(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/", "/console/", "/console/login", "/console/static/console.css"} {
		if r := e.call(t, "GET", path, nil, ""); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", path, r)
		}
	}
}
