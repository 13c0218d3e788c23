package docstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
)

// sink is an in-memory Sink that, like PostgreSQL, stores an entry once.
type sink struct {
	mu   sync.Mutex
	rows map[string]doc.Update
	fail bool
}

func (s *sink) PersistUpdates(_ context.Context, ups []doc.Update) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return fmt.Errorf("database down")
	}
	for _, u := range ups {
		if _, ok := s.rows[u.EntryID]; !ok {
			s.rows[u.EntryID] = u
		}
	}
	return nil
}

func (s *sink) data() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, u := range s.rows {
		out = append(out, string(u.Data))
	}
	slices.Sort(out)
	return out
}

func setup(t *testing.T) (*redis.Client, *Streams, string) {
	t.Helper()
	rdb, prefix := redistest.New(t)
	return rdb, NewStreams(rdb, Keys{Prefix: prefix}), uuid.NewString()
}

func appendN(t *testing.T, s *Streams, sid string, n int, tag string) []doc.StreamID {
	t.Helper()
	var ids []doc.StreamID
	for i := range n {
		a, err := s.Append(context.Background(), sid, "conn-"+tag, fmt.Sprintf("%s-%d", tag, i), []byte(fmt.Sprintf("%s%03d", tag, i)), i == 0, doc.StreamID{}, Quota{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	return ids
}

func TestAppendAndRange(t *testing.T) {
	t.Parallel()
	rdb, s, sid := setup(t)
	ctx := context.Background()
	if last, err := s.LastID(ctx, sid); err != nil || !last.IsZero() {
		t.Fatalf("empty stream: %v %v", last, err)
	}
	ids := appendN(t, s, sid, 3, "u")
	if !ids[0].Less(ids[1]) || !ids[1].Less(ids[2]) {
		t.Fatalf("ids out of order: %v", ids)
	}
	if last, _ := s.LastID(ctx, sid); last != ids[2] {
		t.Fatalf("last = %v, want %v", last, ids[2])
	}
	got, err := s.Range(ctx, sid, doc.StreamID{}, ids[1])
	if err != nil || len(got) != 2 || string(got[1].Data) != "u001" || got[1].Origin != "conn-u" || got[1].Nonce != "u-1" {
		t.Fatalf("range: %+v %v", got, err)
	}
	if got, _ := s.Range(ctx, sid, ids[0], ids[2]); len(got) != 2 || string(got[0].Data) != "u001" {
		t.Fatalf("range after the first: %+v", got)
	}
	groups, err := rdb.XInfoGroups(ctx, s.Keys().Doc(sid)).Result()
	if err != nil || len(groups) != 1 || groups[0].Name != Group {
		t.Fatalf("the stream was created without its consumer group: %+v %v", groups, err)
	}
	if score, err := rdb.ZScore(ctx, s.Keys().Registry(), sid).Result(); err != nil || score == 0 {
		t.Fatalf("not registered: %v", err)
	}
	if ttl, _ := rdb.PTTL(ctx, s.Keys().Doc(sid)).Result(); ttl <= 0 {
		t.Fatalf("the stream does not expire (%v)", ttl)
	}
	// A stream Redis lost is recreated with its group by the next append,
	// its ids above the floor even if Redis's clock is behind it.
	rdb.Del(ctx, s.Keys().Doc(sid))
	future := doc.StreamID{Ms: time.Now().Add(time.Hour).UnixMilli()}
	a, err := s.Append(ctx, sid, "conn", "n", []byte("v"), false, future, Quota{})
	id := a.ID
	if err != nil || !future.Less(id) {
		t.Fatalf("first id after a loss: %v (floor %v) %v", id, future, err)
	}
	if groups, _ := rdb.XInfoGroups(ctx, s.Keys().Doc(sid)).Result(); len(groups) != 1 {
		t.Fatal("no group after the stream was recreated")
	}
	b, err := s.Append(ctx, sid, "conn", "n2", []byte("w"), false, future, Quota{})
	next := b.ID
	if err != nil || !id.Less(next) {
		t.Fatalf("next id %v after %v: %v", next, id, err)
	}
}

func TestReaderRelaysNewEntriesInOrder(t *testing.T) {
	t.Parallel()
	rdb, s, sid := setup(t)
	before := appendN(t, s, sid, 2, "old")

	var mu sync.Mutex
	var got []string
	owners := map[any]int{}
	r := NewReader(rdb, s.Keys(), "replica-"+uuid.NewString()[:8], slog.New(slog.DiscardHandler), func(owner any, es []Entry) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range es {
			got = append(got, string(e.Data))
			owners[owner]++
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	owner := new(int)
	if err := r.Add(ctx, sid, owner, before[1]); err != nil {
		t.Fatal(err)
	}
	appendN(t, s, sid, 5, "new")
	apitest.Eventually(t, 10*time.Second, "5 entries", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 5 })
	mu.Lock()
	if fmt.Sprint(got) != "[new000 new001 new002 new003 new004]" || owners[owner] != 5 {
		t.Fatalf("got %v (owners %v)", got, owners)
	}
	mu.Unlock()

	// Another owner takes the session over; the old one's Remove is a no-op.
	next := new(int)
	last, _ := s.LastID(ctx, sid)
	if err := r.Add(ctx, sid, next, last); err != nil {
		t.Fatal(err)
	}
	r.Remove(sid, owner)
	appendN(t, s, sid, 1, "later")
	apitest.Eventually(t, 10*time.Second, "the new owner's entry", func() bool { mu.Lock(); defer mu.Unlock(); return owners[next] == 1 })

	r.Remove(sid, next)
	appendN(t, s, sid, 1, "unfollowed")
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 6 {
		t.Fatalf("entries after Remove were delivered: %v", got)
	}
}

func newPersister(rdb *redis.Client, s *Streams, consumer string, snk Sink, hosted []string) *Persister {
	return NewPersister(rdb, s.Keys(), consumer, snk, func() []string { return hosted }, slog.New(slog.DiscardHandler),
		PersisterOptions{Interval: 20 * time.Millisecond, SweepEvery: 50 * time.Millisecond, ClaimIdle: 100 * time.Millisecond})
}

func run(t *testing.T, p *Persister) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func pending(t *testing.T, rdb *redis.Client, s *Streams, sid string) int64 {
	t.Helper()
	p, err := rdb.XPending(context.Background(), s.Keys().Doc(sid), Group).Result()
	if err != nil {
		t.Fatal(err)
	}
	return p.Count
}

func TestPersisterStoresHostedSessionsOnce(t *testing.T) {
	t.Parallel()
	rdb, s, sid := setup(t)
	snk := &sink{rows: map[string]doc.Update{}}
	// Two replicas host the session: each entry is stored (once) by one.
	run(t, newPersister(rdb, s, "a", snk, []string{sid}))
	run(t, newPersister(rdb, s, "b", snk, []string{sid}))
	appendN(t, s, sid, 50, "x")
	apitest.Eventually(t, 10*time.Second, "50 stored updates", func() bool { return len(snk.data()) == 50 })
	apitest.Eventually(t, 10*time.Second, "acknowledgements", func() bool { return pending(t, rdb, s, sid) == 0 })
}

// TestPersisterTakesOverADeadReplicasEntries: a replica read entries and
// died before storing them; another claims them with XAUTOCLAIM.
func TestPersisterTakesOverADeadReplicasEntries(t *testing.T) {
	t.Parallel()
	rdb, s, sid := setup(t)
	appendN(t, s, sid, 20, "x")
	// The dead replica took them and never acknowledged.
	if _, err := rdb.XReadGroup(context.Background(), &redis.XReadGroupArgs{
		Group: Group, Consumer: "dead", Streams: []string{s.Keys().Doc(sid), ">"}, Count: 100, Block: -1,
	}).Result(); err != nil {
		t.Fatal(err)
	}
	if n := pending(t, rdb, s, sid); n != 20 {
		t.Fatalf("%d pending", n)
	}
	snk := &sink{rows: map[string]doc.Update{}}
	run(t, newPersister(rdb, s, "alive", snk, []string{sid}))
	apitest.Eventually(t, 10*time.Second, "the dead replica's entries stored", func() bool { return len(snk.data()) == 20 })
	apitest.Eventually(t, 10*time.Second, "acknowledgements", func() bool { return pending(t, rdb, s, sid) == 0 })
}

// TestPersisterStoresSessionsNobodyHosts: entries of a session whose
// sockets are all gone are found through the registry.
func TestPersisterStoresSessionsNobodyHosts(t *testing.T) {
	t.Parallel()
	rdb, s, sid := setup(t)
	appendN(t, s, sid, 10, "x")
	// Registered over two seconds ago, so the sweep treats it as abandoned.
	rdb.ZAdd(context.Background(), s.Keys().Registry(), redis.Z{Score: float64(time.Now().Add(-3 * time.Second).UnixMilli()), Member: sid})
	snk := &sink{rows: map[string]doc.Update{}}
	run(t, newPersister(rdb, s, "sweeper", snk, nil))
	apitest.Eventually(t, 10*time.Second, "orphaned entries stored", func() bool { return len(snk.data()) == 10 })
}

// TestPersisterRetriesWhenTheDatabaseFails: entries are not acknowledged
// until stored, and are claimed again.
func TestPersisterRetriesWhenTheDatabaseFails(t *testing.T) {
	t.Parallel()
	rdb, s, sid := setup(t)
	snk := &sink{rows: map[string]doc.Update{}, fail: true}
	run(t, newPersister(rdb, s, "a", snk, []string{sid}))
	appendN(t, s, sid, 5, "x")
	time.Sleep(100 * time.Millisecond)
	if n := pending(t, rdb, s, sid); n != 5 {
		t.Fatalf("%d pending while the database is down", n)
	}
	snk.mu.Lock()
	snk.fail = false
	snk.mu.Unlock()
	apitest.Eventually(t, 10*time.Second, "stored after recovery", func() bool { return len(snk.data()) == 5 })
	apitest.Eventually(t, 10*time.Second, "acknowledgements", func() bool { return pending(t, rdb, s, sid) == 0 })
}

func TestFlushStoresEverythingAndDeletesTheStream(t *testing.T) {
	t.Parallel()
	rdb, s, sid := setup(t)
	appendN(t, s, sid, 7, "x")
	// Three are held by a live replica that has not stored them yet.
	_, _ = rdb.XReadGroup(context.Background(), &redis.XReadGroupArgs{
		Group: Group, Consumer: "other", Streams: []string{s.Keys().Doc(sid), ">"}, Count: 3, Block: -1,
	}).Result()
	snk := &sink{rows: map[string]doc.Update{}}
	p := newPersister(rdb, s, "ender", snk, nil)
	if err := p.Flush(context.Background(), sid); err != nil {
		t.Fatal(err)
	}
	if got := snk.data(); len(got) != 7 {
		t.Fatalf("stored %v", got)
	}
	if n, _ := rdb.Exists(context.Background(), s.Keys().Doc(sid)).Result(); n != 0 {
		t.Fatal("the stream still exists")
	}
	if err := rdb.ZScore(context.Background(), s.Keys().Registry(), sid).Err(); err != redis.Nil {
		t.Fatalf("still registered: %v", err)
	}
	// Storing a session whose stream is gone is not an error and does not
	// bring the stream back.
	p.PersistSession(context.Background(), sid)
	if n, _ := rdb.Exists(context.Background(), s.Keys().Doc(sid)).Result(); n != 0 {
		t.Fatal("the stream was recreated")
	}
}

func TestTrimKeepsUnpersistedEntries(t *testing.T) {
	t.Parallel()
	rdb, s, sid := setup(t)
	ctx := context.Background()
	appendN(t, s, sid, 300, "x")
	snk := &sink{rows: map[string]doc.Update{}}
	p := NewPersister(rdb, s.Keys(), "a", snk, func() []string { return nil }, slog.New(slog.DiscardHandler),
		PersisterOptions{KeepFor: time.Nanosecond})
	// Store the first 250 only.
	if _, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: Group, Consumer: "a", Streams: []string{s.Keys().Doc(sid), ">"}, Count: 250, Block: -1}).Result(); err != nil {
		t.Fatal(err)
	}
	if err := p.persistNew(ctx, []string{sid}, "0"); err != nil {
		t.Fatal(err)
	}
	p.trim(ctx, []string{sid}, time.Now())
	n, _ := rdb.XLen(ctx, s.Keys().Doc(sid)).Result()
	if n >= 300 || n < 50 {
		t.Fatalf("%d entries left; want the persisted ones trimmed (approximately) and the last 50 kept", n)
	}
	rest, _ := rdb.XRange(ctx, s.Keys().Doc(sid), "-", "+").Result()
	if string(rest[len(rest)-50].Values["d"].(string)) != "x250" {
		t.Fatal("an unpersisted entry was trimmed")
	}
}

// BenchmarkAppend is the per-update cost of a socket's read loop: one
// round trip running the append script.
func BenchmarkAppend(b *testing.B) {
	rdb, prefix := redistest.New(b)
	s := NewStreams(rdb, Keys{Prefix: prefix}).WithLimits(Limits{DocBytes: 1 << 40, Rate: 1e9, Burst: 1e9})
	sid, data := uuid.NewString(), make([]byte, 20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Append(context.Background(), sid, "conn", "nonce", data, false, doc.StreamID{}, Quota{User: "u"}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestQuotasAreSharedByReplicas: two replicas (two Streams on one Redis)
// see one document size and one bucket per user.
func TestQuotasAreSharedByReplicas(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	lim := Limits{DocBytes: 1000, Rate: 10, Burst: 5}
	a := NewStreams(rdb, Keys{Prefix: prefix}).WithLimits(lim)
	b := NewStreams(rdb, Keys{Prefix: prefix}).WithLimits(lim)
	ctx := context.Background()

	t.Run("document size", func(t *testing.T) {
		sid := uuid.NewString()
		if _, err := a.Append(ctx, sid, "c1", "n1", make([]byte, 600), true, doc.StreamID{}, Quota{}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Append(ctx, sid, "c2", "n2", make([]byte, 600), false, doc.StreamID{}, Quota{}); !errors.Is(err, ErrDocTooLarge) {
			t.Fatalf("an update past the cap on the other replica: %v", err)
		}
		if n, _ := rdb.XLen(ctx, a.Keys().Doc(sid)).Result(); n != 1 {
			t.Fatalf("%d entries; the refused update was stored", n)
		}
		// A full state replaces what it covers: only its own size counts.
		full, err := b.Append(ctx, sid, "c2", "n3", make([]byte, 900), false, doc.StreamID{}, Quota{Full: true})
		if err != nil || full.Stored != 1500 {
			t.Fatalf("full state: %+v %v", full, err)
		}
		if _, err := b.Append(ctx, sid, "c2", "n4", make([]byte, 1001), false, doc.StreamID{}, Quota{Full: true}); !errors.Is(err, ErrDocTooLarge) {
			t.Fatalf("a full state over the cap: %v", err)
		}
		// Once compacted, the count is the snapshot: room again.
		if err := a.Compacted(ctx, sid, 900, full.Stored); err != nil {
			t.Fatal(err)
		}
		if got, err := a.Append(ctx, sid, "c1", "n5", make([]byte, 50), false, doc.StreamID{}, Quota{}); err != nil || got.Stored != 950 {
			t.Fatalf("after compaction: %+v %v", got, err)
		}
		if err := a.Delete(ctx, sid); err != nil {
			t.Fatal(err)
		}
		if n, _ := rdb.Exists(ctx, a.Keys().Size(sid)).Result(); n != 0 {
			t.Fatal("the size counter outlived the stream")
		}
	})

	t.Run("updates per user", func(t *testing.T) {
		sid := uuid.NewString()
		user := uuid.NewString()
		for i := range 5 {
			s := []*Streams{a, b}[i%2]
			if _, err := s.Append(ctx, sid, "c", fmt.Sprint(i), []byte("x"), i == 0, doc.StreamID{}, Quota{User: user}); err != nil {
				t.Fatalf("update %d within the burst: %v", i, err)
			}
		}
		_, err := b.Append(ctx, sid, "c", "over", []byte("x"), false, doc.StreamID{}, Quota{User: user})
		var rl *RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter <= 0 || rl.RetryAfter > 100*time.Millisecond {
			t.Fatalf("sixth update: %v", err)
		}
		if _, err := a.Append(ctx, sid, "c", "other", []byte("x"), false, doc.StreamID{}, Quota{User: uuid.NewString()}); err != nil {
			t.Fatalf("another user's update: %v", err)
		}
		time.Sleep(rl.RetryAfter)
		if _, err := a.Append(ctx, sid, "c", "later", []byte("x"), false, doc.StreamID{}, Quota{User: user}); err != nil {
			t.Fatalf("after waiting: %v", err)
		}
		// Large updates cost more: 4 KiB is 5 tokens, the whole burst.
		time.Sleep(600 * time.Millisecond)
		roomy := NewStreams(rdb, Keys{Prefix: prefix}).WithLimits(Limits{Rate: 10, Burst: 5})
		if _, err := roomy.Append(ctx, sid, "c", "big", make([]byte, 4<<10), false, doc.StreamID{}, Quota{User: user}); err != nil {
			t.Fatal(err)
		}
		if _, err := roomy.Append(ctx, sid, "c", "big2", []byte("x"), false, doc.StreamID{}, Quota{User: user}); !errors.As(err, &rl) {
			t.Fatalf("after a 4 KiB update: %v", err)
		}
		if ttl, _ := rdb.PTTL(ctx, a.Keys().Rate(user)).Result(); ttl <= 0 || ttl > 2*time.Second {
			t.Fatalf("bucket ttl %v", ttl)
		}
	})
}

// Concurrent appends share pipelines; each caller still gets its own
// answer: its entry's id, or its own refusal.
func TestConcurrentAppendsAreBatched(t *testing.T) {
	t.Parallel()
	rdb, s, _ := setup(t)
	ctx := context.Background()
	sids := []string{uuid.NewString(), uuid.NewString(), uuid.NewString()}
	full := uuid.NewString() // a session at its size limit
	s.WithLimits(Limits{DocBytes: 100, Rate: 1e9, Burst: 1e9})
	const per = 50
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got = map[string][]doc.StreamID{}
	)
	for g := range 8 {
		wg.Go(func() {
			for i := range per {
				sid := sids[(g+i)%len(sids)]
				a, err := s.Append(ctx, sid, "c", fmt.Sprintf("%d-%d", g, i), []byte("x"), i == 0, doc.StreamID{}, Quota{})
				if err != nil && !errors.Is(err, ErrDocTooLarge) {
					t.Error(err)
					return
				}
				if err == nil {
					mu.Lock()
					got[sid] = append(got[sid], a.ID)
					mu.Unlock()
				}
				if _, err := s.Append(ctx, full, "c", "big", make([]byte, 101), false, doc.StreamID{}, Quota{}); !errors.Is(err, ErrDocTooLarge) {
					t.Errorf("oversized update: %v, want ErrDocTooLarge", err)
					return
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, sid := range sids {
		ids := got[sid]
		total += len(ids)
		n, err := rdb.XLen(ctx, s.Keys().Doc(sid)).Result()
		if err != nil || int(n) != len(ids) {
			t.Errorf("session %s: %d entries in the stream (%v), %d ids answered", sid, n, err, len(ids))
		}
		seen := map[doc.StreamID]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("id %v answered twice", id)
			}
			seen[id] = true
		}
	}
	// 100 bytes per session: every session took 100 one-byte updates at most.
	if total != min(8*per, 3*100) {
		t.Errorf("%d appends accepted, want %d", total, min(8*per, 3*100))
	}
}
