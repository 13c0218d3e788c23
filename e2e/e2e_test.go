package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestRouteOf(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/collaboration-service-api/sessions/0b7e4a52-6a0e-4c4e-9a43-5b1c2d3e4f50/leave": "/collaboration-service-api/sessions/{id}/leave",
		"/question-service-api/questions?topic=arrays&limit=5":                           "/question-service-api/questions",
		"/user-service-api/users/me":                                                     "/user-service-api/users/me",
	} {
		if got := routeOf(in); got != want {
			t.Errorf("routeOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewUUIDIsVersion4(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		u := newUUID()
		if !re.MatchString(u) || seen[u] {
			t.Fatalf("bad or repeated UUID %q", u)
		}
		seen[u] = true
	}
}

func TestReportFailed(t *testing.T) {
	t.Parallel()
	ok := Report{Requests: 10, SocketDrops: 3, Reconnected: 3, ChatSent: 4, ChatStored: 4, ChatResent: 2, HandshakeErrors: 1}
	if ok.Failed() {
		t.Fatal("drops that reconnected, resends and retried handshakes are not failures")
	}
	for name, r := range map[string]Report{
		"non-2xx":   {Non2xx: 1},
		"transport": {TransportErrors: 1},
		"dropped":   {Dropped: 1},
		"match":     {MatchesLost: 1},
		"missing":   {ChatMissing: 1},
		"duplicate": {ChatDuplicated: 1},
	} {
		if !r.Failed() {
			t.Errorf("%s: not a failure", name)
		}
	}
}

// TestClientErrors: an answer outside 2xx becomes an *APIError with the
// platform's error shape, or its text when it is not JSON; Observe hears
// of every request.
func TestClientErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/user-service-api/users/me":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"unauthenticated","message":"a valid access token is required"},"request_id":"r1"}`))
		default:
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("upstream says no"))
		}
	}))
	t.Cleanup(srv.Close)
	c := NewClient(srv.URL)
	var statuses []int
	c.Observe = func(_, _ string, status int, _ error) { statuses = append(statuses, status) }

	_, err := c.Me(context.Background(), "x")
	if StatusOf(err) != 401 || !strings.Contains(err.Error(), "unauthenticated") || !strings.Contains(err.Error(), `"r1"`) {
		t.Fatalf("Me: %v", err)
	}
	_, err = c.Topics(context.Background(), "x")
	if StatusOf(err) != 502 || !strings.Contains(err.Error(), "upstream says no") {
		t.Fatalf("Topics: %v", err)
	}
	if len(statuses) != 2 || statuses[0] != 401 || statuses[1] != 502 {
		t.Fatalf("observed %v", statuses)
	}
	if got := c.WSURL("/chat-service-api/rooms/x/ws"); got != "ws://"+strings.TrimPrefix(srv.URL, "http://")+"/chat-service-api/rooms/x/ws" {
		t.Fatalf("WSURL: %q", got)
	}
}
