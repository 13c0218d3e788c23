package redisroom

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/services/chat/internal/chat"
)

// EventKind tells what an Event carries.
type EventKind int

// Kinds of events.
const (
	// EventMessage: a message was appended; Prev is the id before it in the
	// room's stream (zero when unknown).
	EventMessage EventKind = iota + 1
	// EventPresence: a user's presence changed.
	EventPresence
	// EventResubscribed: the subscription was re-established after a
	// connection loss; messages published meanwhile were missed.
	EventResubscribed
)

// Event is something published to a room.
type Event struct {
	Kind    EventKind
	Room    string
	Message chat.Message
	Prev    chat.ID
	UserID  string // presence
	State   string // presence: "joined" or "left"
}

// wire is the JSON the scripts publish.
type wire struct {
	K string `json:"k"`
	P string `json:"p"`
	I string `json:"i"`
	C string `json:"c"`
	U string `json:"u"`
	N string `json:"n"`
	T string `json:"t"`
	S string `json:"s"`
}

// Bus subscribes this replica to the rooms it has sockets in.
type Bus struct {
	rdb  *redis.Client
	keys Keys
	log  *slog.Logger
	ps   *redis.PubSub

	mu      sync.Mutex
	waiters map[string][]chan struct{} // channel → subscribers awaiting confirmation
}

// NewBus returns a Bus; Run must be running for Subscribe to return.
func NewBus(rdb *redis.Client, keys Keys, log *slog.Logger) *Bus {
	return &Bus{rdb: rdb, keys: keys, log: log, ps: rdb.Subscribe(context.Background()), waiters: map[string][]chan struct{}{}}
}

// Run delivers every event of the subscribed rooms to handle, one at a
// time and in the order published, until ctx ends. go-redis pings the
// connection and, when it breaks, reconnects and resubscribes; handle then
// sees EventResubscribed for each room.
func (b *Bus) Run(ctx context.Context, handle func(Event)) {
	ch := b.ps.ChannelWithSubscriptions(redis.WithChannelSize(4096))
	defer b.ps.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case msg, ok := <-ch:
			if !ok {
				return
			}
			switch m := msg.(type) {
			case *redis.Subscription:
				if m.Kind != "subscribe" {
					continue
				}
				if !b.confirm(m.Channel) {
					if room := b.keys.roomOfChannel(m.Channel); room != "" {
						handle(Event{Kind: EventResubscribed, Room: room})
					}
				}
			case *redis.Message:
				ev, err := b.decode(m)
				if err != nil {
					b.log.Error("undecodable chat event", "channel", m.Channel, "error", err.Error())
					continue
				}
				handle(ev)
			}
		}
	}
}

// confirm wakes the subscribers waiting for channel and reports whether
// there were any.
func (b *Bus) confirm(channel string) bool {
	b.mu.Lock()
	ws := b.waiters[channel]
	delete(b.waiters, channel)
	b.mu.Unlock()
	for _, w := range ws {
		close(w)
	}
	return len(ws) > 0
}

func (b *Bus) decode(m *redis.Message) (Event, error) {
	room := b.keys.roomOfChannel(m.Channel)
	if room == "" {
		return Event{}, errors.New("not a room channel")
	}
	var w wire
	if err := json.Unmarshal([]byte(m.Payload), &w); err != nil {
		return Event{}, err
	}
	switch w.K {
	case "m":
		id, err := chat.ParseID(w.I)
		if err != nil {
			return Event{}, err
		}
		var prev chat.ID
		if w.P != "" {
			if prev, err = chat.ParseID(w.P); err != nil {
				return Event{}, err
			}
		}
		sent, _ := time.Parse(time.RFC3339Nano, w.S)
		return Event{Kind: EventMessage, Room: room, Prev: prev, Message: chat.Message{
			ID: id, RoomID: room, ClientID: w.C, UserID: w.U, Username: w.N, Text: w.T, SentAt: sent.UTC(),
		}}, nil
	case "p":
		return Event{Kind: EventPresence, Room: room, UserID: w.U, State: w.S}, nil
	}
	return Event{}, errors.New("unknown event kind " + w.K)
}

// Subscribe subscribes to room and waits until Redis confirms, so every
// message published afterwards reaches this replica.
func (b *Bus) Subscribe(ctx context.Context, room string) error {
	ch := b.keys.Channel(room)
	w := make(chan struct{})
	b.mu.Lock()
	b.waiters[ch] = append(b.waiters[ch], w)
	b.mu.Unlock()
	if err := b.ps.Subscribe(ctx, ch); err != nil {
		b.dropWaiter(ch, w)
		return err
	}
	select {
	case <-w:
		return nil
	case <-ctx.Done():
		b.dropWaiter(ch, w)
		return ctx.Err()
	}
}

func (b *Bus) dropWaiter(ch string, w chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ws := b.waiters[ch]
	for i, x := range ws {
		if x == w {
			b.waiters[ch] = append(ws[:i:i], ws[i+1:]...)
			break
		}
	}
	if len(b.waiters[ch]) == 0 {
		delete(b.waiters, ch)
	}
}

// Unsubscribe stops receiving room's events.
func (b *Bus) Unsubscribe(ctx context.Context, room string) error {
	return b.ps.Unsubscribe(ctx, b.keys.Channel(room))
}
