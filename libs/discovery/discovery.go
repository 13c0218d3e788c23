// Package discovery finds other PeerPrep services and calls them over HTTP.
//
// A service name such as "history-service" becomes a base URL either from a
// <NAME>_SERVICE_URL override (local dev, tests) or from the DNS A records of
// "<name>.<DISCOVERY_NAMESPACE>" that AWS Cloud Map publishes. An override
// whose host is itself a name under the namespace (the local platform's
// "http://user-service.peerprep.local:8101") is resolved the same way, at
// the override's port. The Client adds
// what every service-to-service call needs: per-attempt deadlines, retries
// with jittered backoff for idempotent requests, failover to another address
// on connection errors, request-id propagation and the internal token.
package discovery

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// ErrNoAddresses means a service name resolved to no usable addresses.
var ErrNoAddresses = errors.New("no addresses")

// Options configures a Client. Zero values select the documented defaults.
type Options struct {
	// Namespace is DISCOVERY_NAMESPACE, e.g. "peerprep-prod.local". It may be
	// "" when every service called has a URL override.
	Namespace string
	// Getenv reads <NAME>_SERVICE_URL overrides; nil means os.Getenv.
	Getenv func(string) string
	// InternalToken is sent as "Authorization: Bearer <token>" unless the
	// request already carries an Authorization header.
	InternalToken string
	// Port is the port every service listens on; default 8000.
	Port int
	// DNSServer is the "host:port" of the DNS server to ask; "" uses the
	// system resolver.
	DNSServer string
	// Timeout bounds each attempt (and each DNS query); default 3s.
	Timeout time.Duration
	// Retries is the number of extra attempts for idempotent requests;
	// default 2. Use a negative value for none.
	Retries int
	// HTTPClient sends the requests; default a client with a transport tuned
	// for many calls to few hosts.
	HTTPClient *http.Client
	// Now is the clock used for DNS caching and bad-address marks; default
	// time.Now.
	Now func() time.Time
}

const (
	defaultPort    = 8000
	defaultTimeout = 3 * time.Second
	defaultRetries = 2

	// systemResolverTTL is used when the system resolver hides record TTLs;
	// it matches the TTL Cloud Map records are created with.
	systemResolverTTL = 10 * time.Second
	// minTTL stops a TTL of 0 from turning every call into a DNS query.
	minTTL = time.Second
	// staleRetry is how long a stale address list is reused after a failed
	// lookup before the next lookup is tried.
	staleRetry = time.Second
	// badFor is how long an address that refused a connection is skipped.
	badFor = 5 * time.Second
)

// Client resolves service names and sends HTTP requests to them. It is safe
// for concurrent use; create one per process and share it.
type Client struct {
	namespace string
	getenv    func(string) string
	token     string
	port      string
	dnsServer string
	timeout   time.Duration
	retries   int
	http      *http.Client
	now       func() time.Time

	lookups singleflight.Group

	mu    sync.Mutex
	cache map[string]cacheEntry // DNS host name → addresses
	bad   map[string]time.Time  // "ip:port" → when it may be tried first again
}

type cacheEntry struct {
	addrs   []string // IPs; never mutated once stored
	expires time.Time
}

