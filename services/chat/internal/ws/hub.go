// Package ws serves chat rooms over WebSockets: each replica's Hub keeps
// the sockets it holds, subscribes to the rooms they are in, delivers every
// room event to them in the room's one order (filling gaps from the
// room's stream), and keeps their presence counted across replicas.
package ws

import (
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/peerprep/peerprep/libs/quota"
	"github.com/peerprep/peerprep/libs/socket"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
	"github.com/peerprep/peerprep/services/chat/internal/redisroom"
)

// Bus subscribes this replica to rooms (redisroom.Bus).
type Bus interface {
	Subscribe(ctx context.Context, room string) error
	Unsubscribe(ctx context.Context, room string) error
}

// Log reads a room's stream (redisroom.Log).
type Log interface {
	After(ctx context.Context, room string, after chat.ID, limit int) ([]chat.Message, error)
	Tail(ctx context.Context, room string) (chat.ID, error)
}

// Presence counts sockets across replicas (redisroom.Presence).
type Presence interface {
	Set(ctx context.Context, room, user string, count int) ([]string, error)
	Heartbeat(ctx context.Context) (lapsed bool, err error)
	Reap(ctx context.Context) (int, error)
	Leave(ctx context.Context) error
}

// Sender accepts messages (chat.Service).
type Sender interface {
	Send(ctx context.Context, p chat.Participant, clientID, text string) (chat.Message, bool, error)
}

// Options configure a Hub. Zero values take the defaults named.
type Options struct {
	Bus      Bus
	Log      Log
	Presence Presence
	Sender   Sender
	Logger   *slog.Logger
	// Slots caps each user's sockets per room across replicas; nil means
	// no cap.
	Slots *quota.Slots

	QueueSize     int           // frames waiting per socket before it is dropped as too slow, default socket.DefaultMaxQueue
	WriteTimeout  time.Duration // per frame, default 10s
	PingInterval  time.Duration // default socket.DefaultPingEvery (the ALB idle timeout is 60s)
	SendTimeout   time.Duration // accepting one message, default 5s
	ReadLimit     int64         // bytes per frame, default 32 KiB
	FramesPerSec  float64       // any frames per socket (local guard), default 20
	HeartbeatEach time.Duration // presence heartbeat, default 5s
}

// ErrClosing means the replica is shutting down and takes no new sockets.
var ErrClosing = errors.New("ws: shutting down")

// ErrTooMany means the user already has Options.Slots.Max() sockets open
// in the room, on any replica.
var ErrTooMany = errors.New("ws: too many sockets of this user in this room")

// Hub holds one replica's sockets.
type Hub struct {
	o   Options
	log *slog.Logger

	// stripes serialise joining and leaving per room, so subscriptions and
	// presence writes of one room happen in order.
	stripes [64]sync.Mutex

	conns socket.Set[*Conn] // running sockets

	mu    sync.RWMutex
	rooms map[string]*room
	dirty map[pair]struct{} // presence counts to write again
}

type pair struct{ room, user string }

type room struct {
	id string

	mu     sync.Mutex
	conns  map[*Conn]struct{}
	users  map[string]int // this replica's sockets per user
	lastID chat.ID        // the newest message delivered here
}

// Conns is how many sockets this replica holds.
func (h *Hub) Conns() int { return h.conns.Len() }

// NewHub returns a Hub.
func NewHub(o Options) *Hub {
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = socket.DefaultWriteTimeout
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 5 * time.Second
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = 32 << 10
	}
	if o.FramesPerSec <= 0 {
		o.FramesPerSec = 20
	}
	if o.HeartbeatEach <= 0 {
		o.HeartbeatEach = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Hub{o: o, log: o.Logger, rooms: map[string]*room{}, dirty: map[pair]struct{}{}}
}

func (h *Hub) stripe(room string) *sync.Mutex {
	f := fnv.New32a()
	_, _ = f.Write([]byte(room))
	return &h.stripes[f.Sum32()%uint32(len(h.stripes))]
}

func (h *Hub) room(id string) *room {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.rooms[id]
}

