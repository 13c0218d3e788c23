package ws

import (
	"context"
	"errors"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/peerprep/peerprep/libs/quota"
	"github.com/peerprep/peerprep/libs/socket"
	"github.com/peerprep/peerprep/libs/validation"
	"github.com/peerprep/peerprep/libs/wsclose"

	"github.com/peerprep/peerprep/services/chat/internal/chat"
)

// Conn is one participant's socket.
type Conn struct {
	h    *Hub
	p    chat.Participant
	send chan []byte
	done chan struct{} // closed when the socket is to close
	slot quota.Slot    // one of the user's sockets in the room

	mu        sync.Mutex
	ws        *websocket.Conn
	closeCode websocket.StatusCode
	closeWhy  string
	once      sync.Once
}

func newConn(h *Hub, p chat.Participant) *Conn {
	return &Conn{h: h, p: p, send: make(chan []byte, h.o.QueueSize), done: make(chan struct{})}
}

// enqueue queues a frame without blocking; a socket whose queue is full is
// too slow to keep up and is dropped rather than holding up the room.
func (c *Conn) enqueue(frame []byte) {
	select {
	case <-c.done:
	case c.send <- frame:
	default:
		c.close(socket.TooSlow, socket.TooSlowReason)
	}
}

// close asks the socket to close with code (once).
func (c *Conn) close(code websocket.StatusCode, reason string) {
	c.once.Do(func() {
		c.mu.Lock()
		c.closeCode, c.closeWhy = code, reason
		ws := c.ws
		c.mu.Unlock()
		close(c.done)
		if ws != nil {
			// Close does the closing handshake (bounded by the library), so it
			// runs apart from whoever asked.
			go func() { _ = ws.Close(code, reason) }()
		}
	})
}

// Close asks the socket to close with code (socket.Set).
func (c *Conn) Close(code websocket.StatusCode, reason string) { c.close(code, reason) }

// CloseNow drops the socket without a closing handshake (socket.Set).
func (c *Conn) CloseNow() {
	c.close(websocket.StatusGoingAway, "")
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	if ws != nil {
		_ = ws.CloseNow()
	}
}

// Abort releases a socket whose upgrade failed.
func (h *Hub) Abort(c *Conn) {
	c.close(websocket.StatusInternalError, "")
	h.leave(c)
}

// Serve runs the upgraded socket of c until it closes, then releases it.
// At expires, the expiry of the access token it was opened with, it closes
// with wsclose.TokenExpired (zero: never).
func (h *Hub) Serve(c *Conn, ws *websocket.Conn, expires time.Time) {
	defer h.leave(c)
	ws.SetReadLimit(h.o.ReadLimit)
	c.mu.Lock()
	c.ws = ws
	c.mu.Unlock()
	stop := wsclose.AtExpiry(expires, func() { c.close(wsclose.TokenExpired, wsclose.TokenExpiredReason) })
	defer stop()
	select {
	case <-c.done: // closed before the upgrade finished (shutdown, too slow)
		c.mu.Lock()
		code, why := c.closeCode, c.closeWhy
		c.mu.Unlock()
		_ = ws.Close(code, why)
		return
	default:
	}
	if h.conns.Closing() {
		c.close(socket.Restart, socket.RestartReason)
	}
	// The request's context ends with the hijack; the socket has its own.
	// Reading goes on after close() until the closing handshake ends it, so
	// the client sees the close code.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop(ctx, ws)
	}()
	c.readLoop(ctx, ws)
	c.close(websocket.StatusNormalClosure, "")
	cancel()
	<-writerDone
}

func (c *Conn) writeLoop(ctx context.Context, ws *websocket.Conn) {
	ping := time.NewTicker(c.h.o.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.done:
			return
		case frame := <-c.send:
			wctx, cancel := context.WithTimeout(ctx, c.h.o.WriteTimeout)
			err := ws.Write(wctx, websocket.MessageText, frame)
			cancel()
			if err != nil {
				c.close(websocket.StatusGoingAway, "write failed")
				_ = ws.CloseNow()
				return
			}
		case <-ping.C:
			go func() {
				pctx, cancel := context.WithTimeout(ctx, c.h.o.WriteTimeout+5*time.Second)
				defer cancel()
				if err := ws.Ping(pctx); err != nil && ctx.Err() == nil {
					c.close(websocket.StatusGoingAway, "no pong")
					_ = ws.CloseNow()
				}
			}()
		}
	}
}

func (c *Conn) readLoop(ctx context.Context, ws *websocket.Conn) {
	frames := rate.NewLimiter(rate.Limit(c.h.o.FramesPerSec), int(c.h.o.FramesPerSec))
	for {
		typ, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		select {
		case <-c.done:
			continue // closing: nothing more is accepted; reading ends with the handshake
		default:
		}
		if typ == websocket.MessageText && !utf8.Valid(data) {
			// RFC 6455 §8.1: a text frame must be UTF-8.
			c.close(websocket.StatusInvalidFramePayloadData, "text frames must be UTF-8")
			continue
		}
		if !frames.Allow() {
			c.reject(&FrameError{Code: CodeRateLimited, Message: "too many frames; slow down"})
			continue
		}
		if typ != websocket.MessageText {
			c.reject(&FrameError{Code: CodeInvalidFrame, Message: "frames must be text (JSON)"})
			continue
		}
		f, ferr := ParseClientFrame(data)
		if ferr != nil {
			c.reject(ferr)
			continue
		}
		c.accept(ctx, f)
	}
}

// accept hands a valid frame to the service. A new message's echo reaches
// this socket through the room like everyone's; a resent one (same
// client_id) is acknowledged to this socket alone with the message as first
// accepted.
func (c *Conn) accept(ctx context.Context, f ClientFrame) {
	sctx, cancel := context.WithTimeout(ctx, c.h.o.SendTimeout)
	defer cancel()
	m, dup, err := c.h.o.Sender.Send(sctx, c.p, f.ClientID, f.Text)
	var (
		rl *chat.RateLimitedError
		ve *validation.Error
	)
	switch {
	case err == nil && dup:
		c.enqueue(messageBytes(m))
	case err == nil:
	case errors.As(err, &rl):
		c.reject(&FrameError{Code: CodeRateLimited, Message: retryAfterMessage(rl.RetryAfter), ClientID: f.ClientID})
	case errors.As(err, &ve):
		c.reject(validationError(err, f.ClientID))
	default:
		if ctx.Err() == nil {
			c.h.log.Warn("message not accepted", "room", c.p.RoomID, "error", err.Error())
		}
		c.reject(&FrameError{Code: CodeUnavailable, Message: "the message was not sent; resend it with the same client_id", ClientID: f.ClientID})
	}
}

func (c *Conn) reject(e *FrameError) { c.enqueue(errorBytes(e)) }
