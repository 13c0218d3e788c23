package room

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/libs/wsclose"
	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
	"github.com/peerprep/peerprep/services/collaboration/internal/docstream"
	"github.com/peerprep/peerprep/services/collaboration/internal/session"
	"github.com/peerprep/peerprep/services/collaboration/internal/yproto"
)

// docs is an in-memory Docs.
type docs struct {
	mu       sync.Mutex
	stored   []doc.Update
	compacts []compaction
}

type compaction struct {
	snap  doc.Update
	cover doc.Coverage
}

func (d *docs) Covered(context.Context, string) (doc.StreamID, error) { return doc.StreamID{}, nil }

func (d *docs) LoadDoc(_ context.Context, _ string, _ bool) (doc.Loaded, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := doc.Loaded{Updates: append([]doc.Update(nil), d.stored...)}
	for _, u := range d.stored {
		l.MaxSeq = max(l.MaxSeq, u.Seq)
	}
	return l, nil
}

func (d *docs) Compact(_ context.Context, snap doc.Update, c doc.Coverage) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.compacts = append(d.compacts, compaction{snap, c})
	return 0, nil
}

func (d *docs) compactions() []compaction {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]compaction(nil), d.compacts...)
}

type sessions struct{}

func (sessions) Heartbeat(context.Context, []string) ([]session.State, error) { return nil, nil }
func (sessions) Touch(context.Context, string) error                          { return nil }

type harness struct {
	hub  *Hub
	docs *docs
	srv  *httptest.Server
	sid  string
	strm *docstream.Streams
}

func newHarness(t *testing.T, o Options) *harness {
	t.Helper()
	rdb, prefix := redistest.New(t)
	keys := docstream.Keys{Prefix: prefix}
	// Quotas have tests of their own; the others must not meet them.
	roomy := docstream.Limits{DocBytes: 1 << 40, Rate: 1e9, Burst: 1e9}
	h := &harness{docs: &docs{}, sid: uuid.NewString(), strm: docstream.NewStreams(rdb, keys).WithLimits(roomy)}
	o.Streams, o.Docs, o.Sessions = h.strm, h.docs, sessions{}
	o.Signals = docstream.NewSignals(rdb, keys, slog.New(slog.DiscardHandler))
	h.hub = NewHub(o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.hub.Run(ctx); close(done) }()
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var expires time.Time
		if e := r.URL.Query().Get("expires"); e != "" {
			d, _ := time.ParseDuration(e)
			expires = time.Now().Add(d)
		}
		c, err := h.hub.Join(r.Context(), h.sid, r.URL.Query().Get("user"), expires)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		c.Serve(w, r)
	}))
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		h.hub.Shutdown(sctx)
		scancel()
		h.srv.Close()
		cancel()
		<-done
	})
	return h
}

type client struct {
	t  *testing.T
	ws *websocket.Conn
}

func (h *harness) connect(t *testing.T, user string) *client {
	t.Helper()
	return h.connectQuery(t, "user="+user)
}

func (h *harness) connectQuery(t *testing.T, query string) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, strings.Replace(h.srv.URL, "http", "ws", 1)+"?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(8 << 20)
	t.Cleanup(func() { _ = ws.CloseNow() })
	return &client{t: t, ws: ws}
}

func (c *client) send(msg []byte) {
	c.t.Helper()
	if err := c.ws.Write(context.Background(), websocket.MessageBinary, msg); err != nil {
		c.t.Fatal(err)
	}
}

// next returns the next message, skipping keepalives and the awareness
// queries joining clients send (they arrive whenever Pub/Sub delivers them).
func (c *client) next() []byte {
	c.t.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, b, err := c.ws.Read(ctx)
		cancel()
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		if !bytes.Equal(b, yproto.KeepAlive) && !bytes.Equal(b, yproto.QueryAwareness) {
			return b
		}
	}
}

