package socket_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/libs/socket"
)

// The origin policy every socket uses (moved here from chat-service's
// handler test, with the same cases).
func TestOriginsAllowed(t *testing.T) {
	t.Parallel()
	o := socket.Origins{"https://app.peerprep.dev", "*.preview.peerprep.dev"}
	for _, tc := range []struct {
		name, host, origin string
		ok                 bool
	}{
		{"no origin (not a browser) is allowed", "chat.internal", "", true},
		{"the same host is allowed", "peerprep.dev", "https://peerprep.dev", true},
		{"an allowed origin is allowed", "api.peerprep.dev", "https://app.peerprep.dev", true},
		{"the allowed host on another scheme is refused", "api.peerprep.dev", "http://app.peerprep.dev", false},
		{"a host pattern is allowed", "api.peerprep.dev", "https://pr-7.preview.peerprep.dev", true},
		{"another site is refused", "peerprep.dev", "https://evil.example", false},
		{"a malformed origin is refused", "peerprep.dev", "null", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "http://"+tc.host+"/chat-service-api/rooms/x/ws", nil)
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			if got := o.Allowed(r); got != tc.ok {
				t.Fatalf("Allowed = %v", got)
			}
		})
	}
}

// server is an echo server with one socket route that uses the edge the
// way the services do: Check, Accept, a Set, and a Conn with a bounded
// send queue that closes a slow client with TooSlow.
type server struct {
	*httptest.Server
	set   socket.Set[*socket.Conn]
	flood chan struct{} // closed: the server floods every socket
	opts  socket.ConnOptions
}

func newServer(t *testing.T) *server {
	return newServerWith(t, socket.ConnOptions{MaxQueue: 4})
}

func newServerWith(t *testing.T, o socket.ConnOptions) *server {
	s := &server{flood: make(chan struct{}), opts: o}
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var he *httperr.Error
		if errors.As(err, &he) {
			_ = c.JSON(he.Status, map[string]any{"error": map[string]string{"code": he.Code, "message": he.Message}})
			return
		}
		e.DefaultHTTPErrorHandler(err, c)
	}
	e.GET("/ws", func(c echo.Context) error {
		if err := socket.Check(c.Request(), socket.Origins{"https://app.peerprep.dev"}); err != nil {
			return err
		}
		ws, err := socket.Accept(c.Response(), c.Request(), 1024)
		if err != nil {
			return nil
		}
		cn := socket.NewConn(s.opts)
		if !s.set.Add(cn) {
			_ = ws.Close(socket.Restart, socket.RestartReason)
			return nil
		}
		defer s.set.Remove(cn)
		if !cn.Start(ws, nil) {
			return nil
		}
		go func() {
			select {
			case <-cn.Done():
				return
			case <-s.flood:
			}
			// A queue of 4 frames that a client which never reads fills.
			big := []byte(strings.Repeat("x", 64<<10))
			for cn.Send(big) {
			}
		}()
		for {
			if _, _, err := ws.Read(context.Background()); err != nil {
				cn.CloseNow()
				return nil
			}
		}
	})
	s.Server = httptest.NewServer(e)
	t.Cleanup(s.Close)
	return s
}

func (s *server) url() string { return "ws" + strings.TrimPrefix(s.URL, "http") + "/ws" }

func TestANonUpgradeIs426JSON(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	res, err := http.Get(s.URL + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if res.StatusCode != http.StatusUpgradeRequired || body.Error.Code != "upgrade_required" {
		t.Fatalf("%d %q, want 426 upgrade_required", res.StatusCode, body.Error.Code)
	}
}

func TestARefusedOriginIs403JSON(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, res, err := websocket.Dial(ctx, s.url(), &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil || res == nil {
		t.Fatalf("dial from a refused origin: %v", err)
	}
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if res.StatusCode != http.StatusForbidden || body.Error.Code != "forbidden" {
		t.Fatalf("%d %q, want 403 forbidden", res.StatusCode, body.Error.Code)
	}
	// An allowed origin is upgraded.
	ws, _, err := websocket.Dial(ctx, s.url(), &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://app.peerprep.dev"}}})
	if err != nil {
		t.Fatalf("dial from an allowed origin: %v", err)
	}
	_ = ws.CloseNow()
}

func TestTheBearerSubprotocolIsEchoed(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, s.url(), &websocket.DialOptions{Subprotocols: []string{"bearer.a-token"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if got := ws.Subprotocol(); got != "bearer.a-token" {
		t.Fatalf("subprotocol %q, want the bearer one echoed", got)
	}
	// Without one, none is chosen.
	plain, _, err := websocket.Dial(ctx, s.url(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.CloseNow()
	if got := plain.Subprotocol(); got != "" {
		t.Fatalf("subprotocol %q, want none", got)
	}
}

func TestTheReadLimitCloses1009(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, s.url(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	_ = ws.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", 2048)))
	_, _, err = ws.Read(ctx)
	if code := websocket.CloseStatus(err); code != websocket.StatusMessageTooBig {
		t.Fatalf("closed with %d (%v), want 1009", code, err)
	}
}

func TestASlowClientIsClosedWithTooSlow(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, s.url(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 20)
	for s.set.Len() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	close(s.flood)
	time.Sleep(500 * time.Millisecond) // not reading: the server's queue fills
	for {
		_, _, err := ws.Read(ctx)
		if err != nil {
			if code := websocket.CloseStatus(err); code != socket.TooSlow {
				t.Fatalf("closed with %d (%v), want %d", code, err, socket.TooSlow)
			}
			return
		}
	}
}

func TestSetClosesEverySocketWith1012(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var socks []*websocket.Conn
	for range 3 {
		ws, _, err := websocket.Dial(ctx, s.url(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		socks = append(socks, ws)
	}
	for s.set.Len() < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	closed := make(chan int)
	go func() { closed <- s.set.Close(ctx) }()
	for _, ws := range socks {
		_, _, err := ws.Read(ctx)
		if code := websocket.CloseStatus(err); code != websocket.StatusServiceRestart {
			t.Fatalf("closed with %d (%v), want 1012", code, err)
		}
	}
	if n := <-closed; n != 3 || s.set.Len() != 0 {
		t.Fatalf("Close closed %d, %d left; want 3, 0", n, s.set.Len())
	}
	// A socket opened afterwards is refused with 1012 at once.
	ws, _, err := websocket.Dial(ctx, s.url(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != websocket.StatusServiceRestart {
		t.Fatalf("late socket: %v, want 1012", err)
	}
}
