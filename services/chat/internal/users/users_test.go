package users

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
)

func TestUsername(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/user-service-api/internal/users/u1" {
			_, _ = w.Write([]byte(`{"id":"u1","username":"alice","display_name":"Alice","email":"a@example.com","role":"user"}`))
			return
		}
		w.WriteHeader(404)
	}))
	defer srv.Close()
	d := discovery.New(discovery.Options{InternalToken: "internal-token-0123456789", Retries: -1,
		Getenv: func(k string) string { return map[string]string{"USER_SERVICE_URL": srv.URL}[k] }})
	c := New(d.GetJSON)
	if n, err := c.Username(context.Background(), "u1"); n != "alice" || err != nil {
		t.Fatalf("u1 = %q %v", n, err)
	}
	if _, err := c.Username(context.Background(), "u2"); !errors.Is(err, chat.ErrUnknownUser) {
		t.Fatalf("u2: %v", err)
	}
}
