package discovery

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/sync/errgroup"
)

func TestSpreadAcrossAddresses(t *testing.T) {
	t.Parallel()
	ips := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"}
	port, hits := countingServers(t, ips...)
	d := startDNS(t, 60, ips...)
	c := New(Options{Namespace: testNamespace, Getenv: noEnv, Port: port, DNSServer: d.addr})

	const calls = 300
	var g errgroup.Group
	g.SetLimit(16)
	for range calls {
		g.Go(func() error {
			var out struct{ Server int }
			return c.GetJSON(t.Context(), testService, "/history-service-api/ping", &out)
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	for i := range hits {
		// Expected 100 each; 50 is more than five standard deviations away.
		if n := hits[i].Load(); n < calls/6 {
			t.Errorf("%s got %d of %d calls", ips[i], n, calls)
		}
	}
	if q := d.queries.Load(); q != 1 {
		t.Errorf("DNS queries = %d, want 1 (cached for the TTL)", q)
	}
}

func TestConcurrentLookupsShareOneQuery(t *testing.T) {
	t.Parallel()
	d := startDNS(t, 60, "127.0.0.1")
	d.mu.Lock()
	d.delay = 100 * time.Millisecond // so the lookups overlap
	d.mu.Unlock()
	c := New(Options{Namespace: testNamespace, Getenv: noEnv, DNSServer: d.addr})

	start := make(chan struct{})
	var g errgroup.Group
	for range 20 {
		g.Go(func() error {
			<-start
			_, err := c.BaseURL(t.Context(), testService)
			return err
		})
	}
	close(start)
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if q := d.queries.Load(); q != 1 {
		t.Errorf("DNS queries = %d, want 1", q)
	}
}

func TestCacheHonoursTTL(t *testing.T) {
	t.Parallel()
	d := startDNS(t, 1, "127.0.0.1")
	clock := newClock()
	c := New(Options{Namespace: testNamespace, Getenv: noEnv, Port: 8000, DNSServer: d.addr, Now: clock.Now})

	base := func() string {
		t.Helper()
		u, err := c.BaseURL(t.Context(), testService)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	for range 5 {
		if got := base(); got != "http://127.0.0.1:8000" {
			t.Fatalf("BaseURL = %q", got)
		}
	}
	d.set(1, "127.0.0.2")
	clock.Advance(500 * time.Millisecond)
	if got := base(); got != "http://127.0.0.1:8000" {
		t.Errorf("within the TTL BaseURL = %q, want the cached address", got)
	}
	if q := d.queries.Load(); q != 1 {
		t.Errorf("within the TTL DNS queries = %d, want 1", q)
	}

	clock.Advance(600 * time.Millisecond)
	if got := base(); got != "http://127.0.0.2:8000" {
		t.Errorf("after the TTL BaseURL = %q, want the new record", got)
	}
	if q := d.queries.Load(); q != 2 {
		t.Errorf("after the TTL DNS queries = %d, want 2", q)
	}
}

func TestStaleListUsedWhenLookupFails(t *testing.T) {
	t.Parallel()
	d := startDNS(t, 1, "127.0.0.1")
	clock := newClock()
	c := New(Options{Namespace: testNamespace, Getenv: noEnv, Port: 8000, DNSServer: d.addr, Now: clock.Now})
	if _, err := c.BaseURL(t.Context(), testService); err != nil {
		t.Fatal(err)
	}

	d.fail(dns.RcodeServerFailure)
	clock.Advance(2 * time.Second)
	got, err := c.BaseURL(t.Context(), testService)
	if err != nil || got != "http://127.0.0.1:8000" {
		t.Fatalf("after a failed lookup BaseURL = %q, %v; want the stale address", got, err)
	}
	if q := d.queries.Load(); q != 2 {
		t.Errorf("DNS queries = %d, want 2", q)
	}

	// The name now authoritatively has no records: the stale list goes.
	d.set(1)
	clock.Advance(2 * time.Second)
	if _, err := c.BaseURL(t.Context(), testService); !errors.Is(err, ErrNoAddresses) {
		t.Errorf("after the records are gone err = %v, want ErrNoAddresses", err)
	}
}

func TestNoAddresses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		service string
	}{
		{"name without records", testService},
		{"unknown name", "ghost-service"},
	}
	d := startDNS(t, 60)
	c := New(Options{Namespace: testNamespace, Getenv: noEnv, DNSServer: d.addr, Retries: -1})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.BaseURL(t.Context(), tt.service)
			if !errors.Is(err, ErrNoAddresses) {
				t.Errorf("BaseURL err = %v, want ErrNoAddresses", err)
			}
			err = c.GetJSON(t.Context(), tt.service, "/x", nil)
			if !errors.Is(err, ErrNoAddresses) || !strings.Contains(err.Error(), tt.service) {
				t.Errorf("GetJSON err = %v, want ErrNoAddresses naming the service", err)
			}
		})
	}
}

