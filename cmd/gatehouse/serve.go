package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/httpserver"
)

// runServe serves until ctx ends (SIGINT/SIGTERM), then lets in-flight
// requests finish and returns nil.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := config.Default()
	fs := config.FlagSet("serve", &cfg, getenv, true)
	if _, err := parse(fs, &cfg, args, stderr); err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if _, err := loadMasterKey(cfg); err != nil {
		return err
	}
	proxies, _ := cfg.Proxies()
	svc, store, err := newService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           httpserver.NewServer(log, svc, httpserver.Options{TrustedProxies: proxies}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}

	bgCtx, stopBg := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := svc.Run(bgCtx); err != nil {
			log.Error("background work stopped", "err", err)
		}
	})

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "db", redactURL(cfg.DBURL()), "version", gatehouse.Version, "openSignup", cfg.OpenSignup)

	select {
	case err = <-errc:
	case <-ctx.Done():
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
		err = srv.Shutdown(sctx)
		cancel()
	}
	stopBg()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err == nil {
		log.Info("stopped")
	}
	return err
}
