package ws

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/wsclose"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// chanStore serves events from a channel and no current tickets.
type chanStore struct {
	events chan match.Ticket
}

func (chanStore) EventsTail(context.Context) (string, error) { return "0-0", nil }
func (s chanStore) ReadEvents(ctx context.Context, after string, _ int64, block time.Duration) ([]match.Ticket, string, bool, error) {
	select {
	case t := <-s.events:
		return []match.Ticket{t}, after, false, nil
	case <-time.After(block):
		return nil, after, false, nil
	case <-ctx.Done():
		return nil, after, false, ctx.Err()
	}
}
func (chanStore) Current(context.Context, string) (match.Ticket, error) {
	return match.Ticket{}, match.ErrNotFound
}
func (chanStore) CurrentMany(context.Context, []string) (map[string]match.Ticket, error) {
	return nil, nil
}
func (chanStore) Tickets(context.Context, []string) (map[string]match.Ticket, error) { return nil, nil }

type socketEnv struct {
	hub    *Hub
	url    string
	signer func(ttl time.Duration) (user, token string)
	events chan match.Ticket
}

func newSocketEnv(t *testing.T, o Options) socketEnv {
	t.Helper()
	st := chanStore{events: make(chan match.Ticket, 16)}
	o.Store = st
	se := startHub(t, o)
	se.events = st.events
	return se
}

// startHub runs a hub over o.Store behind an echo server with a token check.
func startHub(t *testing.T, o Options) socketEnv {
	t.Helper()
	priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	hub := NewHub(o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); hub.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	e := echo.New()
	e.GET("/ws", hub.Handle, auth.AuthenticateWS(auth.NewVerifier(auth.StaticKeys{auth.KeyID(auth.Public(priv)): auth.Public(priv)}, nil)))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	sign := func(ttl time.Duration) (string, string) {
		id := uuid.NewString()
		// A token issued so that it expires about ttl from now (at most
		// ttl, token times having whole seconds).
		s := auth.NewSigner(priv, func() time.Time { return time.Now().Add(min(ttl-auth.AccessTTL, 0)) })
		tok, _, err := s.Sign(id, auth.RoleUser, "")
		if err != nil {
			t.Fatal(err)
		}
		return id, tok
	}
	return socketEnv{hub: hub, url: "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws", signer: sign}
}

func (se socketEnv) dial(t *testing.T, token string, pings *atomic.Int32) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(context.Background(), se.url+"?token="+token, &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool { pings.Add(1); return true },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func TestSocketPingsAndEvents(t *testing.T) {
	t.Parallel()
	se := newSocketEnv(t, Options{PingEvery: 50 * time.Millisecond})
	user, tok := se.signer(time.Hour)
	var pings atomic.Int32
	c := se.dial(t, tok, &pings)
	for se.hub.Conns() == 0 { // registered: from now on it hears every event
		time.Sleep(5 * time.Millisecond)
	}
	se.events <- match.Ticket{ID: "t1", UserID: user, Status: match.StatusCancelled, Epoch: 1, Seq: 1, Version: 2}
	se.events <- match.Ticket{ID: "t9", UserID: "someone-else", Status: match.StatusCancelled, Epoch: 1, Seq: 2, Version: 2}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ev Event
	if json.Unmarshal(data, &ev) != nil || ev.Type != "cancelled" || ev.TicketID != "t1" {
		t.Fatalf("event %s", data)
	}
	go func() { _, _, _ = c.Read(ctx) }() // answer pings; another user's event must not arrive
	time.Sleep(300 * time.Millisecond)
	if n := pings.Load(); n < 3 {
		t.Fatalf("%d pings in 300 ms at one per 50 ms", n)
	}
}

func TestSocketClosedWhenTokenExpires(t *testing.T) {
	t.Parallel()
	// At the expiry itself, not at the next ping.
	se := newSocketEnv(t, Options{PingEvery: time.Hour})
	_, tok := se.signer(1500 * time.Millisecond)
	var pings atomic.Int32
	c := se.dial(t, tok, &pings)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	_, _, err := c.Read(ctx)
	if code := websocket.CloseStatus(err); code != wsclose.TokenExpired {
		t.Fatalf("closed with %v (%v)", code, err)
	}
	if el := time.Since(start); el < 400*time.Millisecond {
		t.Fatalf("closed after %v, before the token expired", el)
	}
}

func TestShutdownClosesWith1012(t *testing.T) {
	t.Parallel()
	se := newSocketEnv(t, Options{})
	_, tok := se.signer(time.Hour)
	var pings atomic.Int32
	c := se.dial(t, tok, &pings)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { _, _, err := c.Read(ctx); errc <- err }()
	for se.hub.Conns() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	se.hub.Shutdown(ctx)
	if code := websocket.CloseStatus(<-errc); code != websocket.StatusServiceRestart {
		t.Fatalf("closed with %v", code)
	}
	if se.hub.Conns() != 0 {
		t.Fatal("socket still counted")
	}
	if _, _, err := websocket.Dial(ctx, se.url+"?token="+tok, nil); err == nil {
		t.Fatal("a socket was accepted after shutdown")
	}
}

// gapStore reports a gap in the events stream when told to, and then has
// a newer state for the user than any event brought.
type gapStore struct {
	chanStore
	gap     chan struct{}
	current match.Ticket
}

func (s gapStore) ReadEvents(ctx context.Context, after string, _ int64, block time.Duration) ([]match.Ticket, string, bool, error) {
	select {
	case <-s.gap:
		return nil, after, true, nil
	case <-time.After(block):
		return nil, after, false, nil
	case <-ctx.Done():
		return nil, after, false, ctx.Err()
	}
}

func (s gapStore) CurrentMany(_ context.Context, users []string) (map[string]match.Ticket, error) {
	out := map[string]match.Ticket{}
	for _, u := range users {
		t := s.current
		t.UserID = u
		out[u] = t
	}
	return out, nil
}

// TestGapInEventsRefreshesSockets: when the replica fell behind what the
// events stream keeps, each socket is sent its user's current state.
func TestGapInEventsRefreshesSockets(t *testing.T) {
	t.Parallel()
	st := gapStore{chanStore: chanStore{events: make(chan match.Ticket)}, gap: make(chan struct{}, 1),
		current: match.Ticket{ID: "t1", Status: match.StatusMatched, Epoch: 1, Seq: 1, Version: 3,
			Match: &match.MatchInfo{ID: "m1", SessionID: "s1", QuestionID: "q1"}}}
	se := startHub(t, Options{Store: st, PingEvery: time.Minute})
	_, tok := se.signer(time.Hour)
	var pings atomic.Int32
	c := se.dial(t, tok, &pings)
	for se.hub.Conns() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	st.gap <- struct{}{}
	rctx, rcancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer rcancel()
	_, data, err := c.Read(rctx)
	if err != nil {
		t.Fatal(err)
	}
	var ev Event
	if json.Unmarshal(data, &ev) != nil || ev.Type != "matched" || ev.SessionID != "s1" {
		t.Fatalf("after a gap the socket got %s", data)
	}
}
