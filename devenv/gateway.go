package devenv

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Gateway is the local stand-in for the ALB (public: internal routes are
// answered 404, paths no prefix claims go to the default route, the web
// app) or, with Public false, for Cloud Map between services (internal
// routes pass; the web app is not there).
// Routes are the prefixes and priorities of deploy/services.yaml; each
// prefix round-robins over its instances that pass /health/ready.
//
// A request that never reached an instance (the connection was refused: it
// had stopped or was restarting) is sent to the next healthy one, whatever
// its method; the ALB achieves the same by
// deregistering a task before ECS stops it. Bodies up to maxReplayBody are
// buffered for that; larger ones are streamed and not retried.
type Gateway struct {
	Public bool
	// OnUnreached, when set, hears of every request that could not be
	// delivered to an instance (and was offered to the next one).
	OnUnreached func(instance string, err error)
	pools       []*pool // by listener priority
	fallback    *pool   // the default route (public only); nil: 404
	interval    time.Duration
}

type pool struct {
	prefix   string
	priority int
	backends []*backend
	next     atomic.Uint64
}

type backend struct {
	base    string
	proxy   *httputil.ReverseProxy
	healthy atomic.Bool
}

// NewGateway routes each service's prefix to its instances' base URLs.
func NewGateway(public bool, instances map[string][]string, svcs []Service) *Gateway {
	// Like the ALB, keep connections to the instances open: the default
	// two idle connections per host would mean a new connection for most
	// requests under load, and ports stuck in TIME_WAIT.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 1024
	tr.MaxIdleConnsPerHost = 256
	g := &Gateway{Public: public, interval: 2 * time.Second}
	for _, s := range svcs {
		if s.Default && !public {
			continue
		}
		p := &pool{prefix: s.Prefix, priority: s.Priority}
		for _, base := range instances[s.Name] {
			u, err := url.Parse(base)
			if err != nil {
				continue
			}
			b := &backend{base: base}
			b.proxy = &httputil.ReverseProxy{
				Rewrite: func(r *httputil.ProxyRequest) {
					r.SetURL(u)
					r.SetXForwarded()
				},
				Transport:     tr,
				FlushInterval: -1, // stream, as the ALB does
				ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
					if !unreached(err) {
						writeGatewayError(w, http.StatusBadGateway, "bad_gateway", "the service instance did not answer")
						return
					}
					if errors.Is(err, syscall.ECONNREFUSED) {
						b.healthy.Store(false) // until the next check says otherwise
					}
					if g.OnUnreached != nil {
						g.OnUnreached(base, err)
					}
					if a, ok := r.Context().Value(attemptKey{}).(*attempt); ok {
						a.failed = true // ServeHTTP tries the next instance
						return
					}
					writeGatewayError(w, http.StatusBadGateway, "bad_gateway", "the service instance did not answer")
				},
			}
			b.healthy.Store(true) // until the first check says otherwise
			p.backends = append(p.backends, b)
		}
		if s.Default {
			g.fallback = p
			continue
		}
		g.pools = append(g.pools, p)
	}
	slices.SortFunc(g.pools, func(a, b *pool) int { return a.priority - b.priority })
	return g
}

// isInternal matches the ALB's /*/internal/* rule.
func isInternal(path string) bool {
	parts := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 3)
	return len(parts) == 3 && parts[1] == "internal"
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.Public && isInternal(r.URL.Path) {
		writeGatewayError(w, http.StatusNotFound, "not_found", "not found")
		return
	}
	for _, p := range g.pools {
		if r.URL.Path != p.prefix && !strings.HasPrefix(r.URL.Path, p.prefix+"/") {
			continue
		}
		g.forward(w, r, p)
		return
	}
	if g.fallback == nil {
		writeGatewayError(w, http.StatusNotFound, "not_found", "no service has this prefix")
		return
	}
	g.forward(w, r, g.fallback)
}

// maxReplayBody is the largest request body buffered so that a request can
// be retried on another instance: the services' own limit.
const maxReplayBody = 1 << 20

// maxAttempts bounds the instances one request is offered to.
const maxAttempts = 3

// attempt is how the proxy's error handler tells forward that the request
// never reached the instance.
type attempt struct{ failed bool }

type attemptKey struct{}

// forward proxies r to a healthy instance of p, moving on to the next one
// while the request did not reach an instance.
func (g *Gateway) forward(w http.ResponseWriter, r *http.Request, p *pool) {
	var body []byte
	replayable := r.Body == nil || r.Body == http.NoBody || (r.ContentLength >= 0 && r.ContentLength <= maxReplayBody)
	if replayable && r.Body != nil && r.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxReplayBody+1))
		if err != nil {
			writeGatewayError(w, http.StatusBadRequest, "bad_request", "the request body could not be read")
			return
		}
		if len(body) > maxReplayBody { // a lying Content-Length: let the service refuse it
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
			replayable = false
		}
	}
	for i := range maxAttempts {
		b := p.pick()
		if b == nil {
			writeGatewayError(w, http.StatusServiceUnavailable, "unavailable", "no healthy instance of this service")
			return
		}
		if !replayable || i == maxAttempts-1 {
			b.proxy.ServeHTTP(w, r)
			return
		}
		a := &attempt{}
		rr := r.WithContext(context.WithValue(r.Context(), attemptKey{}, a))
		if body != nil {
			rr.Body = io.NopCloser(bytes.NewReader(body))
			rr.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		b.proxy.ServeHTTP(w, rr)
		if !a.failed {
			return
		}
	}
}

// unreached reports whether err means the request never got to the
// instance: dialing it failed. (A reset after the request was written is
// not: the instance may have acted on it.)
func unreached(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// Healthy reports whether the gateway currently routes to the instance at base.
func (g *Gateway) Healthy(base string) bool {
	for _, p := range g.all() {
		for _, b := range p.backends {
			if b.base == base {
				return b.healthy.Load()
			}
		}
	}
	return false
}

// all is every pool, the default route's included.
func (g *Gateway) all() []*pool {
	if g.fallback == nil {
		return g.pools
	}
	return append(slices.Clip(g.pools), g.fallback)
}

// pick is round robin over healthy instances.
func (p *pool) pick() *backend {
	n := uint64(len(p.backends))
	// One counter step per request, then a scan from there: stepping the
	// shared counter per candidate would let concurrent requests skip
	// the one healthy instance between them.
	start := p.next.Add(1) - 1
	for i := range n {
		if b := p.backends[(start+i)%n]; b.healthy.Load() {
			return b
		}
	}
	return nil
}

// CheckHealth probes every instance's /health/ready every interval, and
// the instances it does not route to eight times as often, so one that
// starts (or restarts) gets traffic within a fraction of the interval,
// while one that stops being ready is still noticed within it. It runs
// until ctx ends.
func (g *Gateway) CheckHealth(ctx context.Context) {
	client := &http.Client{Timeout: time.Second}
	check := func(all bool) {
		var wg sync.WaitGroup
		for _, p := range g.all() {
			for _, b := range p.backends {
				if !all && b.healthy.Load() {
					continue
				}
				wg.Go(func() {
					resp, err := client.Get(b.base + "/health/ready")
					ok := err == nil && resp.StatusCode == http.StatusOK
					if err == nil {
						resp.Body.Close()
					}
					b.healthy.Store(ok)
				})
			}
		}
		wg.Wait()
	}
	const quick = 8
	t := time.NewTicker(g.interval / quick)
	defer t.Stop()
	for tick := 0; ; tick++ {
		check(tick%quick == 0)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func writeGatewayError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"error":{"code":"` + code + `","message":"` + msg + `"},"request_id":""}` + "\n"))
}
