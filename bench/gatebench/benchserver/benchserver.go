// Package benchserver is the HTTP server of gatebench's reference programs,
// the bare handler and the one-SELECT reference: one listener, the line
// gatebench waits for, and gatehouse's own server limits.
package benchserver

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// Serve listens on addr, prints "listening ADDR" and what follows it
// (note) on stdout, and serves h until it fails. gatebench waits for that
// line, so it never measures another process that happens to hold the
// port. The timeouts and header limit are gatehouse's own
// (cmd/gatehouse/serve.go), so every server of a run treats a connection
// alike.
func Serve(addr string, h http.Handler, note string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "listening %s%s\n", ln.Addr(), note)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	return srv.Serve(ln)
}

// Answer is an answer recorded from gatehouse, as the bare handler's
// -answer file holds it (JSON): the same-answer reference gives it to every
// request.
type Answer struct {
	Status int `json:"status"`
	// Headers are the answer's header fields in the order received, names
	// canonical; never Date or Content-Length, which net/http writes itself
	// for gatehouse and the reference alike.
	Headers [][2]string `json:"headers"`
	Body    string      `json:"body"`
}

// Handler gives every request the answer a. The header values are made
// once and shared by every answer (net/http never writes into them): each
// answer only sets its map entries, one per field, in the map net/http
// gives it, as the fastest handler would.
func (a Answer) Handler() http.Handler {
	type field struct {
		name string
		vals []string
	}
	var fields []field
	for _, kv := range a.Headers {
		if n := len(fields); n > 0 && fields[n-1].name == kv[0] {
			fields[n-1].vals = append(fields[n-1].vals, kv[1])
		} else {
			fields = append(fields, field{kv[0], []string{kv[1]}})
		}
	}
	body := []byte(a.Body)
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		for _, f := range fields {
			h[f.name] = f.vals
		}
		w.WriteHeader(a.Status)
		if len(body) > 0 {
			w.Write(body)
		}
	})
}
