// Package health answers the liveness and readiness probes every PeerPrep
// service exposes (ARCHITECTURE §3 Health): /health/live checks nothing,
// /health/ready runs the registered dependency checks concurrently, each
// bounded to one second, and turns 503 while the service drains on shutdown.
package health

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// CheckTimeout bounds each dependency check.
const CheckTimeout = time.Second

// cacheFor is how long a readiness result is reused. Probes arrive far less
// often than this from the ALB, but a flood of them must not become a flood
// of database pings.
const cacheFor = 500 * time.Millisecond

// Check reports whether one dependency is usable.
type Check func(ctx context.Context) error

// Report is the body of /health and /health/ready.
type Report struct {
	Status  string            `json:"status"`
	Service string            `json:"service"`
	Version string            `json:"version"`
	Checks  map[string]string `json:"checks"`
}

// Health holds the named checks of one service.
type Health struct {
	service, version string
	names            []string
	checks           map[string]Check
	draining         atomic.Bool
	now              func() time.Time
	log              atomic.Pointer[slog.Logger]

	mu       sync.Mutex
	cached   *Report
	cachedAt time.Time
	running  chan struct{} // closed when the in-flight run finishes
}

// New returns a Health for service at version.
func New(service, version string) *Health {
	return &Health{service: service, version: version, checks: map[string]Check{}, now: time.Now}
}

// SetLogger sets where a failing check's cause goes: the public report
// only says "error: unreachable" or "error: timeout".
func (h *Health) SetLogger(l *slog.Logger) { h.log.Store(l) }

// Add registers a named check ("database", "redis"). Call before serving.
func (h *Health) Add(name string, c Check) {
	if _, dup := h.checks[name]; !dup {
		h.names = append(h.names, name)
		sort.Strings(h.names)
	}
	h.checks[name] = c
}

// SetDraining turns readiness to 503 from now on.
func (h *Health) SetDraining() { h.draining.Store(true) }

// Draining reports whether SetDraining was called.
func (h *Health) Draining() bool { return h.draining.Load() }

// Ready runs the checks (or reuses a result younger than cacheFor) and
// reports whether the service can take traffic.
func (h *Health) Ready(ctx context.Context) (Report, bool) {
	r := h.checked(ctx)
	if h.Draining() {
		r.Status = "unhealthy"
		r.Checks = copyWith(r.Checks, "shutdown", "error: draining")
	}
	return r, r.Status == "healthy"
}

func copyWith(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

// checked returns a fresh enough report, running the checks at most once at a
// time: concurrent callers wait for the run in flight.
func (h *Health) checked(ctx context.Context) Report {
	for {
		h.mu.Lock()
		if h.cached != nil && h.now().Sub(h.cachedAt) < cacheFor {
			r := *h.cached
			h.mu.Unlock()
			return r
		}
		if wait := h.running; wait != nil {
			h.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return h.failed(ctx.Err())
			}
		}
		done := make(chan struct{})
		h.running = done
		h.mu.Unlock()

		// The run is shared by every waiter, so it must not die with this
		// caller's context.
		r := h.run(context.WithoutCancel(ctx))

		h.mu.Lock()
		h.cached, h.cachedAt, h.running = &r, h.now(), nil
		h.mu.Unlock()
		close(done)
		return r
	}
}

func (h *Health) failed(err error) Report {
	return Report{Status: "unhealthy", Service: h.service, Version: h.version, Checks: map[string]string{"probe": "error: " + short(err)}}
}

func (h *Health) run(ctx context.Context) Report {
	results := make([]string, len(h.names))
	var wg sync.WaitGroup
	for i, name := range h.names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, CheckTimeout)
			defer cancel()
			results[i] = "ok"
			if err := h.checks[name](cctx); err != nil {
				results[i] = "error: " + short(err)
				if l := h.log.Load(); l != nil {
					l.WarnContext(ctx, "readiness check failed", "check", name, "error", err.Error())
				}
			}
		}()
	}
	wg.Wait()
	r := Report{Status: "healthy", Service: h.service, Version: h.version, Checks: make(map[string]string, len(h.names))}
	for i, name := range h.names {
		r.Checks[name] = results[i]
		if results[i] != "ok" {
			r.Status = "unhealthy"
		}
	}
	return r
}

// short names a check failure without its text: the probe is public, and
// a driver's error names the database user, database and host:port. The
// text goes to the log (SetLogger).
func short(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "unreachable"
}

// Register mounts /health, /health/live and /health/ready at the root and,
// when prefix is not empty, under prefix too ("/user-service-api/health").
func (h *Health) Register(e *echo.Echo, prefix string) {
	for _, p := range uniq("", prefix) {
		e.GET(p+"/health/live", h.live)
		e.GET(p+"/health/ready", h.ready)
		e.GET(p+"/health", h.ready)
	}
}

func uniq(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

var aliveBody = []byte(`{"status":"alive"}` + "\n")

func (h *Health) live(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, aliveBody)
}

func (h *Health) ready(c echo.Context) error {
	r, ok := h.Ready(c.Request().Context())
	c.Response().Header().Set("Cache-Control", "no-store")
	if !ok {
		return c.JSON(http.StatusServiceUnavailable, r)
	}
	return c.JSON(http.StatusOK, r)
}
