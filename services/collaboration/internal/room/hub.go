// Package room runs the shared editor sockets of a replica. A room is the
// set of sockets this replica holds for one session; the Hub keeps the
// rooms, follows their Redis streams (updates from every replica) and
// signals (awareness, departures), and speaks the y-websocket protocol to
// each client without interpreting the CRDT:
//
//   - a joining client gets every stored update, an empty sync step 2 (it
//     is now synced) and a sync step 1 with an empty state vector, so it
//     answers with its whole document — which heals whatever the server
//     lost, and is stored as a snapshot replacing the updates it covers;
//   - updates a client sends go to the session's stream, from which every
//     replica hosting the session relays them to its other sockets and the
//     persister stores them; the sender's own replica relays them to its
//     sockets as soon as the stream has taken them, without waiting for
//     its reader, and skips the stream copy for them;
//   - awareness is relayed, never stored.
package room

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/peerprep/peerprep/libs/quota"
	"github.com/peerprep/peerprep/libs/socket"
	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
	"github.com/peerprep/peerprep/services/collaboration/internal/docstream"
	"github.com/peerprep/peerprep/services/collaboration/internal/session"
	"github.com/peerprep/peerprep/services/collaboration/internal/yproto"
)

// Close codes. 4400–4499 tell the y-websocket client not to reconnect.
const (
	CloseEnded websocket.StatusCode = 4410 // the session ended
	CloseLeft  websocket.StatusCode = 4403 // this participant left the session
)

// Errors of Join.
var (
	ErrClosing = errors.New("room: the replica is shutting down")
	ErrEnded   = errors.New("room: the session has ended")
	// ErrTooMany: the user already has Options.Slots.Max() sockets open
	// in the session, on any replica.
	ErrTooMany = errors.New("room: too many sockets of this user in this session")
)

// Docs is the stored document of each session.
type Docs interface {
	// Covered returns how far in the stream the stored snapshots reach.
	Covered(ctx context.Context, sid string) (doc.StreamID, error)
	LoadDoc(ctx context.Context, sid string, withIDs bool) (doc.Loaded, error)
	Compact(ctx context.Context, snap doc.Update, c doc.Coverage) (int64, error)
}

// Sessions is what the hub tells the session side and learns from it.
type Sessions interface {
	Heartbeat(ctx context.Context, ids []string) ([]session.State, error)
	Touch(ctx context.Context, id string) error
}

// Options configure a Hub; zero values take the defaults.
type Options struct {
	Replica  string // unique per process; default random
	Streams  *docstream.Streams
	Signals  *docstream.Signals
	Docs     Docs
	Sessions Sessions
	Log      *slog.Logger
	// Slots caps each user's sockets per session across replicas; nil
	// means no cap.
	Slots *quota.Slots
	// Released is called when the last socket of a session on this replica
	// has gone, e.g. to store what its stream still holds.
	Released func(ctx context.Context, sid string)
	// Delivered, if set, is told the age of every stream entry this
	// replica hands to its sockets (from the time Redis appended it): the
	// StreamLag metric.
	Delivered func(age time.Duration)

	HeartbeatEvery time.Duration // default 10 s
	CompactEvery   int           // updates between full-state requests; default 1000
	CompactBytes   int           // or bytes of updates; default 256 KiB
	PingEvery      time.Duration // default socket.DefaultPingEvery (the ALB drops connections idle for 60 s)
	WriteTimeout   time.Duration // per write batch; default 10 s
	// ReadLimit is the largest message, e.g. a whole document; larger ones
	// close the socket with wsclose.TooLarge. Default 256 KiB: a keystroke
	// is tens of bytes, and a whole 100 KiB document (history's cap on
	// code) with the CRDT's overhead, or a paste of a large file, is well
	// under it.
	ReadLimit int64
	MaxQueue  int // messages waiting for a slow client before it is dropped; default 4096
	// AwarenessPerSec is how many awareness messages (cursors) a socket's
	// partners get from it a second, twice that in a burst; more are
	// coalesced to the latest. Default 20.
	AwarenessPerSec float64
	MaxQueueBytes   int // their bytes; default 16 MiB
}

