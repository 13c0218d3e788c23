package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
	"github.com/peerprep/peerprep/services/chat/internal/postgres/migrations"
)

func newStore(t testing.TB) *Store {
	t.Helper()
	return New(pgtest.New(t, migrations.FS))
}

func message(room string, ms uint64, text string) chat.Message {
	return chat.Message{ID: chat.ID{Ms: ms, Seq: 0}, RoomID: room, ClientID: uuid.NewString(), UserID: uuid.NewString(),
		Username: "alice", Text: text, SentAt: time.UnixMilli(int64(ms)).UTC()}
}

func TestInsertIsIdempotent(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	room := uuid.NewString()
	m := message(room, 1000, "hello")
	if err := s.Insert(ctx, []chat.Message{m}); err != nil {
		t.Fatal(err)
	}
	sameID := m
	sameID.ClientID = uuid.NewString()
	sameClient := message(room, 2000, "hello again")
	sameClient.ClientID = m.ClientID
	// A batch repeating both keys, next to a new message, stores only the new one.
	other := message(room, 3000, "new")
	if err := s.Insert(ctx, []chat.Message{m, sameID, sameClient, other}); err != nil {
		t.Fatal(err)
	}
	page, err := s.Page(ctx, room, nil, 10)
	if err != nil || len(page) != 2 || page[0].Text != "new" || page[1].Text != "hello" {
		t.Fatalf("page %+v %v", page, err)
	}
	got, err := s.ByClientID(ctx, room, m.ClientID)
	if err != nil || got.ID != m.ID || !got.SentAt.Equal(m.SentAt) || got.Username != "alice" {
		t.Fatalf("ByClientID = %+v %v", got, err)
	}
	if _, err := s.ByClientID(ctx, room, uuid.NewString()); !errors.Is(err, chat.ErrNotFound) {
		t.Fatalf("unknown client id: %v", err)
	}
}

func TestInsertRejectsWhatCannotBeStored(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	bad := message(uuid.NewString(), 1, "")
	if err := s.Insert(context.Background(), []chat.Message{bad}); !errors.Is(err, chat.ErrRejected) {
		t.Fatalf("empty text: %v", err)
	}
}

func TestPageAndLatest(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	room, other := uuid.NewString(), uuid.NewString()
	if id, err := s.Latest(ctx, room); err != nil || !id.IsZero() {
		t.Fatalf("Latest of an empty room = %v %v", id, err)
	}
	var msgs []chat.Message
	for i := 1; i <= 5; i++ {
		m := message(room, 1000, fmt.Sprint(i))
		m.ID.Seq = uint64(i) // same millisecond: the sequence orders them
		msgs = append(msgs, m)
	}
	msgs = append(msgs, message(other, 9999, "elsewhere"))
	if err := s.Insert(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	texts := func(ms []chat.Message) (out string) {
		for _, m := range ms {
			out += m.Text
		}
		return out
	}
	before := chat.ID{Ms: 1000, Seq: 4}
	huge := chat.ID{Ms: ^uint64(0), Seq: ^uint64(0)}
	for _, tc := range []struct {
		name   string
		before *chat.ID
		limit  int
		want   string
	}{
		{"newest first", nil, 10, "54321"},
		{"limited", nil, 2, "54"},
		{"before is exclusive", &before, 10, "321"},
		{"an id beyond int64 means everything", &huge, 10, "54321"},
		{"before the first is empty", &chat.ID{Ms: 1000, Seq: 1}, 10, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.Page(ctx, room, tc.before, tc.limit)
			if err != nil || texts(got) != tc.want {
				t.Fatalf("Page = %q %v, want %q", texts(got), err, tc.want)
			}
		})
	}
	if id, err := s.Latest(ctx, room); err != nil || id != (chat.ID{Ms: 1000, Seq: 5}) {
		t.Fatalf("Latest = %v %v", id, err)
	}
}

// BenchmarkHistoryPage reads a page of 50 from a room of 10,000 messages
// (in a table of 200,000 across rooms), at random places in the room.
func BenchmarkHistoryPage(b *testing.B) {
	s := newStore(b)
	ctx := context.Background()
	room := uuid.NewString()
	const n = 10000
	batch := make([]chat.Message, 0, 1000)
	flush := func() {
		if err := s.Insert(ctx, batch); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	base := uint64(1_700_000_000_000)
	for i := range n {
		batch = append(batch, message(room, base+uint64(i), fmt.Sprintf("message number %d with some text", i)))
		if len(batch) == cap(batch) {
			flush()
		}
	}
	for r := range 19 { // other rooms
		other := uuid.NewString()
		for i := range n {
			batch = append(batch, message(other, base+uint64(i*20+r), "noise"))
			if len(batch) == cap(batch) {
				flush()
			}
		}
	}
	flush()
	if _, err := s.db.Exec(ctx, "ANALYZE messages"); err != nil {
		b.Fatal(err)
	}
	b.Run("newest", func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			t0 := time.Now()
			if page, err := s.Page(ctx, room, nil, 50); err != nil || len(page) != 50 {
				b.Fatal(len(page), err)
			}
			lat = append(lat, time.Since(t0))
		}
		reportP99(b, lat)
	})
	b.Run("before", func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			before := chat.ID{Ms: base + 50 + uint64(rand.IntN(n-50))}
			t0 := time.Now()
			if page, err := s.Page(ctx, room, &before, 50); err != nil || len(page) != 50 {
				b.Fatal(len(page), err)
			}
			lat = append(lat, time.Since(t0))
		}
		reportP99(b, lat)
	})
}

// reportP99 adds the 99th percentile of lat to the benchmark's output.
func reportP99(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
