package room

// A socket's life in its room: joining (loading the document before the
// upgrade), starting (sending it), and leaving.

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/peerprep/peerprep/libs/quota"
	"github.com/peerprep/peerprep/libs/socket"
	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
	"github.com/peerprep/peerprep/services/collaboration/internal/docstream"
	"github.com/peerprep/peerprep/services/collaboration/internal/yproto"
)

// Join registers a socket for user in the session and loads the document
// it will be sent. It runs before the WebSocket upgrade, so a failure is an
// ordinary HTTP error; after it, call exactly one of Serve or Abort. The
// socket closes with wsclose.TokenExpired when its access token expires
// (expires; zero means never).
func (h *Hub) Join(ctx context.Context, sid, user string, expires time.Time) (*Conn, error) {
	var slot quota.Slot
	if h.o.Slots != nil {
		s, err := h.o.Slots.Acquire(ctx, sid+":"+user)
		if errors.Is(err, quota.ErrFull) {
			return nil, ErrTooMany
		}
		if err != nil {
			return nil, err
		}
		slot = s
	}
	r, err := h.acquire(ctx, sid)
	if err != nil {
		h.releaseSlot(slot)
		return nil, err
	}
	c := h.newConn(user, r, slot)
	c.ExpireAt(expires)
	if !h.conns.Add(c) {
		c.CloseNow()
		h.release(r)
		h.releaseSlot(slot)
		return nil, ErrClosing
	}
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		c.CloseNow()
		h.conns.Remove(c)
		h.release(r)
		h.releaseSlot(slot)
		return nil, ErrEnded
	}
	r.conns[c] = struct{}{}
	c.startID = r.last
	r.gen++
	c.gen = r.gen
	r.mu.Unlock()

	// The stream first: an entry trimmed from it after this read was
	// persisted (or covered by a snapshot) before being trimmed, so the
	// load below has it. Entries inside stored snapshots are not read.
	start := time.Now()
	covered, err := h.o.Docs.Covered(ctx, sid)
	if err != nil {
		c.Abort()
		return nil, err
	}
	entries, err := h.o.Streams.Range(ctx, sid, covered, c.startID)
	if err != nil {
		c.Abort()
		return nil, err
	}
	loaded, err := h.o.Docs.LoadDoc(ctx, sid, len(entries) > 0)
	if err != nil {
		c.Abort()
		return nil, err
	}
	c.joinMaxSeq = loaded.MaxSeq
	r.cover(loaded.Covered)
	c.initial = make([][]byte, 0, len(loaded.Updates)+len(entries)+2)
	for _, u := range loaded.Updates {
		c.initial = append(c.initial, yproto.Update(u.Data))
	}
	if len(entries) > 0 {
		// Entries already persisted, or inside a stored snapshot, are not
		// sent again.
		stored := make(map[string]bool, len(loaded.Updates))
		for _, u := range loaded.Updates {
			stored[u.EntryID] = true
		}
		for _, e := range entries {
			if loaded.Covered.Less(e.ID) && !stored[doc.EntryID(e.ID, e.Nonce)] {
				c.initial = append(c.initial, yproto.Update(e.Data))
			}
		}
	}
	h.o.Log.Debug("document loaded", "session_id", sid, "stored", len(loaded.Updates), "streamed", len(entries),
		"duration_ms", time.Since(start).Milliseconds())
	return c, nil
}

// Abort gives up a joined socket that was never upgraded.
func (c *Conn) Abort() {
	c.CloseNow()
	c.leave()
}

// Serve upgrades the request to a WebSocket (echoing subprotocol, the
// bearer token's, when set; the caller has checked the Origin header) and
// sends the document. The socket is then served by a goroutine of its own
// and Serve returns: the request's goroutine, with the deep stack of the
// HTTP middleware, is not kept for the hours a socket may live. When the
// upgrade fails the response is written and c aborted.
func (c *Conn) Serve(w http.ResponseWriter, r *http.Request) {
	hw := socket.NewCorkWriter(w, c.hub.o.WriteTimeout)
	ws, err := socket.Accept(hw, r, 0) // start sets the read limit
	if err != nil {
		c.Abort()
		return
	}
	if c.start(ws, hw.Cork()) {
		go c.readLoop(ws)
	}
}

// start sends the document and makes the socket ready for relaying; false
// means it is already closed (and c has left).
func (c *Conn) start(ws *websocket.Conn, cork *socket.Cork) bool {
	// readLoop enforces ReadLimit with a close code the client can tell
	// apart; the library's own limit (1009) is only a backstop.
	ws.SetReadLimit(c.hub.o.ReadLimit + 1)
	// The join messages go out first, in as few writes as possible: the
	// stored updates, an empty step 2 (the client is synced), and the step
	// 1 that makes the client send back its whole document. Nothing else
	// writes to the socket meanwhile (a close is only recorded).
	begin, n := time.Now(), len(c.initial)
	msgs := append(c.initial, yproto.Step2Empty, yproto.Step1Empty)
	c.initial = nil
	c.mu.Lock()
	c.fullReq = &fullStateRequest{cover: doc.Coverage{MaxSeq: c.joinMaxSeq, UpTo: c.startID}}
	c.mu.Unlock()
	if !c.Start(ws, cork, msgs...) { // ended or shutting down while joining, or the write failed
		c.leave()
		return false
	}
	c.hub.o.Log.Debug("document sent", "session_id", c.room.sid, "messages", n+2, "duration_ms", time.Since(begin).Milliseconds())
	c.publish(context.Background(), docstream.Signal{Kind: docstream.SigQuery, Origin: c.id}) // partners: send your cursors
	return true
}

// leave takes the socket out of its room and tells the partners its
// awareness states are gone.
func (c *Conn) leave() {
	c.Close(websocket.StatusNormalClosure, "")
	r := c.room
	r.mu.Lock()
	delete(r.conns, c)
	r.mu.Unlock()
	c.awMu.Lock()
	c.awDone, c.awPending = true, nil
	if c.awTimer != nil {
		c.awTimer.Stop()
	}
	c.awMu.Unlock()
	if len(c.awareness) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c.publish(ctx, docstream.Signal{Kind: docstream.SigAwareness, Origin: c.id, Data: yproto.AwarenessRemoval(c.awareness)})
		cancel()
	}
	c.hub.release(r)
	c.hub.releaseSlot(c.slot)
	c.hub.conns.Remove(c)
}

func (h *Hub) releaseSlot(s quota.Slot) {
	if h.o.Slots != nil {
		h.o.Slots.Free(s)
	}
}