// Join registers a socket of p before the WebSocket upgrade: the room is
// subscribed (confirmed by Redis) and p's presence counted, so once the
// client sees the upgrade succeed it receives every later message. Frames
// for the socket queue until Serve runs. A failure here is answered as an
// ordinary HTTP error.
func (h *Hub) Join(ctx context.Context, p chat.Participant) (*Conn, error) {
	c := newConn(h, p)
	if h.o.Slots != nil {
		slot, err := h.o.Slots.Acquire(ctx, p.RoomID+":"+p.UserID)
		if errors.Is(err, quota.ErrFull) {
			return nil, ErrTooMany
		}
		if err != nil {
			return nil, err
		}
		c.slot = slot
	}
	if err := h.join(ctx, c); err != nil {
		h.releaseSlot(c)
		return nil, err
	}
	return c, nil
}

func (h *Hub) join(ctx context.Context, c *Conn) error {
	p := c.p
	s := h.stripe(p.RoomID)
	s.Lock()
	defer s.Unlock()

	if h.conns.Closing() {
		return ErrClosing
	}
	r := h.room(p.RoomID)
	if r == nil {
		// The stream's tail before subscribing: anything published between
		// the two shows up as a gap on the first message and is filled.
		tail, err := h.o.Log.Tail(ctx, p.RoomID)
		if err != nil {
			return err
		}
		r = &room{id: p.RoomID, conns: map[*Conn]struct{}{}, users: map[string]int{}, lastID: tail}
		h.mu.Lock()
		h.rooms[p.RoomID] = r
		h.mu.Unlock()
		sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err = h.o.Bus.Subscribe(sctx, p.RoomID)
		cancel()
		if err != nil {
			h.mu.Lock()
			delete(h.rooms, p.RoomID)
			h.mu.Unlock()
			_ = h.o.Bus.Unsubscribe(context.WithoutCancel(ctx), p.RoomID)
			return err
		}
	}
	r.mu.Lock()
	r.conns[c] = struct{}{}
	r.users[p.UserID]++
	n := r.users[p.UserID]
	r.mu.Unlock()
	if !h.conns.Add(c) {
		h.release(c)
		return ErrClosing
	}

	present, err := h.o.Presence.Set(ctx, p.RoomID, p.UserID, n)
	if err != nil {
		// Without Redis the socket could neither send nor be counted:
		// refuse it (503) so the client retries.
		h.release(c)
		h.conns.Remove(c)
		return err
	}
	// Tell the newcomer who else is here; later changes arrive as events.
	for _, u := range present {
		if u != p.UserID {
			c.enqueue(presenceBytes(u, "joined"))
		}
	}
	return nil
}

// leave unregisters c, unsubscribing its room when it was the last socket
// here, and updates presence.
func (h *Hub) leave(c *Conn) {
	s := h.stripe(c.p.RoomID)
	s.Lock()
	defer s.Unlock()
	defer h.conns.Remove(c)
	h.release(c)
	h.releaseSlot(c)
}

func (h *Hub) releaseSlot(c *Conn) {
	if h.o.Slots != nil {
		h.o.Slots.Free(c.slot)
	}
}

// release removes c from its room; the room's stripe lock is held.
func (h *Hub) release(c *Conn) {
	p := c.p
	r := h.room(p.RoomID)
	if r == nil {
		return
	}
	r.mu.Lock()
	delete(r.conns, c)
	r.users[p.UserID]--
	n := r.users[p.UserID]
	if n <= 0 {
		delete(r.users, p.UserID)
	}
	empty := len(r.conns) == 0
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if empty {
		h.mu.Lock()
		delete(h.rooms, p.RoomID)
		h.mu.Unlock()
		if err := h.o.Bus.Unsubscribe(ctx, p.RoomID); err != nil {
			h.log.Warn("unsubscribe failed", "room", p.RoomID, "error", err.Error())
		}
	}
	if _, err := h.o.Presence.Set(ctx, p.RoomID, p.UserID, max(n, 0)); err != nil {
		h.markDirty(pair{p.RoomID, p.UserID})
		h.log.Warn("presence not updated; the heartbeat retries", "room", p.RoomID, "error", err.Error())
	}
}