// synced reads the join messages: the stored updates, then the empty step
// 2 and the empty-state-vector step 1.
func (c *client) synced() [][]byte {
	c.t.Helper()
	var updates [][]byte
	for {
		b := c.next()
		if bytes.Equal(b, yproto.Step2Empty) {
			if got := c.next(); !bytes.Equal(got, yproto.Step1Empty) {
				c.t.Fatalf("after step 2: %v, want the empty step 1", got)
			}
			return updates
		}
		updates = append(updates, b)
	}
}

// closedWith reads until the server closes and returns the code.
func (c *client) closedWith() websocket.StatusCode {
	c.t.Helper()
	return c.closeFrame().Code
}

// closeFrame reads until the server closes and returns its close frame.
func (c *client) closeFrame() websocket.CloseError {
	c.t.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, _, err := c.ws.Read(ctx)
		cancel()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				c.t.Fatal("not closed")
			}
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return ce
			}
			return websocket.CloseError{Code: -1, Reason: err.Error()}
		}
	}
}

func TestJoinSendsTheDocumentThenRelaysWithoutEcho(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.docs.stored = []doc.Update{{EntryID: "1-0/a", Seq: 4, Data: []byte("stored-1")}, {EntryID: "2-0/a", Seq: 9, Data: []byte("stored-2")}}
	a := h.connect(t, "ada")
	if got := a.synced(); len(got) != 2 || !bytes.Equal(got[0], yproto.Update([]byte("stored-1"))) || !bytes.Equal(got[1], yproto.Update([]byte("stored-2"))) {
		t.Fatalf("join messages: %v", got)
	}
	a.send(yproto.Step2(yproto.EmptyUpdate)) // a's (empty) answer to the step 1
	b := h.connect(t, "bob")
	b.synced()
	b.send(yproto.Step2(yproto.EmptyUpdate))

	a.send(yproto.Update([]byte("from-a")))
	if got := b.next(); !bytes.Equal(got, yproto.Update([]byte("from-a"))) {
		t.Fatalf("b got %v", got)
	}
	// A client's own sync step 1 is answered with an empty step 2.
	b.send([]byte{yproto.TypeSync, yproto.SyncStep1, 1, 0})
	if got := b.next(); !bytes.Equal(got, yproto.Step2Empty) {
		t.Fatalf("answer to step 1: %v", got)
	}
	b.send(yproto.Update([]byte("from-b")))
	if got := a.next(); !bytes.Equal(got, yproto.Update([]byte("from-b"))) {
		t.Fatalf("a got %v (its own update echoed?)", got)
	}
	// A newcomer gets what the stream holds and storage does not yet.
	c := h.connect(t, "cy")
	got := c.synced()
	if len(got) != 4 || !bytes.Equal(got[2], yproto.Update([]byte("from-a"))) || !bytes.Equal(got[3], yproto.Update([]byte("from-b"))) {
		t.Fatalf("newcomer got %q", got)
	}
}

// An update relayed to the local partners at once is not relayed again
// when its stream copy arrives; a socket that joins after the relay gets
// it with the document or from the stream.
func TestLocalRelayIsNotRepeated(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	a := h.connect(t, "ada")
	a.synced()
	b := h.connect(t, "bob")
	b.synced()
	a.send(yproto.Update([]byte("u1")))
	a.send(yproto.Update([]byte("u2")))
	// Let the stream copies reach the reader, then one more.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if r := h.hub.room(h.sid); r != nil && r.floor() != (doc.StreamID{}) {
			r.mu.Lock()
			pending := len(r.local)
			r.mu.Unlock()
			if pending == 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("stream copies never delivered")
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.send(yproto.Update([]byte("u3")))
	for _, want := range []string{"u1", "u2", "u3"} {
		if got := b.next(); !bytes.Equal(got, yproto.Update([]byte(want))) {
			t.Fatalf("b got %q, want %q (relayed twice?)", got, want)
		}
	}
	c := h.connect(t, "cy")
	if got := c.synced(); len(got) != 3 {
		t.Fatalf("newcomer got %q, want the three updates", got)
	}
	b.send(yproto.Update([]byte("from-b")))
	for _, cl := range []*client{a, c} {
		if got := cl.next(); !bytes.Equal(got, yproto.Update([]byte("from-b"))) {
			t.Fatalf("got %q, want from-b", got)
		}
	}
}

