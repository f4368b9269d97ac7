package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// healthcheckURL is what "gatehouse healthcheck" asks by default: the
// liveness answer of a server listening on port 8080, as the container
// image runs it.
const healthcheckURL = "http://127.0.0.1:8080/healthz"

// healthcheckTimeout bounds the whole probe, connecting included.
const healthcheckTimeout = 2 * time.Second

// healthcheckFlags is the flag set of healthcheck: its own --url, and none
// of the settings, since it opens no store and reads no environment.
func healthcheckFlags(o *opts) *flag.FlagSet {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.StringVar(&o.url, "url", healthcheckURL, "the `URL` to GET")
	return fs
}

// runHealthcheck asks a running server whether it serves: it succeeds,
// printing nothing, when the URL answers 200, and fails (exit 1) on
// anything else. It exists for the container's HEALTHCHECK: the distroless
// image has no shell and no curl, so the binary probes itself.
func runHealthcheck(ctx context.Context, args []string, getenv func(string) string) error {
	_, o, _, err := parse("healthcheck", args, getenv)
	if err != nil {
		return err
	}
	return probe(ctx, o.url, healthcheckTimeout)
}

// probe GETs url within timeout and returns nil only for a 200. Redirects
// are not followed (a 3xx is not healthy), and no proxy is used: the
// probe is about this host's server.
func probe(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	client := &http.Client{
		Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s: %s", url, resp.Status)
	}
	return nil
}
