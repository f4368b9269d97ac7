package openapi

import (
	_ "embed"
	"net/http"
	"strconv"
)

//go:embed openapi.json
var document []byte

// JSON returns the OpenAPI 3.1 document. The slice is shared: callers must
// not modify it.
func JSON() []byte { return document }

// Handler serves the document as application/json. It changes only with
// the binary, so caches may keep it for a few minutes (public, max-age=300)
// and a client sees an upgrade's contract soon after. HEAD gets the
// headers alone.
func Handler() http.Handler {
	length := strconv.Itoa(len(document))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("Content-Length", length)
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(document)
		}
	})
}
