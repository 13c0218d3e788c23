package devenv

import (
	"context"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Gateway is the local stand-in for the ALB (public: internal routes are
// answered 404, unknown paths go to the frontend placeholder) or, with
// Public false, for Cloud Map between services (internal routes pass).
// Routes are the prefixes and priorities of deploy/services.yaml; each
// prefix round-robins over its instances that pass /health/ready.
type Gateway struct {
	Public   bool
	pools    []*pool // by listener priority
	interval time.Duration
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
	g := &Gateway{Public: public, interval: 2 * time.Second}
	for _, s := range svcs {
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
				FlushInterval: -1, // stream, as the ALB does
				ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) {
					b.healthy.Store(false)
					writeGatewayError(w, http.StatusBadGateway, "bad_gateway", "the service instance did not answer")
				},
			}
			b.healthy.Store(true) // until the first check says otherwise
			p.backends = append(p.backends, b)
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
		if b := p.pick(); b != nil {
			b.proxy.ServeHTTP(w, r)
			return
		}
		writeGatewayError(w, http.StatusServiceUnavailable, "unavailable", "no healthy instance of this service")
		return
	}
	if !g.Public {
		writeGatewayError(w, http.StatusNotFound, "not_found", "no service has this prefix")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(placeholderPage))
}

// pick is round robin over healthy instances.
func (p *pool) pick() *backend {
	n := len(p.backends)
	for range n {
		b := p.backends[int(p.next.Add(1)-1)%n]
		if b.healthy.Load() {
			return b
		}
	}
	return nil
}

// CheckHealth probes every instance's /health/ready until ctx ends.
func (g *Gateway) CheckHealth(ctx context.Context) {
	client := &http.Client{Timeout: time.Second}
	check := func() {
		var wg sync.WaitGroup
		for _, p := range g.pools {
			for _, b := range p.backends {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, err := client.Get(b.base + "/health/ready")
					ok := err == nil && resp.StatusCode == http.StatusOK
					if err == nil {
						resp.Body.Close()
					}
					b.healthy.Store(ok)
				}()
			}
		}
		wg.Wait()
	}
	t := time.NewTicker(g.interval)
	defer t.Stop()
	for {
		check()
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

const placeholderPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PeerPrep</title></head>
<body><h1>PeerPrep</h1><p>The web frontend is not part of this repository yet.
The APIs are served under /user-service-api/, /question-service-api/, /matching-service-api/,
/history-service-api/, /collaboration-service-api/ and /chat-service-api/.</p></body></html>
`