func TestFullStateReplacesWhatItCovers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{CompactEvery: 3})
	h.docs.stored = []doc.Update{{EntryID: "1-0/a", Seq: 7, Data: []byte("stored")}}
	a := h.connect(t, "ada")
	a.synced()
	a.send(yproto.Step2([]byte("ada-full-state")))
	apitest.Eventually(t, 5*time.Second, "the join compaction", func() bool { return len(h.docs.compactions()) == 1 })
	first := h.docs.compactions()[0]
	if string(first.snap.Data) != "ada-full-state" || first.cover.MaxSeq != 7 || !first.cover.UpTo.IsZero() {
		t.Fatalf("join compaction %+v", first)
	}

	// Every 3 stream entries (the full state was one) the client is asked
	// again; its own updates are not echoed, so the request is next.
	for i := range 2 {
		a.send(yproto.Update([]byte{byte(i)}))
	}
	if got := a.next(); !bytes.Equal(got, yproto.Step1Empty) {
		t.Fatalf("a got %v, want the full-state request", got)
	}
	last, _ := h.strm.LastID(context.Background(), h.sid)
	a.send(yproto.Step2([]byte("ada-full-state-2")))
	apitest.Eventually(t, 5*time.Second, "the in-session compaction", func() bool { return len(h.docs.compactions()) == 2 })
	second := h.docs.compactions()[1]
	if string(second.snap.Data) != "ada-full-state-2" || second.cover.MaxSeq != 7 || last.Less(second.cover.UpTo) ||
		second.cover.UpTo.IsZero() || !last.Less(second.snap.Stream) {
		t.Fatalf("in-session compaction %+v (last entry %v)", second, last)
	}

	// An empty full state (a client with nothing) stores nothing.
	b := h.connect(t, "bob")
	b.synced()
	b.send(yproto.Step2(yproto.EmptyUpdate))
	time.Sleep(50 * time.Millisecond)
	if len(h.docs.compactions()) != 2 {
		t.Fatal("the empty full state was stored")
	}
}

func TestAwarenessIsRelayedAndClearedOnClose(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	a, b := h.connect(t, "ada"), h.connect(t, "bob")
	a.synced()
	b.synced()
	state := yproto.AppendVarUint(nil, 1)
	state = yproto.AppendVarUint(state, 77) // client id
	state = yproto.AppendVarUint(state, 3)  // clock
	state = append(yproto.AppendVarUint(state, uint64(len(`{"user":"ada"}`))), `{"user":"ada"}`...)
	msg := yproto.Awareness(state)
	a.send(msg)
	if got := b.next(); !bytes.Equal(got, msg) {
		t.Fatalf("b got %v, want %v", got, msg)
	}
	// Invalid awareness JSON would break b's client: not relayed.
	bad := yproto.Awareness(append(yproto.AppendVarUint(yproto.AppendVarUint(yproto.AppendVarUint(nil, 1), 5), 1), 3, '{', 'x', '}'))
	a.send(bad)
	_ = a.ws.Close(websocket.StatusNormalClosure, "")
	got := b.next()
	if got[0] != yproto.TypeAwareness {
		t.Fatalf("b got %v", got)
	}
	ms, _ := yproto.Parse(got)
	st, err := yproto.ParseAwareness(ms[0].Payload)
	if err != nil || len(st) != 1 || st[0] != (yproto.AwarenessState{ClientID: 77, Clock: 4, Null: true}) {
		t.Fatalf("removal %+v %v", st, err)
	}
}

