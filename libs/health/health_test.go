package health

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

func serve(t *testing.T, h *Health, path string) (int, Report) {
	t.Helper()
	code, r, _ := serveRaw(t, h, path)
	return code, r
}

func serveRaw(t *testing.T, h *Health, path string) (int, Report, string) {
	t.Helper()
	e := echo.New()
	h.Register(e, "/user-service-api")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	var r Report
	_ = json.Unmarshal(rec.Body.Bytes(), &r)
	return rec.Code, r, rec.Body.String()
}

func TestReadiness(t *testing.T) {
	t.Parallel()
	t.Run("all checks ok is 200 with the service and version", func(t *testing.T) {
		t.Parallel()
		h := New("user-service", "abc123")
		h.Add("database", func(context.Context) error { return nil })
		h.Add("redis", func(context.Context) error { return nil })
		for _, p := range []string{"/health/ready", "/health", "/user-service-api/health", "/user-service-api/health/ready"} {
			code, r := serve(t, h, p)
			if code != 200 || r.Status != "healthy" || r.Service != "user-service" || r.Version != "abc123" || r.Checks["database"] != "ok" || r.Checks["redis"] != "ok" {
				t.Fatalf("%s: %d %+v", p, code, r)
			}
		}
	})
	t.Run("a failing check is 503 naming it, its cause only in the log", func(t *testing.T) {
		t.Parallel()
		h := New("user-service", "v")
		var logs bytes.Buffer
		h.SetLogger(slog.New(slog.NewJSONHandler(&logs, nil)))
		cause := `failed to connect to user=peerprep database=peerprep_user: 10.0.3.17:5432 (db.internal): dial error: connection refused`
		h.Add("database", func(context.Context) error { return errors.New(cause) })
		h.Add("redis", func(context.Context) error { return nil })
		for _, p := range []string{"/health", "/health/ready", "/user-service-api/health"} {
			code, r, raw := serveRaw(t, h, p)
			if code != 503 || r.Status != "unhealthy" || r.Checks["database"] != "error: unreachable" || r.Checks["redis"] != "ok" {
				t.Fatalf("%s: %d %+v", p, code, r)
			}
			for _, secret := range []string{"peerprep", "10.0.3.17", "5432", "db.internal", "refused"} {
				if strings.Contains(strings.ReplaceAll(raw, "user-service", ""), secret) {
					t.Fatalf("%s: the public body names %q: %s", p, secret, raw)
				}
			}
		}
		if !strings.Contains(logs.String(), "10.0.3.17:5432") || !strings.Contains(logs.String(), `"check":"database"`) {
			t.Fatalf("the cause is not in the log: %s", logs.String())
		}
	})
	t.Run("checks run concurrently and each is bounded to a second", func(t *testing.T) {
		t.Parallel()
		h := New("s", "v")
		hang := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
		h.Add("a", hang)
		h.Add("b", hang)
		start := time.Now()
		code, r := serve(t, h, "/health/ready")
		if d := time.Since(start); d > 1500*time.Millisecond {
			t.Fatalf("took %v", d)
		}
		if code != 503 || r.Checks["a"] != "error: timeout" || r.Checks["b"] != "error: timeout" {
			t.Fatalf("%d %+v", code, r)
		}
	})
	t.Run("draining is 503 while live stays 200", func(t *testing.T) {
		t.Parallel()
		h := New("s", "v")
		h.Add("database", func(context.Context) error { return nil })
		h.SetDraining()
		if code, r := serve(t, h, "/health/ready"); code != 503 || r.Status != "unhealthy" {
			t.Fatalf("%d %+v", code, r)
		}
		if code, _ := serve(t, h, "/user-service-api/health/live"); code != 200 {
			t.Fatalf("live = %d", code)
		}
	})
	t.Run("a burst of probes runs the checks once", func(t *testing.T) {
		t.Parallel()
		h := New("s", "v")
		var runs atomic.Int32
		h.Add("database", func(context.Context) error { runs.Add(1); time.Sleep(20 * time.Millisecond); return nil })
		done := make(chan struct{})
		for range 50 {
			go func() { h.Ready(context.Background()); done <- struct{}{} }()
		}
		for range 50 {
			<-done
		}
		if n := runs.Load(); n != 1 {
			t.Fatalf("checks ran %d times", n)
		}
	})
}
