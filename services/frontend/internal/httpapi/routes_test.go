package httpapi

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/frontend/internal/webapp"
)

func newServer(t *testing.T, site *webapp.Site) *server.Server {
	t.Helper()
	srv := server.New(server.Options{Service: "frontend-service"})
	Register(srv.Echo, Options{Site: site})
	return srv
}

func testSite(t *testing.T) *webapp.Site {
	t.Helper()
	s, err := webapp.Load(fstest.MapFS{
		"index.html":               {Data: []byte("<!doctype html><title>PeerPrep</title>")},
		"index.html.br":            {Data: []byte("br-index")},
		"index.html.gz":            {Data: []byte("gz-index")},
		"assets/index-3f2a.js":     {Data: []byte("console.log(1)")},
		"assets/index-3f2a.js.br":  {Data: []byte("br-js")},
		"assets/index-3f2a.js.gz":  {Data: []byte("gz-js")},
		"assets/editor-77aa.css":   {Data: []byte("body{}")},
		"favicon.svg":              {Data: []byte("<svg/>")},
		"assets/font-1a2b.woff2":   {Data: []byte("wOF2")},
		"robots.txt":               {Data: []byte("User-agent: *")},
		"assets/index-3f2a.js.map": {Data: []byte("{}")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const navigation = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

type request struct {
	method, path, accept, encoding, ifNoneMatch, host, proto string
}

func do(t *testing.T, srv *server.Server, r request) apitest.Response {
	t.Helper()
	req := apitest.NewRequest(t, cmp.Or(r.method, http.MethodGet), r.path, "", nil,
		"Accept", r.accept, "Accept-Encoding", r.encoding, "If-None-Match", r.ifNoneMatch, "X-Forwarded-Proto", r.proto)
	req.Host = r.host
	return apitest.ServeRequest(srv.Echo, req)
}

func TestServing(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testSite(t))
	cases := []struct {
		name     string
		req      request
		status   int
		body     string // exact, when set
		cache    string
		ctype    string
		encoding string
		errCode  string // the JSON error code, for errors
	}{
		{name: "root is index.html, revalidated", req: request{path: "/", accept: navigation},
			status: 200, body: "<!doctype html><title>PeerPrep</title>", cache: "no-cache", ctype: "text/html; charset=utf-8"},
		{name: "index.html brotli", req: request{path: "/index.html", encoding: "gzip, deflate, br"},
			status: 200, body: "br-index", cache: "no-cache", encoding: "br"},
		{name: "hashed asset is immutable", req: request{path: "/assets/index-3f2a.js"},
			status: 200, body: "console.log(1)", cache: "public, max-age=31536000, immutable", ctype: "text/javascript; charset=utf-8"},
		{name: "hashed asset gzip", req: request{path: "/assets/index-3f2a.js", encoding: "gzip"},
			status: 200, body: "gz-js", encoding: "gzip", cache: "public, max-age=31536000, immutable"},
		{name: "hashed asset brotli", req: request{path: "/assets/index-3f2a.js", encoding: "br, gzip"},
			status: 200, body: "br-js", encoding: "br"},
		{name: "font type without /etc/mime.types", req: request{path: "/assets/font-1a2b.woff2"},
			status: 200, ctype: "font/woff2"},
		{name: "source map", req: request{path: "/assets/index-3f2a.js.map"}, status: 200, ctype: "application/json"},
		{name: "unhashed file is revalidated", req: request{path: "/robots.txt"},
			status: 200, cache: "no-cache", ctype: "text/plain; charset=utf-8"},
		{name: "SPA fallback for a navigation", req: request{path: "/session/0b9e/room", accept: navigation},
			status: 200, body: "<!doctype html><title>PeerPrep</title>", cache: "no-cache"},
		{name: "no fallback for fetch/XHR", req: request{path: "/session/0b9e", accept: "application/json"},
			status: 404, errCode: "not_found"},
		{name: "no fallback without Accept", req: request{path: "/history"}, status: 404, errCode: "not_found"},
		{name: "missing asset is a 404, never the page", req: request{path: "/assets/index-0000.js", accept: navigation},
			status: 404, errCode: "not_found"},
		{name: "missing file with a script's Accept", req: request{path: "/chunk.js", accept: "*/*"}, status: 404, errCode: "not_found"},
		{name: "POST to a page", req: request{method: http.MethodPost, path: "/login", accept: navigation},
			status: 405, errCode: "method_not_allowed"},
		{name: "POST to nothing", req: request{method: http.MethodPost, path: "/nothing"}, status: 404, errCode: "not_found"},
		{name: "HEAD of an asset", req: request{method: http.MethodHead, path: "/assets/editor-77aa.css"},
			status: 200, body: "", ctype: "text/css; charset=utf-8", cache: "public, max-age=31536000, immutable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := do(t, srv, tc.req)
			h := rec.Header
			if rec.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Status, tc.status, rec.Raw)
			}
			if tc.body != "" || tc.req.method == http.MethodHead {
				if rec.Raw != tc.body {
					t.Fatalf("body %q, want %q", rec.Raw, tc.body)
				}
			}
			if tc.cache != "" && h.Get("Cache-Control") != tc.cache {
				t.Fatalf("Cache-Control %q, want %q", h.Get("Cache-Control"), tc.cache)
			}
			if tc.ctype != "" && h.Get("Content-Type") != tc.ctype {
				t.Fatalf("Content-Type %q, want %q", h.Get("Content-Type"), tc.ctype)
			}
			if h.Get("Content-Encoding") != tc.encoding {
				t.Fatalf("Content-Encoding %q, want %q", h.Get("Content-Encoding"), tc.encoding)
			}
			if tc.errCode != "" {
				var body struct {
					Error struct{ Code string } `json:"error"`
				}
				if err := json.Unmarshal([]byte(rec.Raw), &body); err != nil || body.Error.Code != tc.errCode {
					t.Fatalf("error body %s, want code %s", rec.Raw, tc.errCode)
				}
				if h.Get("Cache-Control") == "public, max-age=31536000, immutable" {
					t.Fatal("an error must never be cached as immutable")
				}
			}
			if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
				t.Fatalf("security headers missing: %v", h)
			}
		})
	}
}

