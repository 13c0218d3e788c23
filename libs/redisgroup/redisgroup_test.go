package redisgroup_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/redisgroup"
	"github.com/peerprep/peerprep/libs/redistest"
)

func add(t *testing.T, rdb redis.UniversalClient, stream, v string) string {
	t.Helper()
	id, err := rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: stream, Values: []any{"v", v}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// newStream is a stream of a fresh key prefix, with group "g".
func newStream(t *testing.T) (redis.UniversalClient, redisgroup.Group, string) {
	t.Helper()
	rdb, prefix := redistest.New(t)
	g := redisgroup.New(rdb, "g")
	if err := g.Ensure(context.Background(), prefix+"s"); err != nil {
		t.Fatal(err)
	}
	return rdb, g, prefix + "s"
}

func values(msgs []redis.XMessage) []string {
	var out []string
	for _, m := range msgs {
		s, _ := m.Values["v"].(string)
		out = append(out, s)
	}
	return out
}

// An entry read by a consumer that then died is claimed by another once
// idle long enough, and not before; acknowledged, it is pending no more.
func TestClaimAfterAConsumerDiesThenAck(t *testing.T) {
	t.Parallel()
	rdb, g, stream := newStream(t)
	ctx := context.Background()
	if err := g.Ensure(ctx, stream); err != nil { // BUSYGROUP is fine
		t.Fatalf("ensure again: %v", err)
	}
	add(t, rdb, stream, "a")
	res, err := g.Read(ctx, "dead", ">", 10, -1, stream)
	if err != nil || len(res) != 1 || !slices.Equal(values(res[0].Messages), []string{"a"}) {
		t.Fatalf("read %v, %v", res, err)
	}
	if res, err := g.Read(ctx, "alive", ">", 10, 10*time.Millisecond, stream); err != nil || len(res) != 0 {
		t.Fatalf("read by another: %v, %v (want nothing)", res, err)
	}

	var got []redis.XMessage
	collect := func(m []redis.XMessage) error { got = append(got, m...); return nil }
	if err := g.Claim(ctx, stream, "alive", time.Hour, 10, 1, collect); err != nil || len(got) != 0 {
		t.Fatalf("claimed %v before idle (err %v)", got, err)
	}
	time.Sleep(60 * time.Millisecond)
	if err := g.Claim(ctx, stream, "alive", 50*time.Millisecond, 10, 1, collect); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(values(got), []string{"a"}) {
		t.Fatalf("claimed %v", values(got))
	}
	// A handler's error stops the claim and is returned.
	boom := errors.New("boom")
	if err := g.Claim(ctx, stream, "alive", 0, 10, 1, func([]redis.XMessage) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("claim error %v, want the handler's", err)
	}
	if err := g.Ack(ctx, stream, got[0].ID); err != nil {
		t.Fatal(err)
	}
	if p := rdb.XPending(ctx, stream, "g").Val(); p.Count != 0 {
		t.Fatalf("%d pending after ack", p.Count)
	}
	if n := rdb.XLen(ctx, stream).Val(); n != 1 {
		t.Fatalf("ack deleted the entry: %d left", n)
	}
	b := add(t, rdb, stream, "b")
	if _, err := g.Read(ctx, "alive", ">", 10, -1, stream); err != nil {
		t.Fatal(err)
	}
	if err := g.AckDel(ctx, stream, b); err != nil {
		t.Fatal(err)
	}
	if n := rdb.XLen(ctx, stream).Val(); n != 1 {
		t.Fatalf("AckDel left %d entries, want 1", n)
	}
}

// Prune forgets idle consumers that hold nothing, never one holding an
// entry and never the one kept.
func TestPruneForgetsOnlyIdleEmptyConsumers(t *testing.T) {
	t.Parallel()
	rdb, g, stream := newStream(t)
	ctx := context.Background()
	add(t, rdb, stream, "held")
	if _, err := g.Read(ctx, "holder", ">", 1, -1, stream); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"empty", "me"} {
		if err := rdb.XGroupCreateConsumer(ctx, stream, "g", c).Err(); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(30 * time.Millisecond)
	n, err := g.Prune(ctx, stream, "me", 20*time.Millisecond)
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want 1", n, err)
	}
	var names []string
	for _, c := range rdb.XInfoConsumers(ctx, stream, "g").Val() {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"holder", "me"}) {
		t.Fatalf("consumers left %v", names)
	}
	if _, err := g.Prune(ctx, stream+"-missing", "", 0); !errors.Is(err, redisgroup.ErrNoGroup) {
		t.Fatalf("prune of a missing stream: %v, want ErrNoGroup", err)
	}
}

