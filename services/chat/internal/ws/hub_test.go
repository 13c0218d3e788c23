package ws

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/peerprep/peerprep/services/chat/internal/chat"
	"github.com/peerprep/peerprep/services/chat/internal/redisroom"
)

// fakes for the Redis side of a Hub.
type fakeBus struct{}

func (fakeBus) Subscribe(context.Context, string) error   { return nil }
func (fakeBus) Unsubscribe(context.Context, string) error { return nil }

type fakeLog struct {
	mu   sync.Mutex
	msgs []chat.Message // the room's stream
	tail chat.ID
}

func (f *fakeLog) After(_ context.Context, _ string, after chat.ID, limit int) ([]chat.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []chat.Message
	for _, m := range f.msgs {
		if after.Less(m.ID) && len(out) < limit {
			out = append(out, m)
		}
	}
	return out, nil
}

func (f *fakeLog) Tail(context.Context, string) (chat.ID, error) { return f.tail, nil }

type fakePresence struct{ present []string }

func (f *fakePresence) Set(context.Context, string, string, int) ([]string, error) {
	return f.present, nil
}
func (f *fakePresence) Heartbeat(context.Context) (bool, error) { return false, nil }
func (f *fakePresence) Reap(context.Context) (int, error)       { return 0, nil }
func (f *fakePresence) Leave(context.Context) error             { return nil }

func drain(c *Conn) []map[string]any {
	var out []map[string]any
	for _, b := range c.TakeQueued() {
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		out = append(out, m)
	}
	return out
}

func msg(ms uint64, text string) chat.Message {
	return chat.Message{ID: chat.ID{Ms: ms}, RoomID: "r", ClientID: text, UserID: "u", Text: text}
}

// TestDispatchDeliversInOrderWithoutGapsOrRepeats: a replica that missed
// published messages (pub/sub is at most once) fills the gap from the
// stream before the next one, and skips what it delivered already.
func TestDispatchDeliversInOrderWithoutGapsOrRepeats(t *testing.T) {
	t.Parallel()
	log := &fakeLog{tail: chat.ID{Ms: 1}}
	h := NewHub(Options{Bus: fakeBus{}, Log: log, Presence: &fakePresence{present: []string{"u", "partner"}}, Sender: nil})
	c, err := h.Join(context.Background(), chat.Participant{RoomID: "r", UserID: "u", Username: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if got := drain(c); len(got) != 1 || got[0]["type"] != "presence" || got[0]["user_id"] != "partner" {
		t.Fatalf("joining told %v", got)
	}
	for ms := uint64(2); ms <= 5; ms++ {
		log.msgs = append(log.msgs, msg(ms, string(rune('a'+ms))))
	}
	ev := func(m chat.Message, prev uint64) redisroom.Event {
		return redisroom.Event{Kind: redisroom.EventMessage, Room: "r", Message: m, Prev: chat.ID{Ms: prev}}
	}
	h.Dispatch(ev(log.msgs[0], 1)) // 2, no gap
	h.Dispatch(ev(log.msgs[3], 4)) // 5 arrives; 3 and 4 were missed
	h.Dispatch(ev(log.msgs[1], 2)) // 3 arrives late: delivered already
	h.Dispatch(redisroom.Event{Kind: redisroom.EventPresence, Room: "r", UserID: "partner", State: "left"})
	h.Dispatch(redisroom.Event{Kind: redisroom.EventMessage, Room: "elsewhere", Message: msg(9, "x")})
	var ids []string
	for _, f := range drain(c) {
		if f["type"] == "message" {
			ids = append(ids, f["id"].(string))
		} else {
			ids = append(ids, f["type"].(string)+":"+f["state"].(string))
		}
	}
	want := "[2-0 3-0 4-0 5-0 presence:left]"
	if got := func() string { b, _ := json.Marshal(ids); return string(b) }(); got != `["2-0","3-0","4-0","5-0","presence:left"]` {
		t.Fatalf("delivered %s, want %s", got, want)
	}

	// After a reconnection the bus resubscribes: what was published
	// meanwhile is read from the stream.
	log.msgs = append(log.msgs, msg(6, "g"), msg(7, "h"))
	h.Dispatch(redisroom.Event{Kind: redisroom.EventResubscribed, Room: "r"})
	if got := drain(c); len(got) != 2 || got[0]["id"] != "6-0" || got[1]["id"] != "7-0" {
		t.Fatalf("catch-up delivered %v", got)
	}
}

// TestSlowConsumerIsDropped: a socket whose queue is full is closed rather
// than holding up its room.
func TestSlowConsumerIsDropped(t *testing.T) {
	t.Parallel()
	log := &fakeLog{}
	h := NewHub(Options{Bus: fakeBus{}, Log: log, Presence: &fakePresence{}, QueueSize: 3})
	slow, _ := h.Join(context.Background(), chat.Participant{RoomID: "r", UserID: "u"})
	fast, _ := h.Join(context.Background(), chat.Participant{RoomID: "r", UserID: "v"})
	var prev uint64
	for ms := uint64(1); ms <= 5; ms++ {
		h.Dispatch(redisroom.Event{Kind: redisroom.EventMessage, Room: "r", Message: msg(ms, "m"), Prev: chat.ID{Ms: prev}})
		prev = ms
		drain(fast)
	}
	select {
	case <-slow.Done():
	default:
		t.Fatal("slow socket still open")
	}
	select {
	case <-fast.Done():
		t.Fatal("fast socket closed")
	default:
	}
}
