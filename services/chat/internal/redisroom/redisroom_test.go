package redisroom

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
)

var quiet = slog.New(slog.DiscardHandler)

func newMessage(room, user, text string) chat.Message {
	return chat.Message{RoomID: room, ClientID: uuid.NewString(), UserID: user, Username: "alice", Text: text,
		SentAt: time.Now().UTC().Truncate(time.Millisecond)}
}

// appendNew appends like chat.Service: a missing stream gets the zero floor.
func appendNew(t testing.TB, l *Log, m chat.Message) (chat.Message, bool) {
	t.Helper()
	got, dup, err := l.Append(context.Background(), m, nil)
	if errors.Is(err, chat.ErrNeedFloor) {
		got, dup, err = l.Append(context.Background(), m, &chat.ID{})
	}
	if err != nil {
		t.Fatal(err)
	}
	return got, dup
}

func TestAppend(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	keys := NewKeys(prefix)
	l := NewLog(rdb, keys, Limits{RatePerSecond: 1000, Burst: 1000})
	ctx := context.Background()
	room, user := uuid.NewString(), uuid.NewString()

	t.Run("a new room needs a floor", func(t *testing.T) {
		if _, _, err := l.Append(ctx, newMessage(room, user, "first"), nil); !errors.Is(err, chat.ErrNeedFloor) {
			t.Fatalf("err = %v", err)
		}
	})
	first, _ := appendNew(t, l, newMessage(room, user, "first"))
	t.Run("a resent client id returns the first message", func(t *testing.T) {
		again := first
		again.Text, again.SentAt = "changed", time.Now().Add(time.Hour)
		got, dup, err := l.Append(ctx, again, nil)
		if err != nil || !dup || got.ID != first.ID || got.Text != "first" || !got.SentAt.Equal(first.SentAt) {
			t.Fatalf("resend = %+v %v %v", got, dup, err)
		}
	})
	t.Run("ids increase and everything is queued for persistence once", func(t *testing.T) {
		prev := first.ID
		for i := range 5 {
			m, dup := appendNew(t, l, newMessage(room, user, fmt.Sprint(i)))
			if dup || !prev.Less(m.ID) {
				t.Fatalf("id %v after %v", m.ID, prev)
			}
			prev = m.ID
		}
		if n := rdb.XLen(ctx, keys.Persist()).Val(); n != 6 {
			t.Fatalf("persist stream holds %d", n)
		}
	})
	t.Run("recent pages backwards newest first", func(t *testing.T) {
		all, err := l.Recent(ctx, room, nil, 100)
		if err != nil || len(all) != 6 || all[5].ID != first.ID {
			t.Fatalf("Recent = %d %v", len(all), err)
		}
		older, _ := l.Recent(ctx, room, &all[1].ID, 2)
		if len(older) != 2 || older[0].ID != all[2].ID {
			t.Fatalf("Recent before %v = %+v", all[1].ID, older)
		}
		after, _ := l.After(ctx, room, all[2].ID, 10)
		if len(after) != 2 || after[0].ID != all[1].ID || after[1].ID != all[0].ID {
			t.Fatalf("After = %+v", after)
		}
		if tail, _ := l.Tail(ctx, room); tail != all[0].ID {
			t.Fatalf("Tail = %v", tail)
		}
	})
}

// A room whose stream vanished (Redis lost it) continues after the floor
// the durable store gives, even when Redis's clock is behind it.
func TestAppendAfterFloorInTheFuture(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := NewLog(rdb, NewKeys(prefix), DefaultLimits)
	floor := chat.ID{Ms: uint64(time.Now().Add(time.Hour).UnixMilli()), Seq: 7}
	room, user := uuid.NewString(), uuid.NewString()
	m, _, err := l.Append(context.Background(), newMessage(room, user, "x"), &floor)
	if err != nil || m.ID != (chat.ID{Ms: floor.Ms, Seq: 8}) {
		t.Fatalf("Append = %v %v", m.ID, err)
	}
	n, _ := appendNew(t, l, newMessage(room, user, "y"))
	if !m.ID.Less(n.ID) {
		t.Fatalf("next id %v not after %v", n.ID, m.ID)
	}
}

func TestAppendRateLimitsPerUser(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := NewLog(rdb, NewKeys(prefix), Limits{RatePerSecond: 10, Burst: 10})
	room, user, other := uuid.NewString(), uuid.NewString(), uuid.NewString()
	appendNew(t, l, newMessage(room, other, "opens the room"))
	accepted := 0
	var limited *chat.RateLimitedError
	for range 15 {
		_, _, err := l.Append(context.Background(), newMessage(room, user, "spam"), nil)
		switch {
		case err == nil:
			accepted++
		case errors.As(err, &limited):
		default:
			t.Fatal(err)
		}
	}
	if accepted < 10 || accepted > 11 || limited == nil || limited.RetryAfter <= 0 || limited.RetryAfter > 100*time.Millisecond {
		t.Fatalf("accepted %d, limited %+v", accepted, limited)
	}
	// Someone else is not limited by it, and a resend costs nothing.
	m, _ := appendNew(t, l, newMessage(room, other, "fine"))
	if _, dup, err := l.Append(context.Background(), m, nil); err != nil || !dup {
		t.Fatalf("resend while limited: %v", err)
	}
	time.Sleep(150 * time.Millisecond)
	if _, _, err := l.Append(context.Background(), newMessage(room, user, "later"), nil); err != nil {
		t.Fatalf("after waiting: %v", err)
	}
}

