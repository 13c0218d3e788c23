package room

// A socket of a room: its writing side is a socket.Conn (a bounded send
// queue drained on demand and corked, keepalives and pings, closing); this
// is what the room keeps beside it.

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/peerprep/peerprep/libs/quota"
	"github.com/peerprep/peerprep/libs/socket"
	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
	"github.com/peerprep/peerprep/services/collaboration/internal/yproto"
)

// Conn is one client's socket in a room.
type Conn struct {
	*socket.Conn
	id   string
	user string
	room *room
	hub  *Hub
	slot quota.Slot // one of the user's sockets in the session

	// Fixed once joined: what the client was sent when it joined.
	startID    doc.StreamID // stream entries up to here came with the document
	gen        uint64       // the room's join count when it joined (room.local)
	joinMaxSeq int64        // stored updates up to here came with the document
	initial    [][]byte     // the join messages, until written

	mu      sync.Mutex
	fullReq *fullStateRequest

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

func (h *Hub) newConn(user string, r *room, slot quota.Slot) *Conn {
	return &Conn{id: h.nextID(), user: user, room: r, hub: h, slot: slot,
		awLimit: rate.NewLimiter(rate.Limit(h.o.AwarenessPerSec), 2*int(h.o.AwarenessPerSec)),
		Conn: socket.NewConn(socket.ConnOptions{
			MaxQueue:      h.o.MaxQueue,
			MaxQueueBytes: h.o.MaxQueueBytes,
			WriteTimeout:  h.o.WriteTimeout,
			PingEvery:     h.o.PingEvery,
			KeepAlive:     yproto.KeepAlive,
			Binary:        true,
		})}
}

// fullStateRequest is an unanswered sync step 1 with an empty state vector.
type fullStateRequest struct {
	cover doc.Coverage // what the client is known to hold
	owned bool         // it holds the room's compaction slot
}

// enqueue queues msg for the client; a client too slow to keep up is
// dropped (socket.TooSlow; it reconnects and resyncs) rather than holding
// up the others.
func (c *Conn) enqueue(msg []byte) { c.Send(msg) }
