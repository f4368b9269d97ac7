package httpserver_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// TestAuditRequestID: an audit event written while serving a request
// carries that request's X-Request-Id and client IP, so the access log,
// the answer and the audit trail can be joined.
func TestAuditRequestID(t *testing.T) {
	e := newEnv(t)
	u := e.newUser(t)
	r := e.call(t, "POST", "/user/user-api-key", hdr("x-access-tokens", u.key, "Content-Type", ctJSON), `{"name":"audited"}`)
	if r.status != http.StatusOK {
		t.Fatalf("create key: %s", r)
	}
	evs, err := e.svc.ListAudit(t.Context(), gatehouse.AuditFilter{Type: gatehouse.AuditKeyCreate, Email: u.email})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("key.create events: %d", len(evs))
	}
	ev := evs[0]
	if ev.RequestID == "" || ev.RequestID != r.header.Get("X-Request-Id") || ev.IP != "127.0.0.1" || ev.Actor != u.email || ev.Detail != "name audited" {
		t.Fatalf("event %+v; answer's request id %q", ev, r.header.Get("X-Request-Id"))
	}
}