// fakeSink records what the persister stores; it can fail.
type fakeSink struct {
	mu    sync.Mutex
	msgs  []chat.Message
	fail  error
	calls int
}

func (f *fakeSink) Insert(_ context.Context, msgs []chat.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		return f.fail
	}
	f.msgs = append(f.msgs, msgs...)
	return nil
}

func (f *fakeSink) texts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.msgs {
		out = append(out, m.Text)
	}
	slices.Sort(out)
	return out
}

// TestPersisterClaimsWhatADeadConsumerRead: a message read by a consumer
// that died before storing it is claimed after ClaimIdle and stored; the
// persist stream ends empty.
func TestPersisterClaimsWhatADeadConsumerRead(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	keys := NewKeys(prefix)
	l := NewLog(rdb, keys, DefaultLimits)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	room, user := uuid.NewString(), uuid.NewString()
	appendNew(t, l, newMessage(room, user, "read by the dead"))
	if err := rdb.XGroupCreateMkStream(ctx, keys.Persist(), PersistGroup, "0").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: PersistGroup, Consumer: "dead", Streams: []string{keys.Persist(), ">"}}).Err(); err != nil {
		t.Fatal(err)
	}
	appendNew(t, l, newMessage(room, user, "never read"))

	sink := &fakeSink{}
	p := NewPersister(rdb, keys, "alive", sink, 200*time.Millisecond, quiet)
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	apitest.Eventually(t, 5*time.Second, "both stored", func() bool { return len(sink.texts()) == 2 })
	if got := sink.texts(); got[0] != "never read" || got[1] != "read by the dead" {
		t.Fatalf("stored %v", got)
	}
	apitest.Eventually(t, 5*time.Second, "persist stream emptied", func() bool { return rdb.XLen(ctx, keys.Persist()).Val() == 0 })
	cancel()
	<-done
}

// TestPersisterRetriesUntilTheStoreWorks: nothing is acknowledged while the
// store fails; it is all stored once it recovers.
func TestPersisterRetriesUntilTheStoreWorks(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	keys := NewKeys(prefix)
	l := NewLog(rdb, keys, DefaultLimits)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := &fakeSink{fail: errors.New("database down")}
	p := NewPersister(rdb, keys, "me", sink, time.Second, quiet)
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	room, user := uuid.NewString(), uuid.NewString()
	appendNew(t, l, newMessage(room, user, "patience"))
	apitest.Eventually(t, 5*time.Second, "a failed attempt", func() bool { sink.mu.Lock(); defer sink.mu.Unlock(); return sink.calls > 0 })
	if n := rdb.XLen(ctx, keys.Persist()).Val(); n != 1 {
		t.Fatalf("persist stream holds %d while failing", n)
	}
	sink.mu.Lock()
	sink.fail = nil
	sink.mu.Unlock()
	apitest.Eventually(t, 5*time.Second, "stored after recovery", func() bool { return len(sink.texts()) == 1 })
	cancel()
	<-done
}

// TestPersisterDropsOnlyWhatTheStoreRejects: one message the store refuses
// for its content does not hold up the others.
func TestPersisterDropsOnlyWhatTheStoreRejects(t *testing.T) {
	t.Parallel()
	sink := &rejectingSink{}
	p := NewPersister(nil, Keys{}, "me", sink, time.Second, quiet)
	msgs := []chat.Message{{Text: "ok"}, {Text: "bad"}, {Text: "fine"}}
	if err := p.insert(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
	if strings.Join(sink.stored, ",") != "ok,fine" {
		t.Fatalf("stored %v", sink.stored)
	}
}

type rejectingSink struct{ stored []string }

func (r *rejectingSink) Insert(_ context.Context, msgs []chat.Message) error {
	for _, m := range msgs {
		if m.Text == "bad" {
			return fmt.Errorf("%w: check violation", chat.ErrRejected)
		}
	}
	for _, m := range msgs {
		r.stored = append(r.stored, m.Text)
	}
	return nil
}

// events collects what a Bus delivers.
type events struct {
	mu  sync.Mutex
	evs []Event
}

func (e *events) add(ev Event) { e.mu.Lock(); e.evs = append(e.evs, ev); e.mu.Unlock() }
func (e *events) list() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.evs)
}

func startBus(t *testing.T, rdb *redis.Client, keys Keys) (*Bus, *events) {
	t.Helper()
	b := NewBus(rdb, keys, quiet)
	evs := &events{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx, evs.add); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return b, evs
}

