package socket

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// hijackable is a ResponseWriter whose Hijack returns a connection and a
// reader that already buffered what the client sent first, as net/http's
// does when a client's frame arrives with the handshake.
type hijackable struct {
	*httptest.ResponseRecorder
	conn net.Conn
	brw  *bufio.ReadWriter
}

func (h *hijackable) Hijack() (net.Conn, *bufio.ReadWriter, error) { return h.conn, h.brw, nil }

// The bytes the HTTP server read ahead are not lost when the WebSocket
// library, as it does, keeps only what the returned reader has buffered
// and reads the rest from the returned connection (the cause of the
// collaboration sockets dropped with 1000 or 1002 right after opening).
func TestCorkWriterKeepsBytesReadAhead(t *testing.T) {
	server, client := net.Pipe()
	defer server.Close()
	defer client.Close()
	pre := bufio.NewReader(io.MultiReader(strings.NewReader("first frame|"), server))
	if _, err := pre.Peek(len("first frame|")); err != nil {
		t.Fatal(err)
	}
	w := NewCorkWriter(&hijackable{ResponseRecorder: httptest.NewRecorder(), conn: server,
		brw: bufio.NewReadWriter(pre, bufio.NewWriter(server))}, time.Second)
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Fatal(err)
	}
	// What coder/websocket's Accept does with the hijacked reader.
	b, _ := brw.Reader.Peek(brw.Reader.Buffered())
	brw.Reader.Reset(io.MultiReader(bytes.NewReader(b), nc))
	go func() { _, _ = client.Write([]byte("then the rest")) }()
	got := make([]byte, len("first frame|then the rest"))
	if _, err := io.ReadFull(brw.Reader, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != "first frame|then the rest" {
		t.Fatalf("read %q", got)
	}
	if w.Cork() == nil || nc != w.Cork() {
		t.Fatal("the hijacked connection is not the Cork")
	}
}

// recorder is a connection that records each write.
type recorder struct {
	net.Conn
	writes [][]byte
}

func (r *recorder) Write(p []byte) (int, error) {
	r.writes = append(r.writes, bytes.Clone(p))
	return len(p), nil
}
func (r *recorder) SetWriteDeadline(time.Time) error { return nil }

// Corked writes leave together on Uncork, nested corks at the outermost;
// WriteMessages writes whole unmasked binary server frames in one write.
func TestCorkCollectsWritesAndFrames(t *testing.T) {
	rec := &recorder{}
	c := &Cork{Conn: rec, timeout: time.Second}
	_, _ = c.Write([]byte("now"))
	c.Cork()
	c.Cork()
	_, _ = c.Write([]byte("a"))
	_, _ = c.Write([]byte("b"))
	_ = c.Uncork()
	if len(rec.writes) != 1 {
		t.Fatalf("%d writes inside a nested cork, want 1", len(rec.writes))
	}
	_ = c.Uncork()
	if len(rec.writes) != 2 || string(rec.writes[1]) != "ab" {
		t.Fatalf("writes %q, want [now ab]", rec.writes)
	}
	big := bytes.Repeat([]byte{7}, 300)
	if err := c.WriteMessages([][]byte{{1, 2}, big}); err != nil {
		t.Fatal(err)
	}
	want := append([]byte{0x82, 2, 1, 2, 0x82, 126, 1, 44}, big...)
	if len(rec.writes) != 3 || !bytes.Equal(rec.writes[2], want) {
		t.Fatalf("frames % x…, want % x…", rec.writes[len(rec.writes)-1][:8], want[:8])
	}
}
