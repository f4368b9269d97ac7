// Command bare is the benchmark's limit: a plain net/http server that
// answers every request, whatever its method, path, headers or body, with
// the tiny JSON {"ok":true}. gatebench drives it with exactly the requests
// it sends gatehouse, so the ratio of the two is what gatehouse costs over
// Go's HTTP stack on the same machine.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	// gatebench waits for this line, so it never measures another process
	// that happens to hold the port.
	fmt.Fprintf(os.Stdout, "listening %s\n", ln.Addr())
	body := []byte(`{"ok":true}`)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header()["Content-Type"] = []string{"application/json"}
			w.Write(body)
		}),
		// gatehouse's own server timeouts (cmd/gatehouse/serve.go), so
		// both servers treat a connection alike.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	log.Fatal(srv.Serve(ln))
}