func TestCompressedFilesVaryByEncoding(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testSite(t))
	if v := do(t, srv, request{path: "/assets/index-3f2a.js"}).Header.Get("Vary"); v != "Accept-Encoding" {
		t.Fatalf("Vary %q on a file with compressed copies", v)
	}
	if v := do(t, srv, request{path: "/favicon.svg"}).Header.Get("Vary"); v != "" {
		t.Fatalf("Vary %q on a file without copies", v)
	}
}

func TestConditionalRequests(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testSite(t))
	first := do(t, srv, request{path: "/", accept: navigation, encoding: "br"})
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	again := do(t, srv, request{path: "/", accept: navigation, encoding: "br", ifNoneMatch: etag})
	if again.Status != http.StatusNotModified || len(again.Raw) != 0 {
		t.Fatalf("revalidation: %d %q", again.Status, again.Raw)
	}
	// The brotli ETag does not validate the gzip bytes.
	other := do(t, srv, request{path: "/", accept: navigation, encoding: "gzip", ifNoneMatch: etag})
	if other.Status != http.StatusOK || other.Raw != "gz-index" {
		t.Fatalf("gzip with the brotli ETag: %d %q", other.Status, other.Raw)
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testSite(t))
	csp := func(host, proto string) string {
		return do(t, srv, request{path: "/", accept: navigation, host: host, proto: proto}).Header.Get("Content-Security-Policy")
	}
	local := csp("localhost:8080", "")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
		"frame-ancestors 'none'", "connect-src 'self' ws://localhost:8080;"} {
		if !strings.Contains(local, want) {
			t.Fatalf("CSP %q lacks %q", local, want)
		}
	}
	if strings.Contains(local, "unsafe") {
		t.Fatalf("CSP allows unsafe sources: %q", local)
	}
	if prod := csp("peerprep.example.com", "https"); !strings.Contains(prod, "connect-src 'self' wss://peerprep.example.com;") || strings.Contains(prod, "ws://") {
		t.Fatalf("behind TLS the socket origin must be wss only: %q", prod)
	}
	// A forged Host cannot widen the policy.
	if evil := csp("evil.example; script-src *", ""); !strings.Contains(evil, "connect-src 'self';") || strings.Contains(evil, "script-src *") {
		t.Fatalf("a bad Host leaked into the policy: %q", evil)
	}
}

func TestWithoutBuild(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	page := do(t, srv, request{path: "/anything", accept: navigation})
	if page.Status != 200 || !strings.Contains(page.Raw, "npm ci") || !strings.Contains(page.Raw, "npm run build") {
		t.Fatalf("%d %s", page.Status, page.Raw)
	}
	if api := do(t, srv, request{path: "/assets/index.js"}); api.Status != 404 {
		t.Fatalf("asset without a build: %d", api.Status)
	}
	if h := do(t, srv, request{path: "/health/ready"}); h.Status != 200 {
		t.Fatalf("health without a build: %d", h.Status)
	}
}

func TestHealthIsNotTheApp(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testSite(t))
	for _, p := range []string{"/health", "/health/ready", "/health/live"} {
		rec := do(t, srv, request{path: p, accept: navigation})
		if rec.Status != 200 || !strings.Contains(rec.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: %d %s", p, rec.Status, rec.Header.Get("Content-Type"))
		}
	}
}
