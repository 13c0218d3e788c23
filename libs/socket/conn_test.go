package socket_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/peerprep/peerprep/libs/socket"
	"github.com/peerprep/peerprep/libs/wsclose"
)

// A full queue closes the socket with TooSlow, before it is started too.
func TestAFullQueueClosesWithTooSlow(t *testing.T) {
	t.Parallel()
	c := socket.NewConn(socket.ConnOptions{MaxQueue: 2})
	if !c.Send([]byte("a")) || !c.Send([]byte("b")) {
		t.Fatal("a queue with room refused a message")
	}
	if c.Send([]byte("c")) {
		t.Fatal("a full queue took a message")
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("a socket with a full queue was kept")
	}
	if code, _ := c.CloseStatus(); code != socket.TooSlow {
		t.Fatalf("closed with %d, want %d", code, socket.TooSlow)
	}
	if c.Send([]byte("d")) {
		t.Fatal("a closed socket took a message")
	}

	// Bytes count too, when bounded.
	b := socket.NewConn(socket.ConnOptions{MaxQueue: 100, MaxQueueBytes: 10})
	b.Send(bytes.Repeat([]byte("x"), 8))
	if b.Send(bytes.Repeat([]byte("x"), 3)) || !b.Closed() {
		t.Fatal("a queue over its bytes was kept")
	}
}

// Messages queued before Start go out after the first ones, in order.
func TestQueuedMessagesFollowTheFirstOnes(t *testing.T) {
	t.Parallel()
	c := socket.NewConn(socket.ConnOptions{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := socket.Accept(w, r, 0)
		if err != nil {
			return
		}
		c.Send([]byte("3"))
		c.Start(ws, nil, []byte("1"), []byte("2"))
		c.Send([]byte("4"))
		for {
			if _, _, err := ws.Read(context.Background()); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	var got []string
	for range 4 {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(b))
	}
	if strings.Join(got, "") != "1234" {
		t.Fatalf("got %v", got)
	}
}

// An idle socket is pinged (and kept) while the client answers; a client
// that stops answering is dropped.
func TestPingsKeepAnIdleSocketAndDropADeadOne(t *testing.T) {
	t.Parallel()
	s := newServerWith(t, socket.ConnOptions{PingEvery: 40 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var pings atomic.Int32
	ws, _, err := websocket.Dial(ctx, s.url(), &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool { pings.Add(1); return true },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ended := make(chan error, 1)
	go func() { _, _, err := ws.Read(ctx); ended <- err }() // answers pings
	time.Sleep(400 * time.Millisecond)
	select {
	case err := <-ended:
		t.Fatalf("the socket ended while idle: %v", err)
	default:
	}
	if n := pings.Load(); n < 4 {
		t.Fatalf("%d pings in 400 ms at one per 40 ms", n)
	}
	if s.set.Len() != 1 {
		t.Fatal("an idle socket that answers pings was dropped")
	}
	// A peer that never answers is dropped.
	dead := deadPeer(t, s.url())
	defer dead.Close()
	deadline := time.Now().Add(3 * time.Second)
	for s.set.Len() != 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for s.set.Len() > 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := s.set.Len(); n > 1 {
		t.Fatalf("%d sockets; the one that never answers pings was kept", n)
	}
}

// deadPeer opens a socket by hand and never reads from it again.
func deadPeer(t *testing.T, url string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(url, "/ws"), "ws://"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = nc.Write([]byte("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256)
	if _, err := nc.Read(buf); err != nil || !bytes.HasPrefix(buf, []byte("HTTP/1.1 101")) {
		t.Fatalf("no upgrade: %q %v", buf, err)
	}
	return nc
}

// At the token's expiry the socket closes with TokenExpired; a socket
// closed before Start is closed by Start with the code recorded.
func TestExpiryAndACloseBeforeStart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		prep func(c *socket.Conn)
		want websocket.StatusCode
	}{
		{"expiry", func(c *socket.Conn) { c.ExpireAt(time.Now().Add(100 * time.Millisecond)) }, wsclose.TokenExpired},
		{"closed before start", func(c *socket.Conn) { c.Close(socket.Restart, socket.RestartReason) }, socket.Restart},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ws, err := socket.Accept(w, r, 0)
				if err != nil {
					return
				}
				c := socket.NewConn(socket.ConnOptions{})
				tc.prep(c)
				if !c.Start(ws, nil) {
					return
				}
				for {
					if _, _, err := ws.Read(context.Background()); err != nil {
						return
					}
				}
			}))
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			ws, _, err := websocket.Dial(ctx, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.CloseNow()
			if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != tc.want {
				t.Fatalf("closed with %v, want %d", err, tc.want)
			}
		})
	}
}