func TestBusDeliversMessagesAndPresence(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	keys := NewKeys(prefix)
	l := NewLog(rdb, keys, DefaultLimits)
	bus, evs := startBus(t, rdb, keys)
	room, user := uuid.NewString(), uuid.NewString()
	ctx := context.Background()
	if err := bus.Subscribe(ctx, room); err != nil {
		t.Fatal(err)
	}
	m1, _ := appendNew(t, l, newMessage(room, user, "one"))
	m2, _ := appendNew(t, l, newMessage(room, user, "two"))
	pr := NewPresence(rdb, keys, "replica-1", time.Minute)
	if _, err := pr.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pr.Set(ctx, room, user, 1); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 5*time.Second, "three events", func() bool { return len(evs.list()) == 3 })
	got := evs.list()
	if got[0].Kind != EventMessage || got[0].Message.ID != m1.ID || !got[0].Prev.IsZero() || got[0].Message.Text != "one" ||
		!got[0].Message.SentAt.Equal(m1.SentAt) || got[0].Message.Username != "alice" {
		t.Fatalf("first event %+v", got[0])
	}
	if got[1].Message.ID != m2.ID || got[1].Prev != m1.ID {
		t.Fatalf("second event %+v", got[1])
	}
	if got[2].Kind != EventPresence || got[2].UserID != user || got[2].State != "joined" {
		t.Fatalf("third event %+v", got[2])
	}
	if err := bus.Unsubscribe(ctx, room); err != nil {
		t.Fatal(err)
	}
}

// TestBusResubscribesAfterRedisRestarts: when the connection breaks, the bus
// resubscribes on its own and says so, so the hub can read what it missed.
func TestBusResubscribesAfterRedisRestarts(t *testing.T) {
	t.Parallel()
	srv := redistest.NewServer(t)
	opts, _ := redis.ParseURL(srv.URL())
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	keys := NewKeys("t:")
	bus, evs := startBus(t, rdb, keys)
	room := uuid.NewString()
	if err := bus.Subscribe(context.Background(), room); err != nil {
		t.Fatal(err)
	}
	srv.Restart(t)
	apitest.Eventually(t, 5*time.Second, "resubscribed", func() bool {
		for _, ev := range evs.list() {
			if ev.Kind == EventResubscribed && ev.Room == room {
				return true
			}
		}
		return false
	})
	l := NewLog(rdb, keys, DefaultLimits)
	appendNew(t, l, newMessage(room, uuid.NewString(), "after the restart"))
	apitest.Eventually(t, 5*time.Second, "delivered after the restart", func() bool {
		evs := evs.list()
		return evs[len(evs)-1].Kind == EventMessage
	})
}

// TestPresence: joined on a user's first socket anywhere, left after the
// last; a replica that stops heartbeating stops counting, and reaping it
// announces who left.
func TestPresence(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	keys := NewKeys(prefix)
	ctx := context.Background()
	bus, evs := startBus(t, rdb, keys)
	room, alice, bob := uuid.NewString(), uuid.NewString(), uuid.NewString()
	if err := bus.Subscribe(ctx, room); err != nil {
		t.Fatal(err)
	}
	a := NewPresence(rdb, keys, "a", time.Minute)
	b := NewPresence(rdb, keys, "b", 300*time.Millisecond)
	for _, p := range []*Presence{a, b} {
		if lapsed, err := p.Heartbeat(ctx); err != nil || !lapsed {
			t.Fatalf("first heartbeat: %v %v", lapsed, err)
		}
	}
	if lapsed, _ := a.Heartbeat(ctx); lapsed {
		t.Fatal("a live replica lapsed")
	}
	present, err := a.Set(ctx, room, alice, 1)
	if err != nil || len(present) != 1 || present[0] != alice {
		t.Fatalf("Set = %v %v", present, err)
	}
	b.Set(ctx, room, alice, 2) // a second and third socket elsewhere: no event
	a.Set(ctx, room, alice, 0) // first socket closes: still present on b
	present, _ = b.Set(ctx, room, bob, 1)
	slices.Sort(present)
	want := []string{alice, bob}
	slices.Sort(want)
	if !slices.Equal(present, want) {
		t.Fatalf("present %v", present)
	}
	// b dies: its counts stop counting once its heartbeat lapses, and the
	// reaper announces both users left.
	time.Sleep(400 * time.Millisecond)
	if n, err := a.Reap(ctx); err != nil || n != 1 {
		t.Fatalf("Reap = %d %v", n, err)
	}
	apitest.Eventually(t, 5*time.Second, "four events", func() bool { return len(evs.list()) >= 4 })
	var got []string
	for _, ev := range evs.list() {
		who := "alice"
		if ev.UserID == bob {
			who = "bob"
		}
		got = append(got, who+":"+ev.State)
	}
	slices.Sort(got[2:])
	if strings.Join(got, ",") != "alice:joined,bob:joined,alice:left,bob:left" {
		t.Fatalf("events %v", got)
	}
	if n := rdb.HLen(ctx, keys.Presence(room)).Val(); n != 0 {
		t.Fatalf("%d presence fields left", n)
	}
	// b comes back: its heartbeat reports the lapse so it writes its counts again.
	if lapsed, _ := b.Heartbeat(ctx); !lapsed {
		t.Fatal("a reaped replica did not lapse")
	}
}