// New returns a Client for o, filling in defaults.
func New(o Options) *Client {
	c := &Client{
		namespace: strings.Trim(o.Namespace, "."),
		getenv:    o.Getenv,
		token:     o.InternalToken,
		port:      strconv.Itoa(o.Port),
		dnsServer: o.DNSServer,
		timeout:   o.Timeout,
		retries:   o.Retries,
		http:      o.HTTPClient,
		now:       o.Now,
		cache:     make(map[string]cacheEntry),
		bad:       make(map[string]time.Time),
	}
	if c.getenv == nil {
		c.getenv = os.Getenv
	}
	if o.Port == 0 {
		c.port = strconv.Itoa(defaultPort)
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	switch {
	case o.Retries == 0:
		c.retries = defaultRetries
	case o.Retries < 0:
		c.retries = 0
	}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

func defaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		// No proxy: service-to-service traffic stays inside the VPC.
		DialContext: (&net.Dialer{
			Timeout:   2 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}}
}

// BaseURL returns the base URL of one instance of service, without a
// trailing slash: the <NAME>_SERVICE_URL override when set, otherwise
// "http://<ip>:<port>" for a random healthy address from DNS.
func (c *Client) BaseURL(ctx context.Context, service string) (string, error) {
	targets, err := c.targets(ctx, service)
	if err != nil {
		return "", fmt.Errorf("discovery: %s: %w", service, err)
	}
	return targets[0].base.String(), nil
}

// target is one place a request for a service can be sent.
type target struct {
	base *url.URL
	key  string // "ip:port" for DNS addresses, "" for an override
}

// targets lists where to send a request for service, in the order to try
// them: the override alone, or the DNS addresses with healthy ones first,
// each group shuffled so load spreads across instances.
func (c *Client) targets(ctx context.Context, service string) ([]target, error) {
	if err := checkName(service); err != nil {
		return nil, permanentError{err}
	}
	env := envName(service)
	if raw := c.getenv(env); raw != "" {
		u, err := parseOverride(raw)
		if err != nil {
			return nil, permanentError{fmt.Errorf("%s: %w", env, err)}
		}
		if !c.inNamespace(u.Hostname()) {
			return []target{{base: u}}, nil
		}
		// A name in the namespace (the local platform gives each service
		// its own port): its A records, at the override's port.
		return c.resolved(ctx, u.Scheme, u.Hostname(), u.Port())
	}
	if c.namespace == "" {
		return nil, permanentError{fmt.Errorf("neither %s nor a discovery namespace is set", env)}
	}
	return c.resolved(ctx, "http", service+"."+c.namespace, c.port)
}

// inNamespace reports whether host is a name under the discovery namespace.
func (c *Client) inNamespace(host string) bool {
	return c.namespace != "" && strings.HasSuffix(strings.TrimSuffix(host, "."), "."+c.namespace)
}

// resolved lists host's addresses at port, healthy ones first.
func (c *Client) resolved(ctx context.Context, scheme, host, port string) ([]target, error) {
	if port == "" {
		port = c.port
	}
	ips, err := c.lookup(ctx, host)
	if err != nil {
		return nil, err
	}

	now := c.now()
	good := make([]target, 0, len(ips))
	var bad []target
	c.mu.Lock()
	for _, ip := range ips {
		key := net.JoinHostPort(ip, port)
		t := target{base: &url.URL{Scheme: scheme, Host: key}, key: key}
		if until, ok := c.bad[key]; ok {
			if now.Before(until) {
				bad = append(bad, t)
				continue
			}
			delete(c.bad, key)
		}
		good = append(good, t)
	}
	c.mu.Unlock()
	rand.Shuffle(len(good), func(i, j int) { good[i], good[j] = good[j], good[i] })
	rand.Shuffle(len(bad), func(i, j int) { bad[i], bad[j] = bad[j], bad[i] })
	// Addresses marked bad stay as a last resort: a refusal may have been
	// a restart, and failing outright would be worse than trying again.
	return append(good, bad...), nil
}

// markBad makes later calls try key after every healthy address for a while.
func (c *Client) markBad(key string) {
	if key == "" {
		return
	}
	c.mu.Lock()
	c.bad[key] = c.now().Add(badFor)
	c.mu.Unlock()
}

// markGood forgets a bad mark once the address answers again.
func (c *Client) markGood(key string) {
	if key == "" {
		return
	}
	c.mu.Lock()
	delete(c.bad, key)
	c.mu.Unlock()
}

// envName returns the environment variable that overrides the URL of
// service: "history-service" → "HISTORY_SERVICE_URL".
func envName(service string) string {
	name := strings.TrimSuffix(service, "-service")
	return strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_SERVICE_URL"
}

// checkName rejects names that are not a single DNS label, so a caller
// cannot escape the discovery namespace with dots.
func checkName(service string) error {
	if service == "" || len(service) > 63 {
		return errors.New("invalid service name")
	}
	for i := 0; i < len(service); i++ {
		ch := service[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9', ch == '-':
		default:
			return errors.New("invalid service name")
		}
	}
	return nil
}

func parseOverride(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, errors.New("not a valid URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("want an absolute http(s) URL")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, errors.New("want a URL without query, fragment or user info")
	}
	return u, nil
}
