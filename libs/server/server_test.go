package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/health"
	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/libs/validation"
)

type signup struct {
	Username string `json:"username" validate:"required,min=3,max=32"`
	Email    string `json:"email" validate:"required,email"`
	Age      int    `json:"age" validate:"gte=0,lte=150"`
}

var errDomainMissing = errors.New("thing missing")

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuf) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newTestServer(t *testing.T, change ...func(*Options)) (*Server, *syncBuf) {
	t.Helper()
	logs := &syncBuf{}
	o := Options{
		Service: "test-service", Prefix: "/test-service-api",
		Logger:    NewLogger(logs, "info", "test-service"),
		BodyLimit: 1024,
		MapError: func(err error) *httperr.Error {
			if errors.Is(err, errDomainMissing) {
				return httperr.NotFound("thing not found")
			}
			return nil
		},
	}
	for _, c := range change {
		c(&o)
	}
	s := New(o)
	g := s.Echo.Group("/test-service-api")
	g.POST("/signup", func(c echo.Context) error {
		var in signup
		if err := BindJSON(c, &in); err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, in)
	})
	g.GET("/panic", func(echo.Context) error { panic("db password=hunter2 exploded") })
	g.GET("/internal-error", func(echo.Context) error { return errors.New("pq: relation users does not exist") })
	g.GET("/missing", func(echo.Context) error { return errDomainMissing })
	g.GET("/limited", func(echo.Context) error { return httperr.RateLimited(1500 * time.Millisecond) })
	g.GET("/invalid", func(echo.Context) error {
		return fmt.Errorf("create thing: %w", validation.Field("size", "must be positive"))
	})
	g.GET("/conflict", func(echo.Context) error {
		return httperr.Conflict("you already have one").With("thing", map[string]string{"id": "t1"})
	})
	return s, logs
}

