package server

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// serve runs s on a free port until the test ends and returns its address.
func serve(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

// TestSlowBodiesAreCutOffButSocketsLive is a slow-loris client: a body
// sent a byte every 100 ms is cut off at ReadTimeout, while a connection
// upgraded to a WebSocket (hijacked) stays open past it.
func TestSlowBodiesAreCutOffButSocketsLive(t *testing.T) {
	t.Parallel()
	timeout := 300 * time.Millisecond
	s, _ := newTestServer(t, func(o *Options) { o.ReadTimeout = timeout })
	s.Echo.GET("/ws", func(c echo.Context) error {
		conn, brw, err := http.NewResponseController(c.Response()).Hijack()
		if err != nil {
			return err
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		_ = brw.Flush()
		line, err := brw.ReadString('\n') // the client speaks after the timeout
		if err == nil {
			_, _ = conn.Write([]byte("echo " + line))
		}
		return nil
	})
	addr := serve(t, s)

	t.Run("a slow body is cut off", func(t *testing.T) {
		t.Parallel()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		_, _ = io.WriteString(c, "POST /test-service-api/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
		closed := make(chan time.Duration, 1)
		go func() {
			_, _ = io.Copy(io.Discard, c) // until the server hangs up
			closed <- time.Since(start)
		}()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case el := <-closed:
				if el < timeout || el > 5*timeout {
					t.Fatalf("hung up after %v; the timeout is %v", el, timeout)
				}
				return
			case <-tick.C:
				_, _ = c.Write([]byte(" "))
			case <-time.After(5 * time.Second):
				t.Fatal("the slow body held the connection for 5 s")
			}
		}
	})
	t.Run("an upgraded connection outlives the timeout", func(t *testing.T) {
		t.Parallel()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _ = io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("upgrade: %v %v", resp, err)
		}
		time.Sleep(3 * timeout)
		_, _ = io.WriteString(c, "still here\n")
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		got, err := br.ReadString('\n')
		if err != nil || got != "echo still here\n" {
			t.Fatalf("after the timeout: %q %v", got, err)
		}
	})
}

// TestLowLevelErrorsAreJSON: the errors net/http answers before any
// handler runs come in the JSON error shape.
func TestLowLevelErrorsAreJSON(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	// A socket's bytes are its own, even when they look like net/http's.
	lookalike := "HTTP/1.1 400 Bad Request" + plainErrorHeaders + "400 Bad Request"
	s.Echo.GET("/raw", func(c echo.Context) error {
		conn, _, err := http.NewResponseController(c.Response()).Hijack()
		if err != nil {
			return err
		}
		defer conn.Close()
		_, _ = io.WriteString(conn, lookalike)
		return nil
	})
	addr := serve(t, s)
	for _, tc := range []struct {
		name, request string
		status        int
		code          string
	}{
		{"headers over 64 KiB", "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 80<<10) + "\r\n\r\n", 431, "headers_too_large"},
		{"a malformed request line", "GARBAGE\r\n\r\n", 400, "invalid_request"},
		{"no Host header", "GET /health HTTP/1.1\r\n\r\n", 400, "invalid_request"},
		{"an unknown transfer encoding", "POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "not_implemented"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			go func() { _, _ = io.WriteString(c, tc.request) }()
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body errResp
			raw, _ := io.ReadAll(resp.Body)
			if err := json.Unmarshal(raw, &body); err != nil || resp.StatusCode != tc.status || body.Error.Code != tc.code ||
				body.Error.Message == "" || body.RequestID == "" || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
			}
		})
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "GET /raw HTTP/1.1\r\nHost: x\r\n\r\n")
	if got, _ := io.ReadAll(c); string(got) != lookalike {
		t.Fatalf("a hijacked connection's write was changed: %q", got)
	}
	// Ordinary answers pass through untouched.
	resp, err := http.Get("http://" + addr + "/health/live")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
}