func TestBadMessagesCloseTheSocket(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	cases := []struct {
		name string
		typ  websocket.MessageType
		msg  []byte
		code websocket.StatusCode
	}{
		{"text frame", websocket.MessageText, []byte("hello"), websocket.StatusUnsupportedData},
		{"truncated update", websocket.MessageBinary, []byte{0, 2, 9, 1}, websocket.StatusInvalidFramePayloadData},
		{"too large", websocket.MessageBinary, yproto.Update(make([]byte, 64<<10)), wsclose.TooLarge},
	}
	h.hub.o.ReadLimit = 32 << 10
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h.connect(t, "ada")
			c.synced()
			if err := c.ws.Write(context.Background(), tc.typ, tc.msg); err != nil {
				t.Fatal(err)
			}
			if code := c.closedWith(); code != tc.code {
				t.Fatalf("closed with %d, want %d", code, tc.code)
			}
		})
	}
}

func TestSlowClientIsDropped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{MaxQueue: 64, MaxQueueBytes: 1 << 20, WriteTimeout: 500 * time.Millisecond})
	fast, slow := h.connect(t, "ada"), h.connect(t, "bob")
	fast.synced()
	slow.synced() // and then never reads until the end
	go func() {
		for {
			if _, _, err := fast.ws.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	big := yproto.Update(bytes.Repeat([]byte{1}, 16<<10))
	for range 2000 { // 32 MiB: far beyond socket buffers and the queue
		if err := fast.ws.Write(context.Background(), websocket.MessageBinary, big); err != nil {
			t.Fatal(err)
		}
		if h.hub.room(h.sid) == nil {
			break
		}
		if n := func() int {
			r := h.hub.room(h.sid)
			r.mu.Lock()
			defer r.mu.Unlock()
			return len(r.conns)
		}(); n < 2 {
			break
		}
	}
	code := slow.closedWith()
	if code != websocket.StatusTryAgainLater && code != -1 {
		t.Fatalf("slow client closed with %d", code)
	}
	// The fast one is still served.
	apitest.Eventually(t, 5*time.Second, "the slow socket to leave", func() bool {
		r := h.hub.room(h.sid)
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.conns) == 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := fast.ws.Ping(ctx); err != nil {
		t.Fatalf("the fast client was dropped too: %v", err)
	}
}

func TestIdleSocketsGetKeepalives(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{PingEvery: 200 * time.Millisecond})
	c := h.connect(t, "ada")
	c.synced()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	if err != nil || !bytes.Equal(b, yproto.KeepAlive) {
		t.Fatalf("got %v %v, want a keepalive", b, err)
	}
}

// TestQuotaRefusalsCloseTheSocket: an update over the document's cap or
// its sender's rate is not stored, and the socket closes with a code the
// web app explains.
func TestQuotaRefusalsCloseTheSocket(t *testing.T) {
	t.Parallel()
	stored := func(h *harness) int64 {
		n, _ := h.strm.Client().XLen(context.Background(), h.strm.Keys().Doc(h.sid)).Result()
		return n
	}
	t.Run("document size", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Options{})
		h.strm.WithLimits(docstream.Limits{DocBytes: 10 << 10, Rate: 1e9, Burst: 1e9})
		c := h.connect(t, "ada")
		c.synced()
		c.send(yproto.Update(make([]byte, 6<<10)))
		c.send(yproto.Update(make([]byte, 6<<10)))
		c.send(yproto.Update(make([]byte, 1<<10))) // would fit, but the socket is refused already
		if f := c.closeFrame(); f.Code != wsclose.TooLarge || !strings.Contains(f.Reason, "10 KiB limit") {
			t.Fatalf("closed with %d %q", f.Code, f.Reason)
		}
		if n := stored(h); n != 1 {
			t.Fatalf("%d updates stored, want the first only", n)
		}
	})
	t.Run("updates per user", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Options{})
		h.strm.WithLimits(docstream.Limits{Rate: 2, Burst: 3})
		c := h.connect(t, "ada")
		c.synced()
		for i := range 4 {
			c.send(yproto.Update([]byte{1, byte(i)}))
		}
		f := c.closeFrame()
		if f.Code != wsclose.RateLimited || !strings.HasSuffix(f.Reason, "retry in 1 s") {
			t.Fatalf("closed with %d %q", f.Code, f.Reason)
		}
		if n := stored(h); n != 3 {
			t.Fatalf("%d updates stored, want the 3 of the burst", n)
		}
		// The bucket is the user's, not the socket's.
		again := h.connect(t, "ada")
		again.synced()
		again.send(yproto.Update([]byte{2, 0}))
		if code := again.closedWith(); code != wsclose.RateLimited {
			t.Fatalf("a new socket of the same user closed with %d", code)
		}
		other := h.connect(t, "bob")
		other.synced()
		other.send(yproto.Update([]byte{3, 0}))
		h.waitStored(t, 4)
	})
}

