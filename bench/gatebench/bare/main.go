// Command bare is the benchmark's limit: a plain net/http server that
// answers every request, whatever its method, path, headers or body, with
// the tiny JSON {"ok":true}. gatebench drives it with exactly the requests
// it sends gatehouse, so the ratio of the two is what gatehouse costs over
// Go's HTTP stack on the same machine.
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/gatehouse/gatehouse/bench/gatebench/benchserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	flag.Parse()
	body := []byte(`{"ok":true}`)
	log.Fatal(benchserver.Serve(*addr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		w.Write(body)
	}), ""))
}
