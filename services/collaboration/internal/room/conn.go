package room

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
	"github.com/peerprep/peerprep/services/collaboration/internal/docstream"
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

	ws   *websocket.Conn
	cork *corkConn

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
}

// fullStateRequest is an unanswered sync step 1 with an empty state vector.
type fullStateRequest struct {
	cover doc.Coverage // what the client is known to hold
	owned bool         // it holds the room's compaction slot
}

// Join registers a socket for user in the session and loads the document
// it will be sent. It runs before the WebSocket upgrade, so a failure is an
// ordinary HTTP error; after it, call exactly one of Serve or Abort.
func (h *Hub) Join(ctx context.Context, sid, user string) (*Conn, error) {
	r, err := h.acquire(ctx, sid)
	if err != nil {
		return nil, err
	}
	c := &Conn{id: h.nextID(), user: user, room: r, hub: h}
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		h.release(r)
		return nil, ErrEnded
	}
	r.conns[c] = struct{}{}
	c.startID = r.last
	r.mu.Unlock()
	h.conns.Add(1)
	h.joined.Add(1)

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
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.leave()
}

// Serve upgrades the request to a WebSocket (echoing subprotocol, the
// bearer token's, when set; the caller has checked the Origin header) and
// sends the document. The socket is then served by a goroutine of its own
// and Serve returns: the request's goroutine, with the deep stack of the
// HTTP middleware, is not kept for the hours a socket may live. When the
// upgrade fails the response is written and c aborted.
func (c *Conn) Serve(w http.ResponseWriter, r *http.Request, subprotocol string) {
	hw := &hijackWriter{ResponseWriter: w, timeout: c.hub.o.WriteTimeout}
	opts := &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled, InsecureSkipVerify: true}
	if subprotocol != "" {
		opts.Subprotocols = []string{subprotocol}
	}
	ws, err := websocket.Accept(hw, r, opts)
	if err != nil {
		c.Abort()
		return
	}
	if c.start(ws, hw.cork) {
		go c.readLoop(ws)
	}
}

// start sends the document and makes the socket ready for relaying; false
// means it is already closed (and c has left).
func (c *Conn) start(ws *websocket.Conn, cork *corkConn) bool {
	ws.SetReadLimit(c.hub.o.ReadLimit)
	c.mu.Lock()
	c.cork = cork
	closed, code, text := c.closed, c.closeCode, c.closeText // ended or shutting down while joining
	c.mu.Unlock()
	if closed {
		_ = ws.Close(code, text)
		c.leave()
		return false
	}
	// c.ws is still unset: nothing else writes to the socket while the
	// document goes out (a close meanwhile is only recorded).
	if err := c.sendDocument(ws); err != nil {
		_ = ws.CloseNow()
		c.leave()
		return false
	}
	c.mu.Lock()
	c.ws = ws
	if c.closed {
		code, text := c.closeCode, c.closeText
		c.mu.Unlock()
		_ = ws.Close(code, text)
		c.leave()
		return false
	}
	c.ready = true
	c.lastWrite = time.Now()
	c.timer = time.AfterFunc(c.hub.o.PingEvery/2, c.tick)
	if len(c.queue) > 0 && !c.writing {
		c.writing = true
		go c.drain()
	}
	c.mu.Unlock()
	c.publish(context.Background(), docstream.Signal{Kind: docstream.SigQuery, Origin: c.id}) // partners: send your cursors
	return true
}

// readLoop relays the client's messages until the socket closes.
func (c *Conn) readLoop(ws *websocket.Conn) {
	defer c.leave()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for {
		typ, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageBinary {
			c.closeWith(websocket.StatusUnsupportedData, "binary messages only")
			return
		}
		msgs, perr := yproto.Parse(data)
		for _, m := range msgs {
			c.handle(ctx, m)
		}
		if perr != nil {
			c.closeWith(websocket.StatusInvalidFramePayloadData, "malformed message")
			return
		}
	}
}

// sendDocument writes the join messages in as few writes as possible: the
// stored updates, an empty step 2 (the client is synced), and the step 1
// that makes the client send back its whole document.
func (c *Conn) sendDocument(ws *websocket.Conn) error {
	start, n := time.Now(), len(c.initial)
	msgs := append(c.initial, yproto.Step2Empty, yproto.Step1Empty)
	c.initial = nil
	c.mu.Lock()
	c.fullReq = &fullStateRequest{cover: doc.Coverage{MaxSeq: c.joinMaxSeq, UpTo: c.startID}}
	c.mu.Unlock()
	var err error
	if c.cork != nil {
		err = c.cork.WriteMessages(msgs)
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), max(c.hub.o.WriteTimeout, 30*time.Second))
		defer cancel()
		for _, m := range msgs {
			if err = ws.Write(ctx, websocket.MessageBinary, m); err != nil {
				break
			}
		}
	}
	c.hub.o.Log.Debug("document sent", "session_id", c.room.sid, "messages", n+2, "duration_ms", time.Since(start).Milliseconds())
	return err
}