func (h *harness) waitStored(t *testing.T, n int64) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got, _ := h.strm.Client().XLen(context.Background(), h.strm.Keys().Doc(h.sid)).Result(); got == n {
			return
		}
	}
	t.Fatalf("never %d stored updates", n)
}

func TestSocketClosesWhenTheTokenExpires(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	start := time.Now()
	c := h.connectQuery(t, "user=ada&expires=400ms")
	c.synced()
	f := c.closeFrame()
	if f.Code != wsclose.TokenExpired || f.Reason != wsclose.TokenExpiredReason {
		t.Fatalf("closed with %d %q", f.Code, f.Reason)
	}
	if el := time.Since(start); el < 400*time.Millisecond {
		t.Fatalf("closed after %v, before the token expired", el)
	}
	// A socket without an expiry is left alone.
	d := h.connect(t, "bob")
	d.synced()
	d.send(yproto.Update([]byte{1, 1}))
	h.waitStored(t, 1)
}

// TestAwarenessFloodIsCoalesced: a client sending cursor states far faster
// than the partners need them is relayed at AwarenessPerSec, and the
// partners still end with its latest state.
func TestAwarenessFloodIsCoalesced(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{AwarenessPerSec: 10})
	a, b := h.connect(t, "ada"), h.connect(t, "bob")
	a.synced()
	b.synced()
	state := func(clock int) []byte {
		s := yproto.AppendVarUint(nil, 1)
		s = yproto.AppendVarUint(s, 77)
		s = yproto.AppendVarUint(s, uint64(clock))
		return yproto.Awareness(append(yproto.AppendVarUint(s, uint64(len(`{"c":1}`))), `{"c":1}`...))
	}
	const sent = 200
	for i := 1; i <= sent; i++ {
		a.send(state(i))
	}
	got := 0
	for {
		m := b.next()
		if m[0] != yproto.TypeAwareness {
			continue
		}
		got++
		if bytes.Equal(m, state(sent)) {
			break
		}
	}
	if got > 25 { // a burst of 20, then about 10 a second
		t.Fatalf("%d of %d awareness messages relayed", got, sent)
	}
}

func TestConnsAndDeliveredAgesForMetrics(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		ages []time.Duration
	)
	h := newHarness(t, Options{Delivered: func(age time.Duration) {
		mu.Lock()
		ages = append(ages, age)
		mu.Unlock()
	}})
	a := h.connect(t, "ada")
	a.synced()
	b := h.connect(t, "bob")
	b.synced()
	if n := h.hub.Conns(); n != 2 {
		t.Fatalf("Conns = %d with two sockets joined", n)
	}
	a.send(yproto.Update([]byte("from-a")))
	if got := b.next(); !bytes.Equal(got, yproto.Update([]byte("from-a"))) {
		t.Fatalf("b got %v", got)
	}
	// b may have it from the local relay before the stream reader
	// delivers the entry: wait for the reader.
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(ages)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	if len(ages) == 0 || ages[0] < 0 || ages[0] > 5*time.Second {
		t.Errorf("delivered ages %v, want one small age per entry", ages)
	}
	mu.Unlock()
	_ = b.ws.Close(websocket.StatusNormalClosure, "")
	deadline = time.Now().Add(5 * time.Second)
	for h.hub.Conns() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("Conns = %d after one socket closed", h.hub.Conns())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
