package room

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

// corkConn lets a batch of WebSocket messages leave in a few writes. The
// WebSocket library flushes after every message; while corked, those
// flushes collect here and go out together on Uncork (or every 64 KiB).
// Joining a document of thousands of updates is then a handful of system
// calls instead of one per update.
type corkConn struct {
	net.Conn
	timeout time.Duration

	mu     sync.Mutex
	corked int
	buf    []byte
}

func (c *corkConn) Write(p []byte) (int, error) {
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
func (c *corkConn) Cork() {
	c.mu.Lock()
	c.corked++
	c.mu.Unlock()
}

// Uncork ends one Cork and, at the outermost, writes what was collected.
func (c *corkConn) Uncork() error {
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

func (c *corkConn) flushLocked() error {
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
func (c *corkConn) WriteMessages(msgs [][]byte) error {
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

// hijackWriter hands the WebSocket library a corkConn instead of the raw
// connection when it hijacks the request.
type hijackWriter struct {
	http.ResponseWriter
	timeout time.Duration
	cork    *corkConn
}

func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil { // the handshake response, if still buffered
		_ = nc.Close()
		return nil, nil, err
	}
	w.cork = &corkConn{Conn: nc, timeout: w.timeout}
	// Smaller buffers than net/http's 4 KiB: a socket is mostly idle, and
	// reads or writes larger than a buffer bypass it anyway (writes are
	// collected by the cork).
	pending, _ := brw.Reader.Peek(brw.Reader.Buffered())
	rd := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(pending)), w.cork), 1<<10)
	return w.cork, bufio.NewReadWriter(rd, bufio.NewWriterSize(w.cork, 1<<10)), nil
}

func (w *hijackWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
