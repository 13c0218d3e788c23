package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// held is a socket the load keeps open: when the server closes it (1012 on
// a restart) or the connection breaks, it dials again through the gateway
// as a browser client would, with backoff, and counts what happened.
type held struct {
	l       *Load
	path    string
	token   string
	onFrame func([]byte) // called for every frame, under mu

	mu      sync.Mutex
	sock    *Socket       // nil while reconnecting
	changed chan struct{} // closed and replaced on every frame and reconnect
}

// hold dials path and keeps it open until ctx ends.
func (l *Load) hold(ctx context.Context, path, token string, onFrame func([]byte)) (*held, error) {
	h := &held{l: l, path: path, token: token, onFrame: onFrame, changed: make(chan struct{})}
	var s *Socket
	var err error
	for attempt := range 5 {
		if s, err = l.dial(ctx, path, token); err == nil {
			break
		}
		l.count(func(r *Report) { r.HandshakeErrors++ })
		sleep(ctx, time.Duration(attempt+1)*200*time.Millisecond)
	}
	if err != nil {
		return nil, err
	}
	h.sock = s
	go h.run(ctx, s)
	return h, nil
}

func (l *Load) dial(ctx context.Context, path, token string) (*Socket, error) {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := l.sockets.DialSocket(dctx, path, token)
	if err == nil {
		l.count(func(r *Report) { r.SocketsOpened++ })
	}
	return s, err
}

func (h *held) run(ctx context.Context, s *Socket) {
	for {
		err := h.readAll(ctx, s)
		h.swap(nil)
		if ctx.Err() != nil {
			_ = s.Close()
			return
		}
		h.l.count(func(r *Report) { r.SocketDrops++ })
		deadline := time.Now().Add(h.l.cfg.ReconnectWithin)
		late := false
		backoff := 100 * time.Millisecond
		for {
			ns, derr := h.l.dial(ctx, h.path, h.token)
			if derr == nil {
				s = ns
				break
			}
			if ctx.Err() != nil {
				return
			}
			h.l.count(func(r *Report) { r.HandshakeErrors++ })
			if !late && time.Now().After(deadline) {
				late = true
				h.l.count(func(r *Report) { r.Dropped++ })
				h.l.fail(fmt.Sprintf("%s: no new socket within %s after %v (last handshake: %v)", routeOf(h.path), h.l.cfg.ReconnectWithin, err, derr))
			}
			sleep(ctx, backoff)
			backoff = min(2*backoff, time.Second)
		}
		if !late {
			h.l.count(func(r *Report) { r.Reconnected++ })
		}
		h.swap(s)
	}
}

func (h *held) readAll(ctx context.Context, s *Socket) error {
	for {
		_, b, err := s.conn.Read(ctx)
		if err != nil {
			return err
		}
		h.mu.Lock()
		h.onFrame(b)
		close(h.changed)
		h.changed = make(chan struct{})
		h.mu.Unlock()
	}
}

func (h *held) swap(s *Socket) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sock = s
	close(h.changed)
	h.changed = make(chan struct{})
}

// send writes v on the current socket.
func (h *held) send(ctx context.Context, v any) error {
	h.mu.Lock()
	s := h.sock
	h.mu.Unlock()
	if s == nil {
		return errors.New("reconnecting")
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.Write(wctx, v)
}

// wait blocks until cond (called under mu) holds, or timeout passes.
func (h *held) wait(ctx context.Context, timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		ok, ch := cond(), h.changed
		h.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// matchWatch keeps a user's matching socket and the events it brought, by ticket.
type matchWatch struct {
	*held
	events map[string]Event // by ticket id, the latest
}

func (l *Load) watchMatches(ctx context.Context, token string) (*matchWatch, error) {
	w := &matchWatch{events: map[string]Event{}}
	h, err := l.hold(ctx, "/matching-service-api/ws", token, func(b []byte) {
		var ev Event
		if json.Unmarshal(b, &ev) == nil && ev.TicketID != "" {
			w.events[ev.TicketID] = ev
		}
	})
	w.held = h
	return w, err
}

// chatWatch keeps a user's chat socket and the client ids it saw echoed.
type chatWatch struct {
	*held
	seen map[string]bool
}

func (l *Load) watchChat(ctx context.Context, token, session string) (*chatWatch, error) {
	w := &chatWatch{seen: map[string]bool{}}
	h, err := l.hold(ctx, "/chat-service-api/rooms/"+session+"/ws", token, func(b []byte) {
		var f ChatFrame
		if json.Unmarshal(b, &f) == nil && f.Type == "message" {
			w.seen[f.ClientID] = true
		}
	})
	w.held = h
	return w, err
}
