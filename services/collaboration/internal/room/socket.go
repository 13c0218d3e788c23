package room

// A socket's writing side: a bounded send queue drained by a goroutine
// that exists only while there is something to write (corked, so a batch
// leaves in few writes), keepalives and pings, and closing.

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/peerprep/peerprep/libs/quota"
	"github.com/peerprep/peerprep/libs/socket"
	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
	"github.com/peerprep/peerprep/services/collaboration/internal/yproto"
)

// Conn is one client's socket in a room.
type Conn struct {
	id   string
	user string
	room *room
	hub  *Hub

	// Fixed once joined: what the client was sent when it joined.
	startID    doc.StreamID // stream entries up to here came with the document
	joinMaxSeq int64        // stored updates up to here came with the document
	initial    [][]byte     // the join messages, until written

	ws        *websocket.Conn
	cork      *socket.Cork
	stopTimer func() bool // the close at the token's expiry
	slot      quota.Slot  // one of the user's sockets in the session

	mu        sync.Mutex
	queue     [][]byte
	queued    int // bytes in queue
	ready     bool
	writing   bool // a drain goroutine is running
	closed    bool
	closeCode websocket.StatusCode
	closeText string
	lastWrite time.Time
	fullReq   *fullStateRequest
	timer     *time.Timer
	ticks     int

	// Read loop only.
	awareness map[uint64]uint64 // this client's awareness ids → last clock

	// Awareness relayed at most AwarenessPerSec: a cursor dragged, or a
	// client flooding, is coalesced to its latest state.
	awMu      sync.Mutex
	awLimit   *rate.Limiter
	awPending []byte // the latest awareness message waiting for its turn
	awTimer   *time.Timer
	awDone    bool // the socket left: nothing more is relayed
}

// fullStateRequest is an unanswered sync step 1 with an empty state vector.
type fullStateRequest struct {
	cover doc.Coverage // what the client is known to hold
	owned bool         // it holds the room's compaction slot
}

// enqueue queues msg for the client; a client too slow to keep up is
// dropped (it reconnects and resyncs) rather than holding up the others.
func (c *Conn) enqueue(msg []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enqueueLocked(msg)
}

func (c *Conn) enqueueLocked(msg []byte) bool {
	if c.closed {
		return false
	}
	if len(c.queue) >= c.hub.o.MaxQueue || c.queued+len(msg) > c.hub.o.MaxQueueBytes {
		c.closeLocked(socket.TooSlow, socket.TooSlowReason)
		return false
	}
	c.queue = append(c.queue, msg)
	c.queued += len(msg)
	if c.ready && !c.writing {
		c.writing = true
		go c.drain()
	}
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
		c.mu.Unlock()
		if err := c.writeBatch(batch); err != nil {
			c.mu.Lock()
			c.writing = false
			c.mu.Unlock()
			c.closeNow()
			return
		}
	}
}

func (c *Conn) writeBatch(batch [][]byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.hub.o.WriteTimeout)
	defer cancel()
	if c.cork != nil {
		c.cork.Cork() // a message leaves in one write, a batch in few
	}
	var err error
	for _, m := range batch {
		if err = c.ws.Write(ctx, websocket.MessageBinary, m); err != nil {
			break
		}
	}
	if c.cork != nil {
		if uerr := c.cork.Uncork(); err == nil {
			err = uerr
		}
	}
	return err
}

// tick runs every PingEvery/2: it sends a keepalive when nothing was sent
// for that long (y-websocket reconnects after 30 s of silence) and, every
// other time, a ping that must be answered.
func (c *Conn) tick() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	half := c.hub.o.PingEvery / 2
	if time.Since(c.lastWrite) >= half-time.Second/10 {
		c.lastWrite = time.Now()
		c.enqueueLocked(yproto.KeepAlive)
	}
	c.ticks++
	ping := c.ticks%2 == 0
	c.timer.Reset(half)
	ws := c.ws
	c.mu.Unlock()
	if ping {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), half)
			defer cancel()
			if err := ws.Ping(ctx); err != nil {
				c.closeNow()
			}
		}()
	}
}

func (c *Conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// closeWith closes the socket with a close frame.
func (c *Conn) closeWith(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked(code, reason)
}

func (c *Conn) closeLocked(code websocket.StatusCode, reason string) {
	if c.closed {
		return
	}
	c.closed, c.closeCode, c.closeText = true, code, reason
	c.queue, c.queued = nil, 0
	if c.timer != nil {
		c.timer.Stop()
	}
	c.stopTimer()
	if ws := c.ws; ws != nil {
		go func() { _ = ws.Close(code, reason) }()
	}
}

// Close closes the socket with a close frame (socket.Set).
func (c *Conn) Close(code websocket.StatusCode, reason string) { c.closeWith(code, reason) }

// CloseNow drops the connection without a close handshake (socket.Set).
func (c *Conn) CloseNow() { c.closeNow() }

// closeNow drops the connection without a close handshake.
func (c *Conn) closeNow() {
	c.mu.Lock()
	c.closed = true
	c.queue, c.queued = nil, 0
	if c.timer != nil {
		c.timer.Stop()
	}
	c.stopTimer()
	ws := c.ws
	c.mu.Unlock()
	if ws != nil {
		_ = ws.CloseNow()
	}
}
