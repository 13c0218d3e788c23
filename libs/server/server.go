// Package server builds the echo instance every PeerPrep service runs:
// request ids, a JSON access log that never prints secrets, panic recovery,
// body limits, CORS, security headers, strict JSON binding with validation,
// the single error handler that writes the error shape of ARCHITECTURE §3,
// and Serve with the SIGTERM drain sequence.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/peerprep/peerprep/libs/health"
	"github.com/peerprep/peerprep/libs/httperr"
)

// Options configures a Server. Zero values take the defaults named.
type Options struct {
	Service     string // "user-service"
	Prefix      string // "/user-service-api"; health routes answer here too
	Logger      *slog.Logger
	Health      *health.Health
	BodyLimit   int64    // bytes, default 1 MiB
	CORSOrigins []string // allowed browser origins; none means no CORS headers
	HSTS        bool     // send Strict-Transport-Security (behind TLS)

	// MapError turns a service's domain errors into API errors. It returns
	// nil for errors it does not know; those become a generic 500.
	MapError func(error) *httperr.Error

	ShutdownDrain   time.Duration // readiness 503 but still serving; 0 = none (config.Base defaults it to 5 s)
	ShutdownTimeout time.Duration // in-flight requests and hooks, default 15s
	ReadTimeout     time.Duration // default 30s; negative means none (WebSocket services clear deadlines per connection)
}

// Server is one service's HTTP server.
type Server struct {
	Echo *echo.Echo
	opts Options
	log  *slog.Logger

	mu    sync.Mutex
	hooks []func(context.Context)
}

// New returns a Server with the shared middleware installed and the health
// routes registered.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.BodyLimit <= 0 {
		o.BodyLimit = 1 << 20
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 15 * time.Second
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = 30 * time.Second
	}
	if o.Health == nil {
		o.Health = health.New(o.Service, "")
	}
	o.Health.SetLogger(o.Logger)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Logger.SetOutput(discard{})
	s := &Server{Echo: e, opts: o, log: o.Logger}
	// The client address is the right-most X-Forwarded-For entry that is not
	// a trusted proxy (loopback and private ranges: the ALB lives there), so
	// a client cannot pick its own address by sending the header.
	e.IPExtractor = echo.ExtractIPFromXFFHeader()
	e.HTTPErrorHandler = s.handleError
	e.Validator = newValidator()

	e.Use(s.requestID, s.accessLog, s.recoverPanic, s.bodyLimit, s.securityHeaders)
	if len(o.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:     o.CORSOrigins,
			AllowMethods:     []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions},
			AllowHeaders:     []string{"Authorization", "Content-Type", "If-None-Match", "X-Request-ID"},
			ExposeHeaders:    []string{"ETag", "Retry-After", "X-Request-ID"},
			AllowCredentials: true,
			MaxAge:           600,
		}))
	}
	o.Health.Register(e, o.Prefix)
	return s
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Health returns the server's health registry.
func (s *Server) Health() *health.Health { return s.opts.Health }

// OnShutdown registers fn to run when the server stops accepting requests,
// e.g. to close WebSockets with code 1012. fn must return when ctx is done.
func (s *Server) OnShutdown(fn func(ctx context.Context)) {
	s.mu.Lock()
	s.hooks = append(s.hooks, fn)
	s.mu.Unlock()
}

// Listen opens a TCP listener on addr (":8000", "127.0.0.1:0").
func Listen(addr string) (net.Listener, error) {
	var lc net.ListenConfig
	return lc.Listen(context.Background(), "tcp", addr)
}

// Serve serves on ln until ctx is cancelled (main cancels it on SIGTERM),
// then drains: readiness turns 503 at once, requests are still served for
// ShutdownDrain so the load balancer stops routing here, then the listener
// closes, in-flight requests finish and shutdown hooks run, all within
// ShutdownTimeout. A clean stop returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Echo,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	if s.opts.ReadTimeout > 0 {
		srv.ReadTimeout = s.opts.ReadTimeout
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("listening", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	s.opts.Health.SetDraining()
	s.log.Info("draining", "delay", s.opts.ShutdownDrain.String())
	if s.opts.ShutdownDrain > 0 {
		time.Sleep(s.opts.ShutdownDrain)
	}

	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	s.mu.Lock()
	for _, fn := range s.hooks {
		wg.Add(1)
		go func() { defer wg.Done(); fn(sctx) }()
	}
	s.mu.Unlock()
	err := srv.Shutdown(sctx)
	wg.Wait()
	if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	s.log.Info("stopped")
	return nil
}
