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