func (c *Conn) handle(ctx context.Context, m yproto.Message) {
	switch m.Type {
	case yproto.TypeSync:
		switch m.SyncType {
		case yproto.SyncStep1:
			// Everything stored was sent on join and every update since is
			// relayed, so the client lacks nothing: a step 2 with no
			// update answers it (and marks it synced).
			c.enqueue(yproto.Step2Empty)
		case yproto.SyncStep2:
			if req := c.takeFullReq(); req != nil {
				c.fullState(ctx, req, m.Payload)
				return
			}
			c.update(ctx, m.Payload)
		case yproto.SyncUpdate:
			c.update(ctx, m.Payload)
		}
	case yproto.TypeAwareness:
		c.awarenessUpdate(ctx, m.Payload)
	case yproto.TypeQueryAwareness:
		c.publish(ctx, docstream.Signal{Kind: docstream.SigQuery, Origin: c.id})
	}
	// Auth messages and unknown types are ignored, as y-websocket's server does.
}

// append adds an update from this client to the session's stream.
func (c *Conn) append(ctx context.Context, u []byte) (doc.StreamID, string, error) {
	nonce := c.hub.nextID()
	register := c.room.register()
	id, err := c.hub.o.Streams.Append(ctx, c.room.sid, c.id, nonce, u, register, c.room.floor())
	if err != nil {
		if register {
			c.room.forgetRegistration()
		}
		c.hub.o.Log.Warn("storing an update failed; dropping the socket so the client resyncs", "session_id", c.room.sid, "error", err.Error())
		c.closeWith(websocket.StatusTryAgainLater, "storage unavailable")
	}
	return id, nonce, err
}

func (c *Conn) update(ctx context.Context, u []byte) {
	if yproto.IsEmptyUpdate(u) {
		return
	}
	_, _, _ = c.append(ctx, u)
}

// fullState takes the client's answer to an empty-state-vector step 1: its
// whole document. It goes to the stream like any update (peers merge it as
// a no-op, or get what they were missing) and replaces the stored updates
// it covers.
func (c *Conn) fullState(ctx context.Context, req *fullStateRequest, u []byte) {
	if yproto.IsEmptyUpdate(u) {
		if req.owned {
			c.room.doneCompacting()
		}
		return
	}
	id, nonce, err := c.append(ctx, u)
	if err != nil {
		if req.owned {
			c.room.doneCompacting()
		}
		return
	}
	if !req.owned && !c.room.startCompacting() {
		return // another compaction is running; this state is stored as an update
	}
	snap := doc.Update{SessionID: c.room.sid, EntryID: doc.EntryID(id, nonce), Stream: id, Data: u}
	go c.room.compact(snap, req.cover)
}

// awarenessUpdate relays an awareness message to the partners. The first
// one a y-websocket client sends names its own awareness id; those are the
// ids announced as gone when the socket closes.
func (c *Conn) awarenessUpdate(ctx context.Context, p []byte) {
	states, err := yproto.ParseAwareness(p)
	if err != nil {
		return // would break the partners' clients
	}
	if c.awareness == nil {
		c.awareness = map[uint64]uint64{}
		for _, s := range states {
			if len(c.awareness) < 8 && !s.Null {
				c.awareness[s.ClientID] = s.Clock
			}
		}
	} else {
		for _, s := range states {
			if _, own := c.awareness[s.ClientID]; own {
				if s.Null {
					delete(c.awareness, s.ClientID)
				} else {
					c.awareness[s.ClientID] = s.Clock
				}
			}
		}
	}
	c.publish(ctx, docstream.Signal{Kind: docstream.SigAwareness, Origin: c.id, Data: yproto.Awareness(p)})
}

func (c *Conn) publish(ctx context.Context, sig docstream.Signal) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.hub.o.Signals.Publish(ctx, c.room.sid, sig); err != nil {
		c.hub.o.Log.Debug("publishing a signal failed", "error", err.Error())
	}
}

func (c *Conn) takeFullReq() *fullStateRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	req := c.fullReq
	c.fullReq = nil
	return req
}

// askFullState sends the step 1 that asks for the client's whole document,
// unless the client is not ready or already asked. Called with room.mu
// held, so cover.UpTo is the newest entry queued to this client.
func (c *Conn) askFullState(cover doc.Coverage, owned bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ready || c.closed || c.fullReq != nil {
		return false
	}
	c.fullReq = &fullStateRequest{cover: cover, owned: owned}
	return c.enqueueLocked(yproto.Step1Empty)
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
		c.closeLocked(websocket.StatusTryAgainLater, "too slow to keep up")
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
	if ws := c.ws; ws != nil {
		go func() { _ = ws.Close(code, reason) }()
	}
}

// closeNow drops the connection without a close handshake.
func (c *Conn) closeNow() {
	c.mu.Lock()
	c.closed = true
	c.queue, c.queued = nil, 0
	if c.timer != nil {
		c.timer.Stop()
	}
	ws := c.ws
	c.mu.Unlock()
	if ws != nil {
		_ = ws.CloseNow()
	}
}

// leave takes the socket out of its room and tells the partners its
// awareness states are gone.
func (c *Conn) leave() {
	c.closeWith(websocket.StatusNormalClosure, "")
	r := c.room
	r.mu.Lock()
	delete(r.conns, c)
	r.mu.Unlock()
	if len(c.awareness) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c.publish(ctx, docstream.Signal{Kind: docstream.SigAwareness, Origin: c.id, Data: yproto.AwarenessRemoval(c.awareness)})
		cancel()
	}
	c.hub.release(r)
	c.hub.joined.Add(-1)
	c.hub.conns.Done()
}
