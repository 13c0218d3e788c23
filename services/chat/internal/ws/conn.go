package ws

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/peerprep/peerprep/libs/quota"
	"github.com/peerprep/peerprep/libs/socket"
	"github.com/peerprep/peerprep/libs/validation"

	"github.com/peerprep/peerprep/services/chat/internal/chat"
)

// Conn is one participant's socket.
type Conn struct {
	*socket.Conn
	h    *Hub
	p    chat.Participant
	slot quota.Slot // one of the user's sockets in the room
}

func newConn(h *Hub, p chat.Participant) *Conn {
	return &Conn{h: h, p: p, Conn: socket.NewConn(socket.ConnOptions{
		MaxQueue:     h.o.QueueSize,
		WriteTimeout: h.o.WriteTimeout,
		PingEvery:    h.o.PingInterval,
		PingTimeout:  h.o.WriteTimeout + 5*time.Second,
	})}
}

// enqueue queues a frame without blocking; a socket whose queue is full is
// too slow to keep up and is dropped (socket.TooSlow) rather than holding
// up the room.
func (c *Conn) enqueue(frame []byte) { c.Send(frame) }

// Abort releases a socket whose upgrade failed.
func (h *Hub) Abort(c *Conn) {
	c.Close(websocket.StatusInternalError, "")
	h.leave(c)
}

// Serve runs the upgraded socket of c until it closes, then releases it.
// At expires, the expiry of the access token it was opened with, it closes
// with wsclose.TokenExpired (zero: never).
func (h *Hub) Serve(c *Conn, ws *websocket.Conn, expires time.Time) {
	defer h.leave(c)
	ws.SetReadLimit(h.o.ReadLimit)
	c.ExpireAt(expires)
	if h.conns.Closing() {
		c.Close(socket.Restart, socket.RestartReason)
	}
	// Closed before the upgrade finished (shutdown, too slow): Start closes
	// ws with that code.
	if !c.Start(ws, nil) {
		return
	}
	// The request's context ends with the hijack; the socket has its own.
	// Reading goes on after a close until the closing handshake ends it, so
	// the client sees the close code.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.readLoop(ctx, ws)
	c.Close(websocket.StatusNormalClosure, "")
}

func (c *Conn) readLoop(ctx context.Context, ws *websocket.Conn) {
	frames := rate.NewLimiter(rate.Limit(c.h.o.FramesPerSec), int(c.h.o.FramesPerSec))
	for {
		typ, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		if c.Closed() {
			continue // closing: nothing more is accepted; reading ends with the handshake
		}
		if typ == websocket.MessageText && !utf8.Valid(data) {
			// RFC 6455 §8.1: a text frame must be UTF-8.
			c.Close(websocket.StatusInvalidFramePayloadData, "text frames must be UTF-8")
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
