package peers

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
)

const token = "internal-token-0123456789"

func deps(t *testing.T) (*fake.Server, *discovery.Client) {
	f := fake.Start(t, token)
	env := f.Env()
	return f, discovery.New(discovery.Options{InternalToken: token, Retries: -1, Getenv: func(k string) string { return env[k] }})
}

func TestSession(t *testing.T) {
	t.Parallel()
	f, d := deps(t)
	f.AddSession(internalapi.Session{ID: "s1", UserIDs: [2]string{"a", "b"}, QuestionID: "q", Language: "go", Status: "active"})
	f.AddSession(internalapi.Session{ID: "s2", UserIDs: [2]string{"a", "b"}, QuestionID: "q", Language: "go", Status: "ended"})
	c := NewSessions(d, time.Minute)
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
	f.SetDown(internalapi.CollaborationService, http.StatusInternalServerError)
	if _, err := c.Session(ctx, "down"); err == nil || errors.Is(err, chat.ErrNotFound) {
		t.Fatalf("failing: %v", err)
	}
	n := f.Calls(internalapi.CollaborationService)
	c.Session(ctx, "s1")
	c.Session(ctx, "nope")
	if f.Calls(internalapi.CollaborationService) != n {
		t.Fatal("answers were not cached")
	}
}

func TestUsername(t *testing.T) {
	t.Parallel()
	f, d := deps(t)
	f.SetUser("u1", "alice")
	c := NewUsers(d)
	if n, err := c.Username(context.Background(), "u1"); n != "alice" || err != nil {
		t.Fatalf("u1 = %q %v", n, err)
	}
	if _, err := c.Username(context.Background(), "u2"); !errors.Is(err, chat.ErrUnknownUser) {
		t.Fatalf("u2: %v", err)
	}
}