type sink struct {
	mu   sync.Mutex
	got  []string
	fail error
}

func (s *sink) handle(_ context.Context, msgs []redis.XMessage, _ bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.got = append(s.got, values(msgs)...)
	return nil
}

func (s *sink) values() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

// A Worker handles what a dead consumer read and what is new, deleting
// each once handled; after Redis lost its data (FLUSHALL on a private
// server) it creates the group again and goes on.
func TestWorkerClaimsAndRecreatesTheGroupAfterAFlush(t *testing.T) {
	t.Parallel()
	srv := redistest.NewServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := redisgroup.New(rdb, "g")
	if err := g.Ensure(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	add(t, rdb, "s", "read by the dead")
	if _, err := g.Read(ctx, "dead", ">", 10, -1, "s"); err != nil {
		t.Fatal(err)
	}
	add(t, rdb, "s", "new")

	s := &sink{}
	w := &redisgroup.Worker{Group: g, Stream: "s", Consumer: "alive", Handle: s.handle, Delete: true,
		Block: 50 * time.Millisecond, ClaimIdle: 100 * time.Millisecond, ClaimEvery: 50 * time.Millisecond,
		Backoff: func(int) time.Duration { return 10 * time.Millisecond }}
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	apitest.Eventually(t, 5*time.Second, "both handled", func() bool { return len(s.values()) == 2 })
	if got := s.values(); !slices.Equal(got, []string{"new", "read by the dead"}) {
		t.Fatalf("handled %v", got)
	}
	apitest.Eventually(t, 5*time.Second, "stream emptied", func() bool { return rdb.XLen(ctx, "s").Val() == 0 })

	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	add(t, rdb, "s", "after the flush") // a writer recreates the stream, without the group
	apitest.Eventually(t, 5*time.Second, "handled after the flush", func() bool { return len(s.values()) == 3 })
	cancel()
	<-done
}

// Nothing is acknowledged while the handler fails; once it works, the
// entry is handled (claimed back from this very consumer).
func TestWorkerRetriesUntilTheHandlerWorks(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := prefix + "s"
	s := &sink{fail: errors.New("database down")}
	var failures int
	var mu sync.Mutex
	w := &redisgroup.Worker{Group: redisgroup.New(rdb, "g"), Stream: stream, Consumer: "me", Handle: s.handle,
		Block: 50 * time.Millisecond, ClaimIdle: 100 * time.Millisecond, ClaimEvery: 50 * time.Millisecond,
		Backoff: func(int) time.Duration { return 10 * time.Millisecond },
		OnError: func(error, int) { mu.Lock(); failures++; mu.Unlock() }}
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	add(t, rdb, stream, "patience")
	apitest.Eventually(t, 5*time.Second, "a failure", func() bool { mu.Lock(); defer mu.Unlock(); return failures > 0 })
	if p := rdb.XPending(ctx, stream, "g").Val(); p.Count != 1 {
		t.Fatalf("%d pending while failing, want 1", p.Count)
	}
	s.mu.Lock()
	s.fail = nil
	s.mu.Unlock()
	apitest.Eventually(t, 5*time.Second, "handled after recovery", func() bool { return len(s.values()) == 1 })
	apitest.Eventually(t, 5*time.Second, "acknowledged", func() bool { return rdb.XPending(ctx, stream, "g").Val().Count == 0 })
	if n := rdb.XLen(ctx, stream).Val(); n != 1 {
		t.Fatalf("entry deleted without Delete: %d left", n)
	}
	cancel()
	<-done
}

func TestSleepEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	redisgroup.Sleep(ctx, time.Hour)
	if time.Since(start) > time.Second {
		t.Fatal("Sleep outlived its context")
	}
}
