package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gcheadroom"
	"github.com/gatehouse/gatehouse/internal/httpserver"
	"github.com/gatehouse/gatehouse/internal/metrics"
)

// runServe serves until ctx ends (SIGINT/SIGTERM), then lets in-flight
// requests finish, writes the access-log lines still buffered, and returns
// nil. --shutdown-grace bounds the two together.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, _, err := parse("serve", args, getenv)
	if err != nil {
		return err
	}
	// The access log writes its lines to stderr itself, a batch at a time
	// and in the logger's format, from its own goroutine: one lock keeps
	// its writes and the logger's whole.
	stderr = &syncWriter{w: stderr}
	log := newLogger(cfg, stderr)
	proxies, _ := cfg.Proxies()
	mets := metrics.New()
	svc, store, err := newServiceOn(ctx, cfg, log, mets.Store)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := svc.CheckMasterKey(ctx); err != nil {
		return cliError(err, cfg)
	}

	tlsCfg, err := serverTLS(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	handler := httpserver.NewServer(log, svc, httpserver.Options{
		TrustedProxies: proxies,
		AccessLog:      httpserver.AccessLogOutput{Writer: stderr, Format: cfg.LogFormat},
		Metrics:        mets,
		ServeMetrics:   cfg.MetricsAddr == "",
	})
	mets.Watch(metrics.Sources{Service: svc, Store: store, DroppedAccessLines: handler.DroppedAccessLines})
	srv := newHTTPServer(cfg, handler)

	bgCtx, stopBg := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := svc.Run(bgCtx); err != nil {
			log.Error("background work stopped", "err", err)
		}
	})

	// The GC's heap target at least gcHeadroom above the live heap
	// (internal/gcheadroom), unless the operator set GOGC: the runtime
	// reads the process's own environment, so this does too.
	gcTuned := os.Getenv("GOGC") == ""
	if gcTuned {
		wg.Go(func() { gcheadroom.Run(bgCtx, gcHeadroom) })
	}

	if cfg.DebugAddr != "" {
		dbg, err := startDebug(cfg.DebugAddr)
		if err != nil {
			stopBg()
			wg.Wait()
			ln.Close()
			return err
		}
		defer dbg.Close()
		log.Info("profiler listening", "addr", dbg.addr)
	}
	if cfg.MetricsAddr != "" {
		ms, err := startSide(cfg.MetricsAddr, "metrics-addr", "/metrics", mets.Handler())
		if err != nil {
			stopBg()
			wg.Wait()
			ln.Close()
			return err
		}
		defer ms.Close()
		log.Info("metrics listening", "addr", ms.addr)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "tls", tlsCfg != nil, "clientCA", cfg.ClientCA != "", "llm", cfg.LLMURL != "", "db", config.RedactDB(cfg.DBURL()), "version", version(), "openSignup", cfg.OpenSignup, "gcHeadroom", gcTuned)

	signalled := false
	select {
	case err = <-errc:
	case <-ctx.Done():
		signalled = true
		log.Info("shutting down")
	}
	// The grace counts from here. In-flight requests finish (after a
	// signal), then the access log's last lines are written, before
	// anything else is ("stopped" included).
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if signalled {
		err = srv.Shutdown(sctx)
	}
	if cerr := handler.Close(sctx); cerr != nil {
		log.Warn("access log lines still buffered at the end of the shutdown grace", "err", cerr)
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

// newHTTPServer is the public server with its limits (README, "HTTP
// server limits"; TestServeLimits): a client that sends its header slowly,
// its body slowly or never reads the answer is cut off, and a header over
// 64 KiB is refused (431) before any handler runs.
func newHTTPServer(cfg config.Config, h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.LLMTimeout + 30*time.Second, // /server/query waits on the model server
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
}

// gcHeadroom is how far the heap may grow past its live bytes before a
// collection, while the live heap is small (internal/gcheadroom).
const gcHeadroom = 64 << 20

// debugServer serves Go's profiler (net/http/pprof) on its own listener,
// never on the public one: a profile shows no secret, but it costs CPU on
// demand and tells an attacker much about the process.
type debugServer struct {
	srv  *http.Server
	addr string
}

func startDebug(addr string) (*debugServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	d := &debugServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, addr: ln.Addr().String()}
	go d.srv.Serve(ln)
	return d, nil
}

func (d *debugServer) Close() error { return d.srv.Close() }

// startSide serves h at path on a listener of its own (--metrics-addr).
func startSide(addr, flag, path string, h http.Handler) (*debugServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+path, h)
	d := &debugServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, addr: ln.Addr().String()}
	go d.srv.Serve(ln)
	return d, nil
}

// serverTLS builds the TLS configuration, or nil to serve plain HTTP. With a
// client CA, client certificates are requested and, when given, verified
// against it; a connection without one still works (API keys and tokens
// authenticate), it just is not CAC-authenticated.
func serverTLS(cfg config.Config) (*tls.Config, error) {
	if cfg.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	c := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if cfg.ClientCA != "" {
		pem, err := os.ReadFile(cfg.ClientCA)
		if err != nil {
			return nil, fmt.Errorf("client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("client-ca: %s holds no PEM certificate", cfg.ClientCA)
		}
		c.ClientCAs = pool
		c.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return c, nil
}

// syncWriter serializes the writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
