package devenv

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func named(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health/ready" {
			return
		}
		_, _ = io.WriteString(w, name+" "+r.URL.Path)
	})
}

func body(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Code, rec.Body.String()
}

func TestGatewayRoutes(t *testing.T) {
	t.Parallel()
	u1, u2, q, web := httptest.NewServer(named("user1")), httptest.NewServer(named("user2")), httptest.NewServer(named("question")), httptest.NewServer(named("web"))
	for _, s := range []*httptest.Server{u1, u2, q, web} {
		t.Cleanup(s.Close)
	}
	svcs := []Service{
		{Name: "frontend", Default: true},
		{Name: "user", Prefix: "/user-service-api", Priority: 10},
		{Name: "question", Prefix: "/question-service-api", Priority: 20},
	}
	inst := map[string][]string{"user": {u1.URL, u2.URL}, "question": {q.URL}, "frontend": {web.URL}}
	pub := NewGateway(true, inst, svcs)

	seen := map[string]bool{}
	for range 4 {
		code, b := body(t, pub, "/user-service-api/users/me")
		if code != 200 || !strings.HasSuffix(b, " /user-service-api/users/me") {
			t.Fatalf("%d %q", code, b)
		}
		seen[strings.Fields(b)[0]] = true
	}
	if !seen["user1"] || !seen["user2"] {
		t.Fatalf("no round robin: %v", seen)
	}
	if _, b := body(t, pub, "/question-service-api/topics"); !strings.HasPrefix(b, "question ") {
		t.Fatalf("question route: %q", b)
	}
	if code, b := body(t, pub, "/user-service-api/internal/users/x"); code != 404 || strings.Contains(b, "user") {
		t.Fatalf("internal route through the public gateway: %d %q", code, b)
	}
	if code, b := body(t, pub, "/user-service-apix"); code != 200 || b != "web /user-service-apix" {
		t.Fatalf("prefix must match on a path boundary; the default route is the web app: %d %q", code, b)
	}
	if code, b := body(t, pub, "/session/1"); code != 200 || b != "web /session/1" {
		t.Fatalf("an app route: %d %q", code, b)
	}
	internal := NewGateway(false, inst, svcs)
	if code, b := body(t, internal, "/user-service-api/internal/users/x"); code != 200 || !strings.Contains(b, "/internal/users/x") {
		t.Fatalf("internal route between services: %d %q", code, b)
	}
	if code, b := body(t, internal, "/nowhere"); code != 404 || strings.Contains(b, "web") {
		t.Fatalf("unknown prefix between services (the web app is not reachable there): %d %q", code, b)
	}
}

func TestGatewaySkipsUnhealthyInstances(t *testing.T) {
	t.Parallel()
	good := httptest.NewServer(named("good"))
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	t.Cleanup(good.Close)
	t.Cleanup(bad.Close)
	g := NewGateway(true, map[string][]string{"user": {bad.URL, good.URL}}, []Service{{Name: "user", Prefix: "/user-service-api", Priority: 10}})
	g.interval = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go g.CheckHealth(ctx)
	time.Sleep(100 * time.Millisecond)
	for range 4 {
		if _, b := body(t, g, "/user-service-api/x"); !strings.HasPrefix(b, "good") {
			t.Fatalf("sent to an unhealthy instance: %q", b)
		}
	}
}

// TestGatewayProxiesUpgrades: a WebSocket handshake passes through and the
// connection then carries bytes both ways.
func TestGatewayProxiesUpgrades(t *testing.T) {
	t.Parallel()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" {
			w.WriteHeader(400)
			return
		}
		conn, rw, _ := http.NewResponseController(w).Hijack()
		defer conn.Close()
		_, _ = rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		_ = rw.Flush()
		line, _ := rw.ReadString('\n')
		_, _ = rw.WriteString("echo:" + line)
		_ = rw.Flush()
	}))
	t.Cleanup(echo.Close)
	gw := httptest.NewServer(NewGateway(true, map[string][]string{"chat": {echo.URL}}, []Service{{Name: "chat", Prefix: "/chat-service-api", Priority: 60}}))
	t.Cleanup(gw.Close)
	conn, err := net.Dial("tcp", strings.TrimPrefix(gw.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "GET /chat-service-api/rooms/x/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	_, _ = io.WriteString(conn, "hello\n")
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, _ := br.ReadString('\n'); got != "echo:hello\n" {
		t.Fatalf("got %q", got)
	}
}

// TestGatewayRetriesUnreachedInstances: an instance that refuses connections
// (stopped, restarting) costs no request, POSTs with bodies included; an
// instance that fails after receiving the request is not retried.
func TestGatewayRetriesUnreachedInstances(t *testing.T) {
	t.Parallel()
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = io.WriteString(w, r.Method+" "+string(b))
	}))
	t.Cleanup(good.Close)
	gone := httptest.NewServer(named("gone"))
	gone.Close() // its port now refuses connections
	svcs := []Service{{Name: "user", Prefix: "/user-service-api", Priority: 10}}
	g := NewGateway(true, map[string][]string{"user": {gone.URL, good.URL}}, svcs)
	for i := range 6 {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("POST", "/user-service-api/auth/login", strings.NewReader(`{"n":1}`)))
		if rec.Code != 200 || rec.Body.String() != `POST {"n":1}` {
			t.Fatalf("request %d: %d %q", i, rec.Code, rec.Body.String())
		}
	}
	if g.Healthy(gone.URL) || !g.Healthy(good.URL) {
		t.Fatal("the refusing instance should be marked down until the next check")
	}

	var hits atomic.Int32
	hangup := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		conn, _, _ := http.NewResponseController(w).Hijack()
		_ = conn.Close() // received, then gone without an answer
	}))
	t.Cleanup(hangup.Close)
	g = NewGateway(true, map[string][]string{"user": {hangup.URL, good.URL}}, svcs)
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("POST", "/user-service-api/tickets", strings.NewReader(`{}`)))
	if rec.Code != http.StatusBadGateway || hits.Load() != 1 {
		t.Fatalf("a request the instance received must not be replayed: %d, %d hits", rec.Code, hits.Load())
	}
}

// TestPickFindsTheHealthyInstanceUnderConcurrency: with one of two
// instances down, no concurrent request may find "no healthy instance".
func TestPickFindsTheHealthyInstanceUnderConcurrency(t *testing.T) {
	t.Parallel()
	p := &pool{backends: []*backend{{base: "down"}, {base: "up"}}}
	p.backends[1].healthy.Store(true)
	var wg sync.WaitGroup
	var misses atomic.Int64
	for range 8 {
		wg.Go(func() {
			for range 20000 {
				if b := p.pick(); b == nil || b.base != "up" {
					misses.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if misses.Load() != 0 {
		t.Fatalf("%d picks found no healthy instance", misses.Load())
	}
}

// TestGatewayRoutesToAStartedInstanceQuickly: an instance that was not
// ready at a check is routed again well before the next full interval.
func TestGatewayRoutesToAStartedInstanceQuickly(t *testing.T) {
	t.Parallel()
	var ready atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	g := NewGateway(true, map[string][]string{"user": {srv.URL}}, []Service{{Name: "user", Prefix: "/user-service-api", Priority: 10}})
	g.interval = 4 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go g.CheckHealth(ctx)
	for g.Healthy(srv.URL) { // the first check finds it not ready
		time.Sleep(5 * time.Millisecond)
	}
	ready.Store(true)
	start := time.Now()
	for !g.Healthy(srv.URL) {
		if time.Since(start) > 2*time.Second {
			t.Fatal("not routed again within half the interval")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
