package room

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
	"github.com/peerprep/peerprep/services/collaboration/internal/docstream"
	"github.com/peerprep/peerprep/services/collaboration/internal/yproto"
)

// compactTimeout is how long a full-state request may stay unanswered
// before another is made (and how long the cross-replica lock lives).
const compactTimeout = time.Minute

// trimMargin is how much of a compacted stream stays for replicas whose
// readers lag behind.
const trimMargin = 10 * time.Second

// room is this replica's sockets of one session.
type room struct {
	sid   string
	hub   *Hub
	ready chan struct{} // closed once open finished; err says how
	err   error
	refs  int // guarded by hub.mu: sockets joining or joined

	mu           sync.Mutex
	conns        map[*Conn]struct{}
	last         doc.StreamID // the newest stream entry handed to the sockets
	covered      doc.StreamID // the stored snapshots reach this far in the stream
	sinceCompact int          // updates relayed since the last full-state request
	sinceBytes   int          // and their bytes
	compacting   bool         // a full-state request or compaction is under way
	compactSince time.Time
	compactLock  bool      // this replica holds the session's compaction lock in Redis
	registered   time.Time // when this replica last noted the stream in the registry
	ended        bool
	// gen counts joins; local maps each entry this replica's sockets sent
	// and already had relayed to their local partners (relayLocal) to the
	// join count then, so its stream copy goes only to sockets that
	// joined later.
	gen   uint64
	local map[doc.StreamID]uint64
}

func (r *room) isReady() bool {
	select {
	case <-r.ready:
		return r.err == nil
	default:
		return false
	}
}

// deliver relays new stream entries to every socket but the sender's and,
// every CompactEvery updates, asks a client for its full state.
func (r *room) deliver(entries []docstream.Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range entries {
		if !r.last.Less(e.ID) {
			continue // already relayed (the reader was restarted on this stream)
		}
		r.last = e.ID
		n++
		r.sinceBytes += len(e.Data)
		gen, relayed := r.local[e.ID]
		if relayed {
			delete(r.local, e.ID)
		}
		var msg []byte
		for c := range r.conns {
			if c.id != e.Origin && (!relayed || c.gen > gen) {
				if msg == nil {
					msg = yproto.Update(e.Data)
				}
				c.enqueue(msg)
			}
		}
	}
	// Entries relayed locally whose stream copy was skipped (a reader
	// restarted past them) are forgotten.
	for id := range r.local {
		if !r.last.Less(id) {
			delete(r.local, id)
		}
	}
	r.sinceCompact += n
	if r.compactDue() && (!r.compacting || time.Since(r.compactSince) > compactTimeout) {
		r.sinceCompact, r.sinceBytes = 0, 0
		r.compacting, r.compactSince = true, time.Now()
		go r.requestFullState()
	}
}

// relayLocal hands an update one of this replica's sockets (origin) sent,
// and the stream accepted as id, to its partners on this replica at once,
// without waiting for the stream reader; the stream copy then goes only to
// sockets that joined since (Yjs updates commute, so the order does not
// matter). The stream stays the durable and cross-replica path.
func (r *room) relayLocal(origin *Conn, id doc.StreamID, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.last.Less(id) || len(r.conns) < 2 {
		return // the reader was faster, or nobody to relay to
	}
	var msg []byte
	for c := range r.conns {
		if c != origin {
			if msg == nil {
				msg = yproto.Update(data)
			}
			c.enqueue(msg)
		}
	}
	if r.local == nil {
		r.local = map[doc.StreamID]uint64{}
	}
	r.local[id] = r.gen
}

// requestFullState sends one client a sync step 1 with an empty state
// vector. Its answer is its whole document, which replaces every stored
// update it is known to have (doc.Coverage): those it got when it joined,
// and every stream entry up to the newest relayed to it.
func (r *room) requestFullState() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ok, err := r.hub.o.Streams.TryLock(ctx, r.hub.o.Streams.Keys().CompactLock(r.sid), compactTimeout)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil && ok {
		r.compactLock = true
		for c := range r.conns {
			if c.askFullState(doc.Coverage{MaxSeq: c.joinMaxSeq, UpTo: r.last}, true) {
				return
			}
		}
	}
	r.compacting = false
	if r.compactLock {
		r.compactLock = false
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = r.hub.o.Streams.Unlock(ctx, r.hub.o.Streams.Keys().CompactLock(r.sid))
		}()
	}
}

