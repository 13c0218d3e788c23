package chat

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/validation"
)

type fakeSessions map[string]Session

func (f fakeSessions) Session(_ context.Context, id string) (Session, error) {
	if id == "00000000-0000-0000-0000-00000000dead" {
		return Session{}, errors.New("connection refused")
	}
	s, ok := f[id]
	if !ok {
		return Session{}, ErrNotFound
	}
	return s, nil
}

type fakeDirectory map[string]string

func (f fakeDirectory) Username(_ context.Context, id string) (string, error) {
	n, ok := f[id]
	if !ok {
		return "", ErrUnknownUser
	}
	return n, nil
}

// fakeLog keeps rooms in memory; missing rooms need a floor like Redis's.
type fakeLog struct {
	rooms   map[string][]Message
	floors  []ID
	failing bool
}

func (f *fakeLog) Append(_ context.Context, m Message, floor *ID) (Message, bool, error) {
	msgs, ok := f.rooms[m.RoomID]
	if !ok && floor == nil {
		return Message{}, false, ErrNeedFloor
	}
	if floor != nil {
		f.floors = append(f.floors, *floor)
	}
	for _, old := range msgs {
		if old.ClientID == m.ClientID {
			return old, true, nil
		}
	}
	m.ID = ID{Ms: uint64(len(msgs) + 1)}
	if floor != nil && !floor.Less(m.ID) {
		m.ID = ID{Ms: floor.Ms, Seq: floor.Seq + 1}
	}
	f.rooms[m.RoomID] = append(msgs, m)
	return m, false, nil
}

func (f *fakeLog) Recent(_ context.Context, room string, before *ID, limit int) ([]Message, error) {
	if f.failing {
		return nil, errors.New("redis down")
	}
	var out []Message
	msgs := f.rooms[room]
	for i := len(msgs) - 1; i >= 0 && len(out) < limit; i-- {
		if before == nil || msgs[i].ID.Less(*before) {
			out = append(out, msgs[i])
		}
	}
	return out, nil
}

type fakeStore struct{ msgs []Message } // oldest first

func (f *fakeStore) Page(_ context.Context, room string, before *ID, limit int) ([]Message, error) {
	var out []Message
	for i := len(f.msgs) - 1; i >= 0 && len(out) < limit; i-- {
		if m := f.msgs[i]; m.RoomID == room && (before == nil || m.ID.Less(*before)) {
			out = append(out, m)
		}
	}
	return out, nil
}

func (f *fakeStore) ByClientID(_ context.Context, room, cid string) (Message, error) {
	for _, m := range f.msgs {
		if m.RoomID == room && m.ClientID == cid {
			return m, nil
		}
	}
	return Message{}, ErrNotFound
}

func (f *fakeStore) Latest(_ context.Context, room string) (ID, error) {
	var id ID
	for _, m := range f.msgs {
		if m.RoomID == room && id.Less(m.ID) {
			id = m.ID
		}
	}
	return id, nil
}

const (
	room   = "6d1f1f5e-5b8a-4f7e-9d6c-0a1b2c3d4e5f"
	ended  = "6d1f1f5e-5b8a-4f7e-9d6c-0a1b2c3d4e60"
	alice  = "a11ce000-0000-4000-8000-000000000001"
	bob    = "b0b00000-0000-4000-8000-000000000002"
	ghost  = "90570000-0000-4000-8000-000000000003"
	client = "c0000000-0000-4000-8000-000000000001"
)

func newTestService(log *fakeLog, store *fakeStore) *Service {
	return NewService(Deps{
		Sessions: fakeSessions{
			room:                                   {ID: room, UserIDs: []string{alice, bob}},
			ended:                                  {ID: ended, UserIDs: []string{alice, bob}, Ended: true},
			"00000000-0000-0000-0000-0000000000aa": {ID: "x", UserIDs: []string{ghost}},
		},
		Directory: fakeDirectory{alice: "alice", bob: "bob"},
		Log:       log, Store: store,
		Now: func() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 678901234, time.UTC) },
	})
}

func TestJoin(t *testing.T) {
	t.Parallel()
	s := newTestService(&fakeLog{rooms: map[string][]Message{}}, &fakeStore{})
	for _, tc := range []struct {
		name, room, user string
		want             error
	}{
		{"a participant joins", room, alice, nil},
		{"a stranger is not told the room exists", room, ghost, ErrNotFound},
		{"an unknown session is not found", "6d1f1f5e-5b8a-4f7e-9d6c-0a1b2c3d4eff", alice, ErrNotFound},
		{"a malformed room id is not found", "../../etc", alice, ErrNotFound},
		{"an ended session cannot be joined", ended, alice, ErrEnded},
		{"a deleted account cannot join", "00000000-0000-0000-0000-0000000000aa", ghost, ErrUnknownUser},
		{"collaboration-service down is unavailable", "00000000-0000-0000-0000-00000000dead", alice, ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := s.Join(context.Background(), tc.room, tc.user)
			if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Fatalf("Join = %v, want %v", err, tc.want)
			}
			if tc.want == nil && (p.Username != "alice" || p.RoomID != room) {
				t.Fatalf("participant %+v", p)
			}
		})
	}
}

