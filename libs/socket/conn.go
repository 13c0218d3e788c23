package socket

// A socket's writing side: a bounded send queue drained by a goroutine
// that exists only while there is something to write (corked, when the
// socket was accepted through a CorkWriter, so a batch leaves in few
// writes), pings and keepalives on a timer, and closing.

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/peerprep/peerprep/libs/wsclose"
)

// ConnOptions configure a Conn. Zero values take the defaults named.
type ConnOptions struct {
	// MaxQueue is how many messages may wait for the client; one more and
	// the client is too slow to keep up: the socket is closed with TooSlow
	// (it reconnects and resyncs) rather than holding up the others.
	// Default 256.
	MaxQueue int
	// MaxQueueBytes bounds their bytes as well; 0: no bound.
	MaxQueueBytes int
	// WriteTimeout bounds writing one message, or one batch when corked.
	// Default 10 s.
	WriteTimeout time.Duration
	// PingEvery is how often a ping goes out that must be answered within
	// PingTimeout (default PingEvery/2), or the socket is dropped. Default
	// 25 s (the ALB drops connections idle for 60 s).
	PingEvery   time.Duration
	PingTimeout time.Duration
	// KeepAlive, when set, is sent whenever nothing was sent for
	// PingEvery/2 (a y-websocket client reconnects after 30 s of silence).
	KeepAlive []byte
	// Binary sends binary messages; text otherwise.
	Binary bool
}

// Conn is the writing side of one socket. It is made before the upgrade
// (messages queue until Start) and closed exactly once: by Close with a
// code, by CloseNow, when its queue overflows (TooSlow), when a write or
// ping fails (dropped), or at ExpireAt (wsclose.TokenExpired). Reading
// stays with the service, which must read for pings and the closing
// handshake to complete.
type Conn struct {
	o    ConnOptions
	done chan struct{} // closed once the socket is closing

	mu         sync.Mutex
	ws         *websocket.Conn
	cork       *Cork
	queue      [][]byte
	queued     int // bytes in queue
	started    bool
	writing    bool // a drain goroutine is running
	closed     bool
	code       websocket.StatusCode
	reason     string
	lastWrite  time.Time
	timer      *time.Timer
	ticks      int
	stopExpiry func() bool
}

// The defaults of ConnOptions, for hubs that need the value itself.
const (
	DefaultMaxQueue     = 256
	DefaultWriteTimeout = 10 * time.Second
	DefaultPingEvery    = 25 * time.Second
)

