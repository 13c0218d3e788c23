// Package ws pushes ticket events to users' WebSockets. Every replica reads
// the events stream (every ticket state change, written by the same script
// that changes the state) and forwards each event to the sockets it holds
// for that user, so a user hears of their match whichever replica paired it
// and whichever replica their socket is on. A (re)connecting socket gets the
// current state first; states are ordered (epoch, seq, version) so a socket
// never goes back to an older one.
package ws

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/libs/redisgroup"
	"github.com/peerprep/peerprep/libs/socket"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// Store is what the hub reads (package redisq).
type Store interface {
	EventsTail(ctx context.Context) (string, error)
	// ReadEvents also reports a gap: events after `after` were trimmed
	// before they were read.
	ReadEvents(ctx context.Context, after string, count int64, block time.Duration) (evs []match.Ticket, next string, gap bool, err error)
	Current(ctx context.Context, userID string) (match.Ticket, error)
	// CurrentMany is Current for many users at once; users without a
	// ticket are left out.
	CurrentMany(ctx context.Context, userIDs []string) (map[string]match.Ticket, error)
	Tickets(ctx context.Context, ids []string) (map[string]match.Ticket, error)
}

// Options configure a Hub. Zero values take the defaults named.
type Options struct {
	Store        Store
	Log          *slog.Logger
	Origins      socket.Origins // browser origins allowed besides the same origin (CORS_ALLOWED_ORIGINS)
	PingEvery    time.Duration  // default socket.DefaultPingEvery (the ALB idle timeout is 60 s)
	WriteTimeout time.Duration  // per message, default 5s
	SendQueue    int            // events waiting per socket before it counts as slow; default 32
}

// Hub holds this replica's sockets.
type Hub struct {
	o   Options
	log *slog.Logger

	conns socket.Set[*conn]

	mu    sync.RWMutex
	users map[string]map[*conn]struct{} // conns by user
	// ready is closed once Run knows where the events stream ends: a
	// socket registered before then could miss the events in between.
	ready chan struct{}
}

// NewHub returns a Hub.
func NewHub(o Options) *Hub {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 5 * time.Second
	}
	if o.SendQueue <= 0 {
		o.SendQueue = 32
	}
	return &Hub{o: o, log: o.Log, users: map[string]map[*conn]struct{}{}, ready: make(chan struct{})}
}

// Conns is the number of open sockets.
func (h *Hub) Conns() int64 { return int64(h.conns.Len()) }

// note is one thing for a socket's writer to consider sending.
type note struct {
	ticket *match.Ticket // a ticket state
	lost   string        // a ticket id that vanished from Redis
	pong   bool
}

// conn is one socket of a user. Notes are turned into messages as they
// are queued (next), under mu, so the queue holds them in the order the
// socket's states are decided.
type conn struct {
	*socket.Conn
	user string

	mu      sync.Mutex
	last    match.Ticket // the last state queued
	hasLast bool
}

// push queues what n means for the socket, if anything. A client that does
// not keep up is dropped (socket.TooSlow) rather than let it hold up
// anyone else; it reconnects and gets the current state.
func (c *conn) push(n note) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if msg := c.next(n); msg != nil {
		c.Send(msg)
	}
}

func (c *conn) lastState() (match.Ticket, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last, c.hasLast
}

func (h *Hub) add(c *conn) bool {
	if !h.conns.Add(c) {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.users[c.user]
	if set == nil {
		set = map[*conn]struct{}{}
		h.users[c.user] = set
	}
	set[c] = struct{}{}
	return true
}

func (h *Hub) remove(c *conn) {
	h.mu.Lock()
	if set := h.users[c.user]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.users, c.user)
		}
	}
	h.mu.Unlock()
	h.conns.Remove(c)
}

func (h *Hub) all() []*conn { return h.conns.All() }

// deliver hands a ticket state to every socket of its user here.
func (h *Hub) deliver(t match.Ticket) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.users[t.UserID] {
		c.push(note{ticket: &t})
	}
}

// Handle upgrades an authenticated request (auth.AuthenticateWS ran) to a
// WebSocket and serves it until either side closes it.
func (h *Hub) Handle(c echo.Context) error {
	claims := auth.ClaimsFrom(c)
	if claims == nil {
		return httperr.Unauthenticated("a valid access token is required")
	}
	if h.conns.Closing() {
		return httperr.Unavailable(errors.New("shutting down"))
	}
	select {
	case <-h.ready:
	case <-time.After(3 * time.Second):
		return httperr.Unavailable(errors.New("events stream not readable yet"))
	case <-c.Request().Context().Done():
		return c.Request().Context().Err()
	}
	if err := socket.Check(c.Request(), h.o.Origins); err != nil {
		return err
	}
	// Registered before the handshake completes: a revocation heard
	// between the client's handshake and the registration would otherwise
	// miss this socket (a close before Start is applied by Start).
	cn := &conn{user: claims.UserID(), Conn: socket.NewConn(socket.ConnOptions{
		MaxQueue:     h.o.SendQueue,
		WriteTimeout: h.o.WriteTimeout,
		PingEvery:    h.o.PingEvery,
		PingTimeout:  2 * h.o.WriteTimeout,
	})}
	if !h.add(cn) {
		return httperr.Unavailable(errors.New("shutting down"))
	}
	wsc, err := socket.Accept(c.Response(), c.Request(), 4096)
	if err != nil {
		h.remove(cn)
		return nil // Accept answered the handshake already
	}
	c.Response().Status = 101 // for the access log
	// The socket outlives this handler: once hijacked, returning frees the
	// request, the router's context and the handler's deep stack, which is
	// most of an idle socket's memory.
	if claims.ExpiresAt != nil {
		cn.ExpireAt(claims.ExpiresAt.Time)
	}
	go h.serve(cn, wsc)
	return nil
}

