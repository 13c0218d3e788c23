package collaboration

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
)

func TestSession(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") != "Bearer internal-token-0123456789" {
			w.WriteHeader(401)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/collaboration-service-api/internal/sessions/s1":
			_, _ = w.Write([]byte(`{"id":"s1","user_ids":["a","b"],"question_id":"q","language":"go","status":"active","created_at":"2030-01-01T00:00:00Z"}`))
		case "/collaboration-service-api/internal/sessions/s2":
			_, _ = w.Write([]byte(`{"id":"s2","user_ids":["a","b"],"question_id":"q","language":"go","status":"ended","created_at":"2030-01-01T00:00:00Z","ended_at":"2030-01-01T01:00:00Z"}`))
		case "/collaboration-service-api/internal/sessions/down":
			w.WriteHeader(500)
		default:
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"error":{"code":"not_found","message":"no"}}`))
		}
	}))
	defer srv.Close()
	d := discovery.New(discovery.Options{InternalToken: "internal-token-0123456789", Retries: -1,
		Getenv: func(k string) string { return map[string]string{"COLLABORATION_SERVICE_URL": srv.URL}[k] }})
	c := New(d.GetJSON, time.Minute)
	ctx := context.Background()

	s, err := c.Session(ctx, "s1")
	if err != nil || !s.Has("a") || !s.Has("b") || s.Has("c") || s.Ended {
		t.Fatalf("s1 = %+v %v", s, err)
	}
	if s, _ := c.Session(ctx, "s2"); !s.Ended {
		t.Fatalf("s2 = %+v", s)
	}
	if _, err := c.Session(ctx, "nope"); !errors.Is(err, chat.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	if _, err := c.Session(ctx, "down"); err == nil || errors.Is(err, chat.ErrNotFound) {
		t.Fatalf("failing: %v", err)
	}
	n := calls.Load()
	c.Session(ctx, "s1")
	c.Session(ctx, "nope")
	if calls.Load() != n {
		t.Fatal("answers were not cached")
	}
}