// compactDue: enough updates, or enough bytes of them (a few large pastes
// would otherwise fill the document's quota long before the count), were
// relayed since the last full-state request.
func (r *room) compactDue() bool {
	return r.sinceCompact >= r.hub.o.CompactEvery || r.sinceBytes >= r.hub.o.CompactBytes
}

// startCompacting claims the room's single compaction slot.
func (r *room) startCompacting() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.compacting && time.Since(r.compactSince) < compactTimeout {
		return false
	}
	r.compacting, r.compactSince = true, time.Now()
	return true
}

func (r *room) doneCompacting() {
	r.mu.Lock()
	r.compacting = false
	unlock := r.compactLock
	r.compactLock = false
	// Enough updates arrived meanwhile: ask again now rather than at the
	// next update, which may not come soon.
	again := r.compactDue() && len(r.conns) > 0
	if again {
		r.sinceCompact, r.sinceBytes = 0, 0
		r.compacting, r.compactSince = true, time.Now()
	}
	r.mu.Unlock()
	if again {
		defer func() { go r.requestFullState() }()
	}
	if unlock {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = r.hub.o.Streams.Unlock(ctx, r.hub.o.Streams.Keys().CompactLock(r.sid))
	}
}

// compact stores a client's full state in place of the updates it covers;
// stored is the session's stored bytes counted right after it was appended.
func (r *room) compact(snap doc.Update, cover doc.Coverage, stored int64) {
	defer r.doneCompacting()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	deleted, err := r.hub.o.Docs.Compact(ctx, snap, cover)
	if err == nil {
		r.cover(cover.UpTo)
		if serr := r.hub.o.Streams.Compacted(ctx, r.sid, len(snap.Data), stored); serr != nil {
			r.hub.o.Log.Debug("recounting a compacted document failed", "session_id", r.sid, "error", serr.Error())
		}
		// The stream need not hold what the snapshot holds (joins skip it
		// anyway); a recent tail stays for readers that lag.
		if terr := r.hub.o.Streams.TrimCovered(ctx, r.sid, cover.UpTo, trimMargin); terr != nil {
			r.hub.o.Log.Debug("trimming a compacted stream failed", "session_id", r.sid, "error", terr.Error())
		}
	}
	if err != nil {
		// The full state is still in the stream and will be stored as an
		// ordinary update; only the clean-up is lost.
		r.hub.o.Log.Warn("compacting a document failed", "session_id", r.sid, "error", err.Error())
		return
	}
	r.hub.o.Log.Debug("document compacted", "session_id", r.sid, "replaced", deleted,
		"bytes", len(snap.Data), "duration_ms", time.Since(start).Milliseconds())
}

// broadcast sends msg to every socket but origin's.
func (r *room) broadcast(msg []byte, origin string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.conns {
		if c.id != origin {
			c.enqueue(msg)
		}
	}
}

// end closes every socket: the session is over.
func (r *room) end() {
	r.mu.Lock()
	r.ended = true
	r.mu.Unlock()
	r.closeAll(CloseEnded, "session ended")
}

func (r *room) closeAll(code websocket.StatusCode, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.conns {
		c.Close(code, reason)
	}
}

func (r *room) closeUser(user string, code websocket.StatusCode, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.conns {
		if c.user == user {
			c.Close(code, reason)
		}
	}
}

// floor is the id new stream entries must be above (see Streams.Append).
func (r *room) floor() doc.StreamID {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last.Less(r.covered) {
		return r.covered
	}
	return r.last
}

func (r *room) cover(id doc.StreamID) {
	r.mu.Lock()
	if r.covered.Less(id) {
		r.covered = id
	}
	r.mu.Unlock()
}

// register reports whether an append should (re)note the stream in the
// registry: about once a second per session and replica.
func (r *room) register() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.registered) < time.Second {
		return false
	}
	r.registered = time.Now()
	return true
}

func (r *room) forgetRegistration() {
	r.mu.Lock()
	r.registered = time.Time{}
	r.mu.Unlock()
}