type errResp struct {
	Error struct {
		Code    string               `json:"code"`
		Message string               `json:"message"`
		Details []httperr.FieldError `json:"details"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

func do(t *testing.T, h http.Handler, method, path, ctype, body string, hdr ...string) (apitest.Response, errResp) {
	t.Helper()
	r := apitest.Serve(t, h, method, path, "", body, append([]string{"Content-Type", ctype}, hdr...)...)
	var er errResp
	_ = json.Unmarshal([]byte(r.Raw), &er)
	return r, er
}

func TestErrorShapes(t *testing.T) {
	t.Parallel()
	s, logs := newTestServer(t)
	const js = "application/json"
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
		field                           string
	}{
		{"valid body is accepted", "POST", "/test-service-api/signup", js, `{"username":"ann","email":"a@b.co"}`, 201, "", ""},
		{"unknown route is a JSON 404", "GET", "/nope", "", "", 404, "not_found", ""},
		{"wrong method is a JSON 405", "DELETE", "/test-service-api/signup", "", "", 405, "method_not_allowed", ""},
		{"missing content type is 415", "POST", "/test-service-api/signup", "", `{}`, 415, "unsupported_media_type", ""},
		{"text content type is 415", "POST", "/test-service-api/signup", "text/plain", `{}`, 415, "unsupported_media_type", ""},
		{"empty body is 400", "POST", "/test-service-api/signup", js, ``, 400, "invalid_request", ""},
		{"malformed JSON is 400", "POST", "/test-service-api/signup", js, `{"username":`, 400, "invalid_request", ""},
		{"syntax error is 400", "POST", "/test-service-api/signup", js, `{"username" "x"}`, 400, "invalid_request", ""},
		{"array instead of object is 400", "POST", "/test-service-api/signup", js, `[1,2]`, 400, "invalid_request", ""},
		{"two objects are 400", "POST", "/test-service-api/signup", js, `{"username":"ann","email":"a@b.co"}{}`, 400, "invalid_request", ""},
		{"unknown field names the field", "POST", "/test-service-api/signup", js, `{"username":"ann","email":"a@b.co","admin":true}`, 400, "validation_failed", "admin"},
		{"wrong type names the field", "POST", "/test-service-api/signup", js, `{"username":5,"email":"a@b.co"}`, 400, "validation_failed", "username"},
		{"failed rule names the field", "POST", "/test-service-api/signup", js, `{"username":"an","email":"a@b.co"}`, 400, "validation_failed", "username"},
		{"invalid email names the field", "POST", "/test-service-api/signup", js, `{"username":"ann","email":"nope"}`, 400, "validation_failed", "email"},
		{"oversized body is 413", "POST", "/test-service-api/signup", js, `{"username":"` + strings.Repeat("a", 2000) + `"}`, 413, "payload_too_large", ""},
		{"panic is a generic 500", "GET", "/test-service-api/panic", "", "", 500, "internal", ""},
		{"internal error text is not sent", "GET", "/test-service-api/internal-error", "", "", 500, "internal", ""},
		{"domain error is mapped", "GET", "/test-service-api/missing", "", "", 404, "not_found", ""},
		{"rate limit sets Retry-After", "GET", "/test-service-api/limited", "", "", 429, "rate_limited", ""},
		{"a domain's validation error names the field", "GET", "/test-service-api/invalid", "", "", 400, "validation_failed", "size"},
		{"an error with extra fields keeps the shared shape", "GET", "/test-service-api/conflict", "", "", 409, "conflict", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, er := do(t, s.Echo, tc.method, tc.path, tc.ctype, tc.body)
			if rec.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Status, tc.status, rec.Raw)
			}
			if tc.code == "" {
				return
			}
			if er.Error.Code != tc.code || er.Error.Message == "" || er.RequestID == "" {
				t.Fatalf("body %s", rec.Raw)
			}
			if rec.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("content type %q", rec.Header.Get("Content-Type"))
			}
			if tc.field != "" && (len(er.Error.Details) == 0 || er.Error.Details[0].Field != tc.field) {
				t.Fatalf("details %+v, want field %q", er.Error.Details, tc.field)
			}
			if tc.status >= 500 && (strings.Contains(rec.Raw, "hunter2") || strings.Contains(rec.Raw, "relation")) {
				t.Fatalf("5xx leaks internals: %s", rec.Raw)
			}
			if tc.status == 429 && rec.Header.Get("Retry-After") != "2" {
				t.Fatalf("Retry-After %q", rec.Header.Get("Retry-After"))
			}
		})
	}
	t.Run("extra fields sit beside the error", func(t *testing.T) {
		rec, _ := do(t, s.Echo, "GET", "/test-service-api/conflict", "", "")
		var body struct {
			Thing struct{ ID string } `json:"thing"`
		}
		if err := json.Unmarshal([]byte(rec.Raw), &body); err != nil || body.Thing.ID != "t1" {
			t.Fatalf("body %s", rec.Raw)
		}
	})
	t.Run("panic is logged with its cause", func(t *testing.T) {
		do(t, s.Echo, "GET", "/test-service-api/panic", "", "")
		if !strings.Contains(logs.String(), `"msg":"panic"`) {
			t.Fatalf("no panic log: %s", logs)
		}
	})
}

func TestRequestIDAndAccessLog(t *testing.T) {
	t.Parallel()
	s, logs := newTestServer(t)
	rec, _ := do(t, s.Echo, "GET", "/test-service-api/missing?token=secret-jwt&x=1", "", "", "X-Request-ID", "abc-123")
	if rec.Status != 404 || rec.Header.Get("X-Request-ID") != "abc-123" {
		t.Fatalf("status %d id %q", rec.Status, rec.Header.Get("X-Request-ID"))
	}
	rec, _ = do(t, s.Echo, "GET", "/health/live", "", "", "X-Request-ID", "bad id\nwith newline")
	if id := rec.Header.Get("X-Request-ID"); len(id) != 32 {
		t.Fatalf("unsafe caller id not replaced: %q", id)
	}
	out := logs.String()
	if strings.Contains(out, "secret-jwt") {
		t.Fatalf("token leaked into the access log: %s", out)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &line); err != nil {
		t.Fatalf("log line is not JSON: %v: %s", err, out)
	}
	for _, k := range []string{"method", "route", "status", "duration_ms", "request_id"} {
		if _, ok := line[k]; !ok {
			t.Fatalf("log line lacks %s: %s", k, out)
		}
	}
	if line["request_id"] != "abc-123" || line["route"] != "/test-service-api/missing" {
		t.Fatalf("log line %v", line)
	}
}

// TestHealthProbesAreQuiet: healthy probes are not logged at info; a 503
// (draining) is a warning, not an error.
func TestHealthProbesAreQuiet(t *testing.T) {
	t.Parallel()
	s, logs := newTestServer(t)
	for _, path := range []string{"/health/live", "/health/ready", "/test-service-api/health", "/test-service-api/health/ready"} {
		if rec, _ := do(t, s.Echo, "GET", path, "", ""); rec.Status != 200 {
			t.Fatalf("%s: %d", path, rec.Status)
		}
	}
	if out := logs.String(); out != "" {
		t.Fatalf("healthy probes logged at info:\n%s", out)
	}
	s.opts.Health.SetDraining()
	if rec, _ := do(t, s.Echo, "GET", "/health/ready", "", ""); rec.Status != 503 {
		t.Fatalf("draining readiness: %d", rec.Status)
	}
	if out := logs.String(); !strings.Contains(out, `"level":"WARN"`) || strings.Contains(out, `"level":"ERROR"`) {
		t.Fatalf("a draining probe should log one warning:\n%s", out)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	rec, _ := do(t, s.Echo, "GET", "/health/live", "", "")
	for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy"} {
		if rec.Header.Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
}

// TestGracefulShutdown: after the context is cancelled (SIGTERM) readiness
// turns 503 while requests are still served, an in-flight request completes,
// and Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	h := health.New("test-service", "v1")
	s := New(Options{Service: "test-service", Health: h, ShutdownDrain: 300 * time.Millisecond})
	started := make(chan struct{})
	s.Echo.GET("/slow", func(c echo.Context) error {
		close(started)
		time.Sleep(600 * time.Millisecond)
		return c.String(200, "done")
	})
	hookRan := make(chan struct{})
	s.OnShutdown(func(context.Context) { close(hookRan) })
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	if code := get(t, base+"/health/ready"); code != 200 {
		t.Fatalf("ready before shutdown = %d", code)
	}
	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			slow <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		slow <- string(b)
	}()
	<-started
	cancel()
	time.Sleep(50 * time.Millisecond)
	if code := get(t, base+"/health/ready"); code != 503 {
		t.Fatalf("ready while draining = %d, want 503", code)
	}
	if code := get(t, base+"/health/live"); code != 200 {
		t.Fatalf("live while draining = %d, want 200", code)
	}
	if got := <-slow; got != "done" {
		t.Fatalf("in-flight request: %q", got)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	select {
	case <-hookRan:
	default:
		t.Fatal("shutdown hook did not run")
	}
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestRedactQuery(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                       "",
		"token=abc":              "token=REDACTED",
		"a=1&Token=abc":          "Token=REDACTED&a=1",
		"refresh_token=x&page=2": "page=2&refresh_token=REDACTED",
		"%zz":                    "[unparsable]",
	} {
		if got := RedactQuery(in); got != want {
			t.Errorf("RedactQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"username":"ann","email":"a@b.co"}`, `{`, `[]`, `{"age":1e999}`, `null`, `{"x":1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var v signup
		err := DecodeJSON(strings.NewReader(body), &v)
		var he *httperr.Error
		if err != nil && !errors.As(err, &he) {
			t.Fatalf("non-API error %T %v", err, err)
		}
		if he != nil && he.Status >= 500 {
			t.Fatalf("5xx for client input: %v", he)
		}
	})
}

func TestClientIPIgnoresSpoofedForwardedFor(t *testing.T) {
	t.Parallel()
	s := New(Options{Service: "t"})
	var got string
	s.Echo.GET("/ip", func(c echo.Context) error { got = c.RealIP(); return c.NoContent(204) })
	req := httptest.NewRequest("GET", "/ip", nil)
	req.RemoteAddr = "10.0.1.7:5555" // the ALB
	req.Header.Set("X-Forwarded-For", "1.2.3.4, 203.0.113.9")
	s.Echo.ServeHTTP(httptest.NewRecorder(), req)
	if got != "203.0.113.9" {
		t.Fatalf("client ip = %q, want the address the ALB saw", got)
	}
}

// TestClientGoneIsNotAServerError: a handler that fails because its client
// went away is logged as 499 at info, not as a 500 error.
func TestClientGoneIsNotAServerError(t *testing.T) {
	t.Parallel()
	s, logs := newTestServer(t)
	s.Echo.GET("/test-service-api/slow", func(c echo.Context) error {
		<-c.Request().Context().Done()
		return fmt.Errorf("reading the store: %w", c.Request().Context().Err())
	})
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest("GET", "/test-service-api/slow", nil).WithContext(ctx)
	cancel()
	rec := httptest.NewRecorder()
	s.Echo.ServeHTTP(rec, req)
	if rec.Code != StatusClientClosedRequest {
		t.Fatalf("status %d, want 499", rec.Code)
	}
	out := logs.String()
	if strings.Contains(out, `"level":"ERROR"`) || !strings.Contains(out, `"status":499`) {
		t.Fatalf("log: %s", out)
	}
}
