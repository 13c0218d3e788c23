package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/peerprep/peerprep/libs/requestid"
)

// ReadDeadline bounds how long reading one request may take, its body
// included: a client sending a body a byte at a time is cut off after d
// instead of holding the connection (http.Server.ReadHeaderTimeout bounds
// only the headers). A WebSocket upgrade keeps no deadline: net/http
// clears it when the connection is hijacked, so sockets live on.
// d <= 0 sets none.
func ReadDeadline(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if d <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Counted from the start of the request, as http.Server's
			// ReadTimeout is; not every writer supports it (tests' recorders).
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
			next.ServeHTTP(w, r)
		})
	}
}

// JSONErrors wraps srv's listener so the few errors net/http answers
// itself, before any handler runs, are in the JSON error shape of
// ARCHITECTURE §3 too: 431 (headers over MaxHeaderBytes), 400 (a request
// net/http cannot parse) and 501 (a Transfer-Encoding it does not know).
// net/http writes each as one plain-text write straight to the connection,
// with headers no handler response has (Content-Type then Connection, and
// nothing else); that write is replaced. A hijacked connection (a
// WebSocket) is left alone: what it carries is the handler's (srv's
// ConnState hook tells). What cannot be changed this way: the status line
// and the connection closing after it (net/http hangs up), and requests
// that never get an answer (a client gone, a TLS handshake failing).
func JSONErrors(srv *http.Server, ln net.Listener) net.Listener {
	prev := srv.ConnState
	srv.ConnState = func(c net.Conn, st http.ConnState) {
		if jc, ok := c.(*jsonErrorConn); ok && st == http.StateHijacked {
			jc.hijacked.Store(true)
		}
		if prev != nil {
			prev(c, st)
		}
	}
	return jsonErrorListener{ln}
}

type jsonErrorListener struct{ net.Listener }

func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrorConn{Conn: c}, nil
}

type jsonErrorConn struct {
	net.Conn
	hijacked atomic.Bool
}

// plainErrorHeaders follow the status line in net/http's own error answers.
const plainErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c *jsonErrorConn) Write(p []byte) (int, error) {
	if c.hijacked.Load() || !bytes.HasPrefix(p, []byte("HTTP/1.1 ")) {
		return c.Conn.Write(p)
	}
	statusLine, rest, ok := bytes.Cut(p, []byte(plainErrorHeaders))
	if !ok || bytes.Contains(statusLine, []byte("\r\n")) {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(jsonError(string(statusLine), string(rest))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// jsonError turns net/http's plain-text answer into the JSON one.
func jsonError(statusLine, text string) []byte {
	var status int
	_, _ = fmt.Sscanf(statusLine, "HTTP/1.1 %d", &status)
	code := map[int]string{
		http.StatusBadRequest:                  "invalid_request",
		http.StatusRequestHeaderFieldsTooLarge: "headers_too_large",
		http.StatusNotImplemented:              "not_implemented",
	}[status]
	if code == "" {
		code = strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
	}
	msg := strings.ToLower(http.StatusText(status))
	if status == http.StatusNotImplemented {
		msg = "unsupported transfer encoding"
	} else if _, reason, ok := strings.Cut(text, ": "); ok {
		msg = reason // "400 Bad Request: missing required Host header"
	}
	id := requestid.New()
	body, _ := json.Marshal(errorBody{Error: errorDetail{Code: code, Message: msg}, RequestID: id})
	head := fmt.Sprintf("%s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nX-Content-Type-Options: nosniff\r\n%s: %s\r\nConnection: close\r\n\r\n",
		statusLine, len(body), requestid.Header, id)
	return append([]byte(head), body...)
}