// Hub holds this replica's rooms.
type Hub struct {
	o      Options
	reader *docstream.Reader
	seq    atomic.Uint64

	conns socket.Set[*Conn] // sockets joined to a session

	mu    sync.Mutex
	rooms map[string]*room
}

// NewHub returns a Hub; Run must be running for sockets to work.
func NewHub(o Options) *Hub {
	if o.Replica == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		o.Replica = hex.EncodeToString(b[:])
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.HeartbeatEvery <= 0 {
		o.HeartbeatEvery = 10 * time.Second
	}
	if o.CompactEvery <= 0 {
		o.CompactEvery = 1000
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = socket.DefaultWriteTimeout // the cork writer's too
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = 256 << 10
	}
	if o.CompactBytes <= 0 {
		o.CompactBytes = 256 << 10
	}
	if o.AwarenessPerSec <= 0 {
		o.AwarenessPerSec = 20
	}
	if o.MaxQueue <= 0 {
		o.MaxQueue = 4096
	}
	if o.MaxQueueBytes <= 0 {
		o.MaxQueueBytes = 16 << 20
	}
	h := &Hub{o: o, rooms: map[string]*room{}}
	h.reader = docstream.NewReader(o.Streams.Client(), o.Streams.Keys(), o.Replica, o.Log, h.deliver)
	return h
}

// Replica is this process's id among the replicas.
func (h *Hub) Replica() string { return h.o.Replica }

// nextID returns a process-unique id for a connection or an entry nonce.
func (h *Hub) nextID() string {
	return h.o.Replica + "." + strconv.FormatUint(h.seq.Add(1), 36)
}

// Run follows streams and signals and sends heartbeats until ctx is done.
func (h *Hub) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); h.reader.Run(ctx) }()
	go func() { defer wg.Done(); h.o.Signals.Run(ctx, h.signal) }()
	t := time.NewTicker(h.o.HeartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-t.C:
			h.heartbeat(ctx)
		}
	}
}

// Hosted lists the sessions this replica has sockets for.
func (h *Hub) Hosted() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.rooms))
	for sid, r := range h.rooms {
		if r.isReady() {
			out = append(out, sid)
		}
	}
	return out
}

func (h *Hub) room(sid string) *room {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.rooms[sid]; r != nil && r.isReady() {
		return r
	}
	return nil
}

// heartbeat keeps hosted sessions from being ended as idle and closes the
// sockets of sessions that ended (or participants who left) elsewhere, in
// case the signal was missed.
func (h *Hub) heartbeat(ctx context.Context) {
	ids := h.Hosted()
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, h.o.HeartbeatEvery)
	defer cancel()
	states, err := h.o.Sessions.Heartbeat(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			h.o.Log.Warn("session heartbeat failed", "error", err.Error())
		}
		return
	}
	for _, st := range states {
		r := h.room(st.ID)
		if r == nil {
			continue
		}
		if st.Ended {
			r.end()
			continue
		}
		for _, u := range st.Left {
			r.closeUser(u, CloseLeft, "you left the session")
		}
	}
}

// SessionEnded closes the session's sockets on every replica.
func (h *Hub) SessionEnded(ctx context.Context, sid string) {
	if r := h.room(sid); r != nil {
		r.end()
	}
	if err := h.o.Signals.Publish(ctx, sid, docstream.Signal{Kind: docstream.SigEnded}); err != nil {
		h.o.Log.Warn("signalling the end of a session failed; heartbeats will close its sockets", "session_id", sid, "error", err.Error())
	}
}

