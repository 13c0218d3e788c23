package discovery

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const (
	testService   = "history-service"
	testNamespace = "peerprep-test.local"
	testToken     = "s3cret-internal-token"
)

// fakeDNS is a real DNS server on loopback answering A queries for one name.
type fakeDNS struct {
	addr    string
	name    string // fully qualified, lower case
	queries atomic.Int64

	mu    sync.Mutex
	ips   []string
	ttl   uint32
	rcode int           // answer every query with this code when non-zero
	delay time.Duration // before answering, so concurrent lookups overlap
}

func startDNS(t *testing.T, ttl uint32, ips ...string) *fakeDNS {
	t.Helper()
	f := &fakeDNS{name: dns.Fqdn(testService + "." + testNamespace), ips: ips, ttl: ttl}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: f, NotifyStartedFunc: func() { close(started) }}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	f.addr = pc.LocalAddr().String()
	return f
}

func (f *fakeDNS) set(ttl uint32, ips ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ttl, f.ips, f.rcode = ttl, ips, 0
}

func (f *fakeDNS) fail(rcode int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rcode = rcode
}

func (f *fakeDNS) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	f.queries.Add(1)
	f.mu.Lock()
	ips, ttl, rcode, delay := f.ips, f.ttl, f.rcode, f.delay
	f.mu.Unlock()
	time.Sleep(delay)

	m := new(dns.Msg)
	m.SetReply(r)
	q := r.Question[0]
	switch {
	case rcode != 0:
		m.Rcode = rcode
	case !strings.EqualFold(q.Name, f.name):
		m.Rcode = dns.RcodeNameError
	case q.Qtype == dns.TypeA:
		for _, ip := range ips {
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: ttl},
				A:   net.ParseIP(ip),
			})
		}
	}
	_ = w.WriteMsg(m)
}

// startServers runs one HTTP server on each of ips, all on the same port
// (an A record carries no port), and returns that port.
func startServers(t *testing.T, ips []string, handler func(i int) http.Handler) int {
	t.Helper()
	for try := 0; try < 20; try++ {
		first, err := net.Listen("tcp", ips[0]+":0")
		if err != nil {
			t.Fatal(err)
		}
		port := first.Addr().(*net.TCPAddr).Port
		listeners := []net.Listener{first}
		for _, ip := range ips[1:] {
			l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
			if err != nil {
				break // port taken on this address; pick another
			}
			listeners = append(listeners, l)
		}
		if len(listeners) < len(ips) {
			for _, l := range listeners {
				l.Close()
			}
			continue
		}
		for i, l := range listeners {
			srv := httptest.NewUnstartedServer(handler(i))
			srv.Listener.Close()
			srv.Listener = l
			srv.Start()
			t.Cleanup(srv.Close)
		}
		return port
	}
	t.Fatal("no port free on every address")
	return 0
}

// countingServers starts servers that count their hits and answer
// {"server": i}.
func countingServers(t *testing.T, ips ...string) (port int, hits []atomic.Int64) {
	hits = make([]atomic.Int64, len(ips))
	port = startServers(t, ips, func(i int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits[i].Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"server":` + strconv.Itoa(i) + `}`))
		})
	})
	return port, hits
}

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// noEnv keeps the test process's environment out of the way.
func noEnv(string) string { return "" }

// envWith returns a Getenv that knows only key=value.
func envWith(key, value string) func(string) string {
	return func(k string) string {
		if k == key {
			return value
		}
		return ""
	}
}