func TestFailoverToNextAddress(t *testing.T) {
	t.Parallel()
	port, hits := countingServers(t, "127.0.0.1", "127.0.0.2")
	// Nothing listens on 127.0.0.4, so connections to it are refused.
	d := startDNS(t, 3600, "127.0.0.1", "127.0.0.2", "127.0.0.4")
	refusing := net.JoinHostPort("127.0.0.4", strconv.Itoa(port))

	var mu sync.Mutex
	dials := map[string]int{}
	dialer := &net.Dialer{Timeout: time.Second}
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dials[addr]++
			mu.Unlock()
			return dialer.DialContext(ctx, network, addr)
		},
	}}
	refusals := func() int {
		mu.Lock()
		defer mu.Unlock()
		return dials[refusing]
	}
	clock := newClock()
	c := New(Options{Namespace: testNamespace, Getenv: noEnv, Port: port, DNSServer: d.addr, HTTPClient: hc, Now: clock.Now})

	call := func(i int) {
		t.Helper()
		var err error
		if i%2 == 0 {
			err = c.GetJSON(t.Context(), testService, "/x", nil)
		} else {
			// A POST is not idempotent, but a refused connection never reached
			// a server, so it too moves on to the next address.
			_, err = c.SendJSON(t.Context(), http.MethodPost, testService, "/x", map[string]int{"n": i}, nil)
		}
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	for i := range 60 {
		call(i)
	}
	if got := hits[0].Load() + hits[1].Load(); got != 60 {
		t.Errorf("servers saw %d calls, want 60", got)
	}
	if n := refusals(); n != 1 {
		t.Errorf("dials to the refusing address = %d, want 1 (then skipped while marked bad)", n)
	}

	clock.Advance(badFor + time.Second)
	for i := 0; i < 200 && refusals() < 2; i++ {
		call(i)
	}
	if n := refusals(); n != 2 {
		t.Errorf("after the bad mark expired, dials to the refusing address = %d, want 2", n)
	}
}

func TestAllAddressesRefusing(t *testing.T) {
	t.Parallel()
	port, _ := countingServers(t, "127.0.0.1") // only to get a port
	d := startDNS(t, 60, "127.0.0.4", "127.0.0.5")
	c := New(Options{Namespace: testNamespace, Getenv: noEnv, Port: port, DNSServer: d.addr, InternalToken: testToken})

	err := c.GetJSON(t.Context(), testService, "/x", nil)
	if err == nil {
		t.Fatal("GetJSON succeeded with no server listening")
	}
	if !strings.Contains(err.Error(), testService) || strings.Contains(err.Error(), testToken) {
		t.Errorf("error %q should name the service and never the token", err)
	}
}

func TestOverrideWinsOverDNS(t *testing.T) {
	t.Parallel()
	d := startDNS(t, 60, "127.0.0.1")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"path":"` + r.URL.Path + `"}`))
	}))
	t.Cleanup(srv.Close)
	c := New(Options{
		Namespace: testNamespace,
		Getenv:    envWith("HISTORY_SERVICE_URL", srv.URL+"/"),
		DNSServer: d.addr,
	})

	got, err := c.BaseURL(t.Context(), testService)
	if err != nil || got != srv.URL {
		t.Errorf("BaseURL = %q, %v; want %q", got, err, srv.URL)
	}
	var out struct{ Path string }
	if err := c.GetJSON(t.Context(), testService, "/history-service-api/internal/x", &out); err != nil {
		t.Fatal(err)
	}
	if out.Path != "/history-service-api/internal/x" {
		t.Errorf("server saw path %q", out.Path)
	}
	if q := d.queries.Load(); q != 0 {
		t.Errorf("DNS queries = %d, want 0", q)
	}
}

func TestEnvName(t *testing.T) {
	t.Parallel()
	tests := []struct{ service, want string }{
		{"history-service", "HISTORY_SERVICE_URL"},
		{"collaboration-service", "COLLABORATION_SERVICE_URL"},
		{"user-service", "USER_SERVICE_URL"},
		{"question", "QUESTION_SERVICE_URL"},
	}
	for _, tt := range tests {
		if got := envName(tt.service); got != tt.want {
			t.Errorf("envName(%q) = %q, want %q", tt.service, got, tt.want)
		}
	}
}

func TestNoNamespaceAndNoOverride(t *testing.T) {
	t.Parallel()
	c := New(Options{Getenv: noEnv})
	_, err := c.BaseURL(t.Context(), testService)
	if err == nil || !strings.Contains(err.Error(), "HISTORY_SERVICE_URL") {
		t.Errorf("err = %v, want one naming HISTORY_SERVICE_URL", err)
	}
}

// The local platform's override names the service inside the namespace
// with the service's own port: its A records are used at that port.
func TestOverrideWithNameInNamespace(t *testing.T) {
	t.Parallel()
	ips := []string{"127.0.0.1", "127.0.0.2"}
	port, hits := countingServers(t, ips...)
	d := startDNS(t, 60, ips...)
	c := New(Options{
		Namespace: testNamespace,
		Getenv:    envWith("HISTORY_SERVICE_URL", "http://"+testService+"."+testNamespace+":"+strconv.Itoa(port)),
		DNSServer: d.addr,
	})
	for range 40 {
		var out struct{ Server int }
		if err := c.GetJSON(t.Context(), testService, "/history-service-api/ping", &out); err != nil {
			t.Fatal(err)
		}
	}
	for i := range hits {
		if hits[i].Load() == 0 {
			t.Errorf("%s got no call", ips[i])
		}
	}
	if q := d.queries.Load(); q != 1 {
		t.Errorf("DNS queries = %d, want 1", q)
	}
}