// NewConn returns a Conn not yet started.
func NewConn(o ConnOptions) *Conn {
	if o.MaxQueue <= 0 {
		o.MaxQueue = DefaultMaxQueue
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.PingEvery <= 0 {
		o.PingEvery = DefaultPingEvery
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = o.PingEvery / 2
	}
	return &Conn{o: o, done: make(chan struct{})}
}

// Send queues msg for the client without blocking; false when the socket
// is closed, or has just been closed with TooSlow because its queue was
// full.
func (c *Conn) Send(msg []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sendLocked(msg)
}

func (c *Conn) sendLocked(msg []byte) bool {
	if c.closed {
		return false
	}
	if len(c.queue) >= c.o.MaxQueue || (c.o.MaxQueueBytes > 0 && c.queued+len(msg) > c.o.MaxQueueBytes) {
		c.closeLocked(TooSlow, TooSlowReason)
		return false
	}
	c.queue = append(c.queue, msg)
	c.queued += len(msg)
	if c.started && !c.writing {
		c.writing = true
		go c.drain()
	}
	return true
}

// Start hands the upgraded ws (and its Cork, when accepted through a
// CorkWriter; else nil) to c: first is written before anything queued
// (corked, as raw frames, when binary), then the queue drains and pings
// begin. While first is written nothing else writes to ws, and a close
// meanwhile is only recorded. False means c was closed before or while
// starting: ws has been closed with the recorded code.
func (c *Conn) Start(ws *websocket.Conn, cork *Cork, first ...[]byte) bool {
	c.mu.Lock()
	c.cork = cork
	closed, code, reason := c.closed, c.code, c.reason
	c.mu.Unlock()
	if closed {
		_ = ws.Close(code, reason)
		return false
	}
	if len(first) > 0 {
		var err error
		if cork != nil && c.o.Binary {
			err = cork.WriteMessages(first)
		} else {
			err = c.write(ws, cork, first, max(c.o.WriteTimeout, 30*time.Second))
		}
		if err != nil {
			c.CloseNow()
			_ = ws.CloseNow()
			return false
		}
	}
	c.mu.Lock()
	c.ws = ws
	if c.closed {
		code, reason := c.code, c.reason
		c.mu.Unlock()
		_ = ws.Close(code, reason)
		return false
	}
	c.started = true
	c.lastWrite = time.Now()
	c.timer = time.AfterFunc(c.o.PingEvery/2, c.tick)
	if len(c.queue) > 0 && !c.writing {
		c.writing = true
		go c.drain()
	}
	c.mu.Unlock()
	return true
}

// drain writes queued messages until the queue is empty; it exists only
// while there is something to write, so idle sockets cost no goroutine.
func (c *Conn) drain() {
	for {
		c.mu.Lock()
		if c.closed || len(c.queue) == 0 {
			c.writing = false
			c.mu.Unlock()
			return
		}
		batch := c.queue
		c.queue, c.queued = nil, 0
		c.lastWrite = time.Now()
		ws, cork := c.ws, c.cork
		c.mu.Unlock()
		if err := c.write(ws, cork, batch, c.o.WriteTimeout); err != nil {
			c.mu.Lock()
			c.writing = false
			c.mu.Unlock()
			c.drop()
			return
		}
	}
}

// write writes msgs, each within timeout, or all of them when corked (a
// message leaves in one write, a batch in few).
func (c *Conn) write(ws *websocket.Conn, cork *Cork, msgs [][]byte, timeout time.Duration) error {
	typ := websocket.MessageText
	if c.o.Binary {
		typ = websocket.MessageBinary
	}
	if cork == nil {
		for _, m := range msgs {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			err := ws.Write(ctx, typ, m)
			cancel()
			if err != nil {
				return err
			}
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cork.Cork()
	var err error
	for _, m := range msgs {
		if err = ws.Write(ctx, typ, m); err != nil {
			break
		}
	}
	if uerr := cork.Uncork(); err == nil {
		err = uerr
	}
	return err
}

// tick runs every PingEvery/2: it sends the keepalive when nothing was
// sent for that long and, every other time, a ping that must be answered.
func (c *Conn) tick() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	half := c.o.PingEvery / 2
	if c.o.KeepAlive != nil && time.Since(c.lastWrite) >= half-time.Second/10 {
		c.lastWrite = time.Now()
		c.sendLocked(c.o.KeepAlive)
	}
	c.ticks++
	ping := c.ticks%2 == 0
	if !c.closed {
		c.timer.Reset(half)
	}
	ws := c.ws
	c.mu.Unlock()
	if ping {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), c.o.PingTimeout)
			defer cancel()
			if err := ws.Ping(ctx); err != nil {
				c.drop()
			}
		}()
	}
}

// drop drops the socket after a failed write or ping, unless it is
// closing already (the failure is then the close's doing).
func (c *Conn) drop() {
	if !c.Closed() {
		c.CloseNow()
	}
}

// ExpireAt closes the socket with wsclose.TokenExpired at exp, the expiry
// of the access token it was opened with (zero: never).
func (c *Conn) ExpireAt(exp time.Time) {
	stop := wsclose.AtExpiry(exp, func() { c.Close(wsclose.TokenExpired, wsclose.TokenExpiredReason) })
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		stop()
		return
	}
	c.stopExpiry = stop
}

// Close closes the socket with a close frame (once); the closing
// handshake runs apart from the caller. Before Start it is recorded, and
// Start closes with it.
func (c *Conn) Close(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked(code, reason)
}

func (c *Conn) closeLocked(code websocket.StatusCode, reason string) {
	if !c.markClosedLocked(code, reason) {
		return
	}
	if ws := c.ws; ws != nil {
		go func() { _ = ws.Close(code, reason) }()
	}
}

// markClosedLocked records the close; false when it was closed already.
func (c *Conn) markClosedLocked(code websocket.StatusCode, reason string) bool {
	if c.closed {
		return false
	}
	c.closed, c.code, c.reason = true, code, reason
	c.queue, c.queued = nil, 0
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.stopExpiry != nil {
		c.stopExpiry()
	}
	close(c.done)
	return true
}

// CloseNow drops the connection without a closing handshake.
func (c *Conn) CloseNow() {
	c.mu.Lock()
	c.markClosedLocked(websocket.StatusGoingAway, "")
	ws := c.ws
	c.mu.Unlock()
	if ws != nil {
		_ = ws.CloseNow()
	}
}

// Done is closed once the socket is closing.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Closed reports whether the socket is closing.
func (c *Conn) Closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Started reports whether Start has handed c its socket (and c is open).
func (c *Conn) Started() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.started && !c.closed
}

// CloseStatus is the code and reason the socket closed with (zero while
// open; StatusGoingAway when dropped).
func (c *Conn) CloseStatus() (websocket.StatusCode, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.code, c.reason
}

// TakeQueued removes and returns the messages waiting in the queue (for a
// hub's tests, on a Conn not started).
func (c *Conn) TakeQueued() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue, c.queued = nil, 0
	return q
}
