package socket

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// corkFlushAt bounds what a corked connection buffers before writing.
const corkFlushAt = 64 << 10

// Cork lets a batch of WebSocket messages leave in a few writes: the
// connection under a socket accepted through a CorkWriter. The WebSocket
// library flushes after every message; while corked, those flushes
// collect here and go out together on Uncork (or every 64 KiB). Joining a
// document of thousands of updates is then a handful of system calls
// instead of one per update.
type Cork struct {
	net.Conn
	timeout time.Duration
	r       io.Reader // what the client sent: bytes read with the handshake, then the connection

	mu     sync.Mutex
	corked int
	buf    []byte
}

// Read reads what the client sent, starting with any bytes the HTTP
// server read ahead with the handshake.
func (c *Cork) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *Cork) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked == 0 {
		return c.Conn.Write(p)
	}
	c.buf = append(c.buf, p...)
	if len(c.buf) >= corkFlushAt {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Cork starts collecting writes; calls nest.
func (c *Cork) Cork() {
	c.mu.Lock()
	c.corked++
	c.mu.Unlock()
}

// Uncork ends one Cork and, at the outermost, writes what was collected.
func (c *Cork) Uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked > 0 {
		c.corked--
	}
	if c.corked > 0 || len(c.buf) == 0 {
		return nil
	}
	err := c.flushLocked()
	if cap(c.buf) > 16<<10 {
		c.buf = nil // an idle connection keeps no large buffer
	}
	return err
}

func (c *Cork) flushLocked() error {
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err := c.Conn.Write(c.buf)
	_ = c.Conn.SetWriteDeadline(time.Time{})
	c.buf = c.buf[:0]
	return err
}

// WriteMessages writes binary WebSocket messages as unmasked server frames
// straight to the connection, corked. Only safe while nothing else writes
// to the socket (before the connection is handed to its writers): the
// WebSocket library keeps no state about frames it did not write.
func (c *Cork) WriteMessages(msgs [][]byte) error {
	c.Cork()
	c.mu.Lock()
	var err error
	for _, m := range msgs {
		c.buf = appendFrameHeader(c.buf, len(m))
		c.buf = append(c.buf, m...)
		if len(c.buf) >= corkFlushAt {
			if err = c.flushLocked(); err != nil {
				break
			}
		}
	}
	c.mu.Unlock()
	if uerr := c.Uncork(); err == nil {
		err = uerr
	}
	return err
}

// appendFrameHeader appends the header of a final, unmasked binary frame
// (RFC 6455 §5.2).
func appendFrameHeader(b []byte, n int) []byte {
	switch {
	case n < 126:
		return append(b, 0x82, byte(n))
	case n <= 0xffff:
		return append(b, 0x82, 126, byte(n>>8), byte(n))
	default:
		return append(b, 0x82, 127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// CorkWriter hands the WebSocket library a Cork instead of the raw
// connection when Accept hijacks the request: pass it to Accept, then
// take the Cork.
type CorkWriter struct {
	http.ResponseWriter
	timeout time.Duration // per flush of corked writes
	cork    *Cork
}

// NewCorkWriter wraps w; timeout bounds each flush of corked writes.
func NewCorkWriter(w http.ResponseWriter, timeout time.Duration) *CorkWriter {
	return &CorkWriter{ResponseWriter: w, timeout: timeout}
}

// Cork is the connection of the accepted socket (nil before Accept).
func (w *CorkWriter) Cork() *Cork { return w.cork }

// Hijack implements http.Hijacker.
func (w *CorkWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil { // the handshake response, if still buffered
		_ = nc.Close()
		return nil, nil, err
	}
	// Bytes the HTTP server read ahead (a client's first frame, sent as
	// soon as it saw the handshake response) are read through the Cork
	// itself: the WebSocket library keeps only what the returned reader
	// has buffered and reads the rest from the returned connection, so
	// bytes left inside the reader's source would be lost — the frame's
	// start gone, the socket closed with 1002 or 1000.
	pending, _ := brw.Reader.Peek(brw.Reader.Buffered())
	w.cork = &Cork{Conn: nc, timeout: w.timeout, r: nc}
	if len(pending) > 0 {
		w.cork.r = io.MultiReader(bytes.NewReader(bytes.Clone(pending)), nc)
	}
	// Smaller buffers than net/http's 4 KiB: a socket is mostly idle, and
	// reads or writes larger than a buffer bypass it anyway (writes are
	// collected by the cork).
	return w.cork, bufio.NewReadWriter(bufio.NewReaderSize(w.cork, 1<<10), bufio.NewWriterSize(w.cork, 1<<10)), nil
}

// Unwrap gives http.ResponseController the wrapped writer.
func (w *CorkWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