// serve runs one socket until either side closes it.
func (h *Hub) serve(cn *conn, ws *websocket.Conn) {
	defer h.remove(cn)
	if !cn.Start(ws, nil) {
		return // closed meanwhile (shutdown): Start closed ws with its code
	}
	go h.sendCurrent(cn)
	h.read(cn, ws)
	cn.CloseNow()
}

// sendCurrent sends a new socket its user's current state. Registered
// first, then the state read: an event racing the read is sent before it,
// and the state read is then dropped as older, or after it.
func (h *Hub) sendCurrent(cn *conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	t, err := h.o.Store.Current(ctx, cn.user)
	cancel()
	switch {
	case err == nil:
		cn.push(note{ticket: &t})
	case !errors.Is(err, match.ErrNotFound):
		h.log.Warn("reading the current ticket for a new socket failed", "error", err.Error())
		cn.Close(websocket.StatusTryAgainLater, "try again")
	}
}

// read consumes what the client sends: pings are answered, the rest is
// ignored. It returns when the socket is closed (by either side).
func (h *Hub) read(c *conn, ws *websocket.Conn) {
	for {
		_, data, err := ws.Read(context.Background())
		if err != nil {
			return
		}
		if m, ok := ParseClientMessage(data); ok && m.Type == "ping" {
			c.push(note{pong: true})
		}
	}
}

const lostReason = "your ticket was lost when the matching service restarted; please queue again"

// next decides what n means for this socket: the encoded message to send,
// or nil when the socket already has that state or a newer one. c.mu is
// held.
func (c *conn) next(n note) []byte {
	var t match.Ticket
	switch {
	case n.pong:
		return []byte(`{"type":"pong"}`)
	case n.ticket != nil:
		t = *n.ticket
		if c.hasLast && !t.Newer(c.last) {
			return nil
		}
	case n.lost != "":
		if !c.hasLast || c.last.ID != n.lost || !c.last.Status.Live() {
			return nil
		}
		t = c.last
		t.Status, t.Pairing, t.Reason, t.Version = match.StatusFailed, false, lostReason, t.Version+1
	default:
		return nil
	}
	c.last, c.hasLast = t, true
	b, err := json.Marshal(EventFor(t))
	if err != nil {
		return nil
	}
	return b
}

// Run forwards events from the stream to this replica's sockets until ctx
// is done. After Redis was unreachable, or when the stream was trimmed past
// what this replica had read, it re-reads every socket's state, so nothing
// is missed, and tells sockets whose ticket vanished.
func (h *Hub) Run(ctx context.Context) {
	var after string
	for ctx.Err() == nil {
		var err error
		if after, err = h.o.Store.EventsTail(ctx); err == nil {
			break
		}
		h.log.Warn("reading the events stream failed", "error", err.Error())
		redisgroup.Sleep(ctx, time.Second)
	}
	close(h.ready)
	backoff, failing := 50*time.Millisecond, false
	for ctx.Err() == nil {
		evs, next, gap, err := h.o.Store.ReadEvents(ctx, after, 512, 500*time.Millisecond)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !failing {
				h.log.Warn("reading the events stream failed", "error", err.Error())
			}
			failing = true
			redisgroup.Sleep(ctx, backoff)
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		if failing {
			failing = false
			h.log.Info("events stream readable again; refreshing every socket")
			h.Refresh(ctx)
		}
		after = next
		for _, t := range evs {
			h.deliver(t)
		}
		if gap {
			// This replica fell further behind than the stream keeps:
			// states it never saw are re-read from the tickets themselves.
			h.log.Warn("events were trimmed before this replica read them; refreshing every socket")
			h.Refresh(ctx)
		}
	}
}

// Refresh re-reads the current ticket of every socket's user and sends any
// newer state; a socket whose live ticket vanished (Redis lost its data)
// is told it failed.
func (h *Hub) Refresh(ctx context.Context) {
	conns := h.all()
	if len(conns) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var users, live []string
	seen := map[string]bool{}
	for _, c := range conns {
		if !seen[c.user] {
			seen[c.user] = true
			users = append(users, c.user)
		}
		if t, ok := c.lastState(); ok && t.Status.Live() {
			live = append(live, t.ID)
		}
	}
	current, err := h.o.Store.CurrentMany(ctx, users)
	if err != nil {
		h.log.Warn("refreshing sockets failed", "error", err.Error())
		return
	}
	exist, err := h.o.Store.Tickets(ctx, live)
	if err != nil {
		h.log.Warn("refreshing sockets failed", "error", err.Error())
		return
	}
	for _, c := range conns {
		if last, ok := c.lastState(); ok && last.Status.Live() {
			if t, found := exist[last.ID]; found {
				c.push(note{ticket: &t})
			} else {
				c.push(note{lost: last.ID})
			}
		}
		if t, ok := current[c.user]; ok {
			c.push(note{ticket: &t})
		}
	}
}

// Shutdown closes every socket with 1012 (service restart) so clients
// reconnect to another replica, and waits for them or ctx.
func (h *Hub) Shutdown(ctx context.Context) {
	if n := h.conns.Close(ctx); n > 0 {
		h.log.Info("closed sockets for shutdown", "sockets", n)
	}
}
