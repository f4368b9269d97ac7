// Command bare is the benchmark's limit: a plain net/http server that
// answers every request, whatever its method, path, headers or body, with
// the tiny JSON {"ok":true}. gatebench drives it with exactly the requests
// it sends gatehouse, so the ratio of the two is what gatehouse costs over
// Go's HTTP stack on the same machine.
//
// With -answer it is the same-answer reference instead: it answers every
// request with the status, headers and body of an answer gatehouse gave
// (recorded by gatebench's precheck), so that the ratio of gatehouse to it
// is what gatehouse's own work costs beyond what net/http charges for
// writing that answer (its header fields above all: an /auth/verify
// answer carries eight).
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"os"

	"github.com/gatehouse/gatehouse/bench/gatebench/benchserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	answer := flag.String("answer", "", "a JSON file of the answer to give every request (status, headers, body); default {\"ok\":true}")
	flag.Parse()
	if *answer == "" {
		body := []byte(`{"ok":true}`)
		log.Fatal(benchserver.Serve(*addr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header()["Content-Type"] = []string{"application/json"}
			w.Write(body)
		}), ""))
	}
	raw, err := os.ReadFile(*answer)
	if err != nil {
		log.Fatal(err)
	}
	var a benchserver.Answer
	if err := json.Unmarshal(raw, &a); err != nil {
		log.Fatalf("%s: %v", *answer, err)
	}
	log.Fatal(benchserver.Serve(*addr, a.Handler(), " (same answer)"))
}
