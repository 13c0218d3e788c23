package room

// The y-websocket protocol of a socket: what the client sends is read,
// parsed and relayed (updates to the session's stream, awareness as
// signals), and full states are asked for to compact the stored updates.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/coder/websocket"

	"github.com/peerprep/peerprep/libs/wsclose"
	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
	"github.com/peerprep/peerprep/services/collaboration/internal/docstream"
	"github.com/peerprep/peerprep/services/collaboration/internal/yproto"
)

// readLoop relays the client's messages until the socket closes.
func (c *Conn) readLoop(ws *websocket.Conn) {
	defer c.leave()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for {
		typ, rd, err := ws.Reader(ctx)
		if err != nil {
			return
		}
		data, err := io.ReadAll(io.LimitReader(rd, c.hub.o.ReadLimit+1))
		if err != nil {
			return
		}
		if int64(len(data)) > c.hub.o.ReadLimit {
			c.Close(wsclose.TooLarge, fmt.Sprintf("a change larger than %d KiB", c.hub.o.ReadLimit>>10))
			return
		}
		if typ != websocket.MessageBinary {
			c.Close(websocket.StatusUnsupportedData, "binary messages only")
			return
		}
		if c.Closed() {
			continue // refused or closing: nothing more is taken; reading ends with the handshake
		}
		msgs, perr := yproto.Parse(data)
		for _, m := range msgs {
			if c.Closed() {
				break
			}
			c.handle(ctx, m)
		}
		if perr != nil {
			c.Close(websocket.StatusInvalidFramePayloadData, "malformed message")
			return
		}
	}
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

// append adds an update from this client to the session's stream. An
// update refused (a quota, or Redis) closes the socket: the client holds
// it and would otherwise drift from its partners; a reconnecting client
// resyncs.
func (c *Conn) append(ctx context.Context, u []byte, full bool) (docstream.Appended, string, error) {
	nonce := c.hub.nextID()
	register := c.room.register()
	a, err := c.hub.o.Streams.Append(ctx, c.room.sid, c.id, nonce, u, register, c.room.floor(),
		docstream.Quota{User: c.user, Full: full})
	var rl *docstream.RateLimitedError
	switch {
	case err == nil:
		c.room.relayLocal(c, a.ID, u)
	case errors.Is(err, docstream.ErrDocTooLarge):
		c.hub.o.Log.Info("update refused: document at its size limit", "session_id", c.room.sid, "bytes", len(u), "stored", a.Stored)
		c.Close(wsclose.TooLarge, fmt.Sprintf("the shared document is at its %d KiB limit", c.hub.o.Streams.Limits().DocBytes>>10))
	case errors.As(err, &rl):
		c.hub.o.Log.Info("update refused: too many updates", "session_id", c.room.sid, "retry_after_ms", rl.RetryAfter.Milliseconds())
		c.Close(wsclose.RateLimited, wsclose.RetryReason(rl.RetryAfter))
	default:
		if register {
			c.room.forgetRegistration()
		}
		c.hub.o.Log.Warn("storing an update failed; dropping the socket so the client resyncs", "session_id", c.room.sid, "error", err.Error())
		c.Close(websocket.StatusTryAgainLater, "storage unavailable")
	}
	return a, nonce, err
}

func (c *Conn) update(ctx context.Context, u []byte) {
	if yproto.IsEmptyUpdate(u) {
		return
	}
	_, _, _ = c.append(ctx, u, false)
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
	a, nonce, err := c.append(ctx, u, true)
	if err != nil {
		if req.owned {
			c.room.doneCompacting()
		}
		return
	}
	if !req.owned && !c.room.startCompacting() {
		return // another compaction is running; this state is stored as an update
	}
	snap := doc.Update{SessionID: c.room.sid, EntryID: doc.EntryID(a.ID, nonce), Stream: a.ID, Data: u}
	go c.room.compact(snap, req.cover, a.Stored)
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
	c.relayAwareness(ctx, yproto.Awareness(p))
}

// relayAwareness publishes msg now, or, over the rate, as the latest state
// once it is the socket's turn (replacing any state still waiting).
func (c *Conn) relayAwareness(ctx context.Context, msg []byte) {
	c.awMu.Lock()
	if c.awDone {
		c.awMu.Unlock()
		return
	}
	if c.awPending != nil {
		c.awPending = msg
		c.awMu.Unlock()
		return
	}
	if d := c.awLimit.Reserve().Delay(); d > 0 {
		c.awPending = msg
		c.awTimer = time.AfterFunc(d, c.flushAwareness)
		c.awMu.Unlock()
		return
	}
	c.awMu.Unlock()
	c.publish(ctx, docstream.Signal{Kind: docstream.SigAwareness, Origin: c.id, Data: msg})
}

// flushAwareness publishes the state that waited; leave waits for it, so
// its removal always comes last.
func (c *Conn) flushAwareness() {
	c.awMu.Lock()
	defer c.awMu.Unlock()
	msg := c.awPending
	c.awPending = nil
	if msg != nil && !c.awDone {
		c.publish(context.Background(), docstream.Signal{Kind: docstream.SigAwareness, Origin: c.id, Data: msg})
	}
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
	if !c.Started() || c.fullReq != nil {
		return false
	}
	c.fullReq = &fullStateRequest{cover: cover, owned: owned}
	return c.Send(yproto.Step1Empty)
}