func (h *Hub) markDirty(k pair) {
	h.mu.Lock()
	h.dirty[k] = struct{}{}
	h.mu.Unlock()
}

// Dispatch delivers one room event to this replica's sockets. The bus calls
// it for every event in publish order.
func (h *Hub) Dispatch(ev redisroom.Event) {
	r := h.room(ev.Room)
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev.Kind {
	case redisroom.EventPresence:
		if ev.State == "joined" || ev.State == "left" {
			r.broadcast(presenceBytes(ev.UserID, ev.State))
		}
	case redisroom.EventResubscribed:
		h.catchUp(r, nil)
	case redisroom.EventMessage:
		m := ev.Message
		if !r.lastID.Less(m.ID) {
			return // delivered already, by a gap fill
		}
		if ev.Prev != r.lastID {
			h.catchUp(r, &m.ID)
		}
		if r.lastID.Less(m.ID) {
			r.broadcast(messageBytes(m))
			r.lastID = m.ID
		}
	}
}

// catchUp delivers the messages of r after lastID (up to upto, exclusive,
// when given) that this replica missed. r.mu is held.
func (h *Hub) catchUp(r *room, upto *chat.ID) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	missed, err := h.o.Log.After(ctx, r.id, r.lastID, 1000)
	if err != nil {
		h.log.Warn("could not fill a gap in a room's messages", "room", r.id, "error", err.Error())
		return
	}
	for _, m := range missed {
		if upto != nil && !m.ID.Less(*upto) {
			break
		}
		if r.lastID.Less(m.ID) {
			r.broadcast(messageBytes(m))
			r.lastID = m.ID
		}
	}
}

func (r *room) broadcast(frame []byte) {
	for c := range r.conns {
		c.enqueue(frame)
	}
}

// Maintain runs the presence heartbeat until ctx ends: it keeps this
// replica's counts alive, rewrites counts that failed or were lost, and
// reaps replicas that died with sockets counted.
func (h *Hub) Maintain(ctx context.Context) {
	t := time.NewTicker(h.o.HeartbeatEach)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		h.heartbeat(ctx)
	}
}

// Heartbeat runs one heartbeat now (main calls it before serving, so this
// replica counts from its first socket).
func (h *Hub) Heartbeat(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	lapsed, err := h.o.Presence.Heartbeat(ctx)
	if err != nil {
		return err
	}
	if lapsed {
		h.mu.Lock()
		for id, r := range h.rooms {
			r.mu.Lock()
			for u := range r.users {
				h.dirty[pair{id, u}] = struct{}{}
			}
			r.mu.Unlock()
		}
		h.mu.Unlock()
	}
	return nil
}

func (h *Hub) heartbeat(ctx context.Context) {
	if err := h.Heartbeat(ctx); err != nil {
		h.log.Warn("presence heartbeat failed", "error", err.Error())
		return
	}
	h.mu.Lock()
	todo := make([]pair, 0, len(h.dirty))
	for k := range h.dirty {
		todo = append(todo, k)
	}
	h.mu.Unlock()
	for _, k := range todo {
		if ctx.Err() != nil {
			return
		}
		h.rewrite(ctx, k)
	}
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := h.o.Presence.Reap(rctx); err != nil {
		h.log.Warn("reaping dead replicas' presence failed", "error", err.Error())
	}
}

// rewrite writes this replica's current count of k again.
func (h *Hub) rewrite(ctx context.Context, k pair) {
	s := h.stripe(k.room)
	s.Lock()
	defer s.Unlock()
	n := 0
	if r := h.room(k.room); r != nil {
		r.mu.Lock()
		n = r.users[k.user]
		r.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := h.o.Presence.Set(ctx, k.room, k.user, n); err != nil {
		return
	}
	h.mu.Lock()
	delete(h.dirty, k)
	h.mu.Unlock()
}

// Close closes every socket with 1012 (service restart) so clients
// reconnect to another replica, waits for them to be released (or ctx),
// and takes no new ones. srv.OnShutdown calls it.
func (h *Hub) Close(ctx context.Context) { h.conns.Close(ctx) }

// Leave forgets this replica's presence entirely (after Close).
func (h *Hub) Leave(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return h.o.Presence.Leave(ctx)
}
