package httpserver

import (
	"context"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// handleHealthz answers 200 while the process serves, with the bytes
// httpio.JSON would write for {"status": "ok"} (the golden file
// root/healthz.get.200 pins them), written as they are: it is the
// cheapest answer there is, and a proxy may ask it often.
func handleHealthz() http.Handler {
	body := []byte(`{"status":"ok"}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpio.StartJSON(w, http.StatusOK)
		w.Write(body)
	})
}

// handleReadyz answers 200 when the database answers within a second, 503
// otherwise.
func handleReadyz(svc *core.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := svc.Ready(ctx); err != nil {
			w.Header().Set("Retry-After", "1")
			httpio.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
			return
		}
		httpio.JSON(w, http.StatusOK, map[string]string{"status": "ok", "database": "ok"})
	})
}