// UserLeft closes a participant's sockets on every replica.
func (h *Hub) UserLeft(ctx context.Context, sid, user string) {
	if r := h.room(sid); r != nil {
		r.closeUser(user, CloseLeft, "you left the session")
	}
	if err := h.o.Signals.Publish(ctx, sid, docstream.Signal{Kind: docstream.SigLeft, Data: []byte(user)}); err != nil {
		h.o.Log.Warn("signalling a departure failed; heartbeats will close the sockets", "session_id", sid, "error", err.Error())
	}
}

// Shutdown closes every socket with 1012 (service restart) so clients
// reconnect to another replica, and waits for them to finish.
func (h *Hub) Shutdown(ctx context.Context) { h.conns.Close(ctx) }

// acquire returns the session's room, creating it (following its stream
// and signals) when this replica has none.
func (h *Hub) acquire(ctx context.Context, sid string) (*room, error) {
	h.mu.Lock()
	if h.conns.Closing() {
		h.mu.Unlock()
		return nil, ErrClosing
	}
	r := h.rooms[sid]
	if r == nil {
		r = &room{sid: sid, hub: h, ready: make(chan struct{}), conns: map[*Conn]struct{}{}, refs: 1}
		h.rooms[sid] = r
		h.mu.Unlock()
		r.err = h.open(ctx, r)
		close(r.ready)
		if r.err != nil {
			h.release(r)
			return nil, r.err
		}
		return r, nil
	}
	r.refs++
	h.mu.Unlock()
	select {
	case <-r.ready:
	case <-ctx.Done():
		h.release(r)
		return nil, ctx.Err()
	}
	if r.err != nil {
		h.release(r)
		return nil, r.err
	}
	return r, nil
}

func (h *Hub) open(ctx context.Context, r *room) error {
	if err := h.o.Signals.Subscribe(ctx, r.sid); err != nil {
		return err
	}
	last, err := h.o.Streams.LastID(ctx, r.sid)
	if err == nil {
		r.last = last
		err = h.reader.Add(ctx, r.sid, r, last)
	}
	if err != nil {
		h.o.Signals.Unsubscribe(ctx, r.sid)
	}
	return err
}

// release drops one reference; the last one tears the room down.
func (h *Hub) release(r *room) {
	h.mu.Lock()
	r.refs--
	last := r.refs == 0
	if last && h.rooms[r.sid] == r {
		delete(h.rooms, r.sid)
	}
	h.mu.Unlock()
	if !last || r.err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h.reader.Remove(r.sid, r)
	h.o.Signals.Unsubscribe(ctx, r.sid)
	if h.o.Released != nil {
		h.o.Released(ctx, r.sid)
	}
	// The idle timeout counts from the last disconnect.
	if err := h.o.Sessions.Touch(ctx, r.sid); err != nil {
		h.o.Log.Warn("noting the last disconnect failed", "session_id", r.sid, "error", err.Error())
	}
}

// deliver receives new stream entries of a hosted session.
func (h *Hub) deliver(owner any, entries []docstream.Entry) {
	r, ok := owner.(*room)
	if !ok {
		return
	}
	if h.o.Delivered != nil {
		now := time.Now().UnixMilli()
		for _, e := range entries {
			h.o.Delivered(time.Duration(max(0, now-e.ID.Ms)) * time.Millisecond)
		}
	}
	r.deliver(entries)
}

// Conns is the number of sockets joined to a session on this replica.
func (h *Hub) Conns() int { return h.conns.Len() }

// signal receives a signal for a session.
func (h *Hub) signal(sid string, sig docstream.Signal) {
	r := h.room(sid)
	if r == nil {
		return
	}
	switch sig.Kind {
	case docstream.SigAwareness:
		r.broadcast(sig.Data, sig.Origin)
	case docstream.SigQuery:
		r.broadcast(yproto.QueryAwareness, sig.Origin)
	case docstream.SigEnded:
		r.end()
	case docstream.SigLeft:
		r.closeUser(string(sig.Data), CloseLeft, "you left the session")
	case docstream.SigControl:
		r.broadcast(sig.Data, "")
	}
}