func TestSendKeepsMillisecondsAndValidates(t *testing.T) {
	t.Parallel()
	log := &fakeLog{rooms: map[string][]Message{room: {}}}
	s := newTestService(log, &fakeStore{})
	p := Participant{RoomID: room, UserID: alice, Username: "alice"}
	m, dup, err := s.Send(context.Background(), p, "C0000000-0000-4000-8000-000000000001", "hi")
	if err != nil || dup || m.ClientID != client || m.SentAt.Nanosecond() != 678000000 {
		t.Fatalf("Send = %+v %v %v", m, dup, err)
	}
	if _, _, err := s.Send(context.Background(), p, client, ""); err == nil {
		t.Fatal("empty text accepted")
	}
	if _, _, err := s.Send(context.Background(), p, "nope", "hi"); err == nil {
		t.Fatal("bad client id accepted")
	}
}

// When the room's stream is gone, the durable store decides: a client id it
// holds is a resend, otherwise the new id must come after what it holds.
func TestSendWithoutStreamConsultsTheStore(t *testing.T) {
	t.Parallel()
	stored := Message{ID: ID{Ms: 5000, Seq: 2}, RoomID: room, ClientID: client, UserID: alice, Text: "old"}
	p := Participant{RoomID: room, UserID: alice, Username: "alice"}

	t.Run("a stored client id is a resend", func(t *testing.T) {
		t.Parallel()
		s := newTestService(&fakeLog{rooms: map[string][]Message{}}, &fakeStore{msgs: []Message{stored}})
		m, dup, err := s.Send(context.Background(), p, client, "old")
		if err != nil || !dup || m.ID != stored.ID {
			t.Fatalf("Send = %+v %v %v", m, dup, err)
		}
	})
	t.Run("a new client id is ordered after the store", func(t *testing.T) {
		t.Parallel()
		log := &fakeLog{rooms: map[string][]Message{}}
		s := newTestService(log, &fakeStore{msgs: []Message{stored}})
		m, dup, err := s.Send(context.Background(), p, "c0000000-0000-4000-8000-000000000002", "new")
		if err != nil || dup || !stored.ID.Less(m.ID) || len(log.floors) != 1 || log.floors[0] != stored.ID {
			t.Fatalf("Send = %+v %v %v floors %v", m, dup, err, log.floors)
		}
	})
}

func TestHistory(t *testing.T) {
	t.Parallel()
	mk := func(i int) Message {
		return Message{ID: ID{Ms: uint64(1000 + i)}, RoomID: room, ClientID: fmt.Sprintf("c-%d", i), Text: fmt.Sprint(i)}
	}
	// 1..8 are stored; 6..10 are still in the live log (6..8 in both).
	store := &fakeStore{}
	for i := 1; i <= 8; i++ {
		store.msgs = append(store.msgs, mk(i))
	}
	live := &fakeLog{rooms: map[string][]Message{}}
	for i := 6; i <= 10; i++ {
		live.rooms[room] = append(live.rooms[room], mk(i))
	}
	texts := func(p Page) string {
		s := ""
		for _, m := range p.Messages {
			s += m.Text + ","
		}
		return fmt.Sprint(s, p.HasMore)
	}
	s := newTestService(live, store)
	ctx := context.Background()
	before := ID{Ms: 1005}
	for _, tc := range []struct {
		name   string
		before *ID
		limit  int
		want   string
	}{
		{"the newest page merges stored and live, oldest first", nil, 4, "7,8,9,10,true"},
		{"a page of everything has no more", nil, 100, "1,2,3,4,5,6,7,8,9,10,false"},
		{"before pages backwards", &before, 3, "2,3,4,true"},
		{"the last page has no more", &before, 4, "1,2,3,4,false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := s.History(ctx, room, bob, tc.before, tc.limit)
			if err != nil || texts(p) != tc.want {
				t.Fatalf("History = %s %v, want %s", texts(p), err, tc.want)
			}
		})
	}
	t.Run("without the live log history comes from the store", func(t *testing.T) {
		t.Parallel()
		down := &fakeLog{rooms: live.rooms, failing: true}
		p, err := newTestService(down, store).History(ctx, room, bob, nil, 3)
		if err != nil || texts(p) != "6,7,8,true" {
			t.Fatalf("History = %s %v", texts(p), err)
		}
	})
	t.Run("a stranger is not found", func(t *testing.T) {
		t.Parallel()
		if _, err := s.History(ctx, room, ghost, nil, 10); !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("limits outside 1..100 are invalid", func(t *testing.T) {
		t.Parallel()
		for _, l := range []int{0, 101, -1} {
			var ve *validation.Error
			if _, err := s.History(ctx, room, bob, nil, l); !errors.As(err, &ve) {
				t.Fatalf("limit %d: %v", l, err)
			}
		}
	})
}
