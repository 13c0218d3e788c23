package redisgroup_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/redisgroup"
	"github.com/peerprep/peerprep/libs/redistest"
)

func start(w *redisgroup.Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

// With Streams, a Worker reads every stream listed (creating a missing one
// with its group and TTL), acknowledges without deleting, runs its tasks
// and, with DrainOnStop, handles at shutdown what is still new.
func TestWorkerOverManyStreams(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	ctx := context.Background()
	a, b := prefix+"a", prefix+"b"
	var mu sync.Mutex
	got := map[string][]string{}
	var listed atomic.Value
	listed.Store([]string{a, b})
	var swept atomic.Int32
	w := &redisgroup.Worker{Group: redisgroup.New(rdb, "g"), Consumer: "me",
		Streams: func() []string { return listed.Load().([]string) }, StreamTTL: time.Hour, DrainOnStop: true,
		Poll: 10 * time.Millisecond, ClaimIdle: time.Hour,
		HandleStreams: func(_ context.Context, batch []redis.XStream, _ bool) error {
			mu.Lock()
			defer mu.Unlock()
			for _, s := range batch {
				got[s.Stream] = append(got[s.Stream], values(s.Messages)...)
			}
			return nil
		},
		Tasks: []redisgroup.Task{{Every: 10 * time.Millisecond, Do: func(context.Context) { swept.Add(1) }}}}
	stop := start(w)
	apitest.Eventually(t, 5*time.Second, "groups created", func() bool {
		return rdb.Exists(ctx, a, b).Val() == 2
	})
	if ttl := rdb.TTL(ctx, a).Val(); ttl <= 0 || ttl > time.Hour {
		t.Fatalf("TTL of a created stream %v, want an hour", ttl)
	}
	add(t, rdb, a, "a1")
	add(t, rdb, b, "b1")
	add(t, rdb, a, "a2")
	seen := func(s string, n int) func() bool {
		return func() bool { mu.Lock(); defer mu.Unlock(); return len(got[s]) == n }
	}
	apitest.Eventually(t, 5*time.Second, "both streams read", func() bool { return seen(a, 2)() && seen(b, 1)() })
	apitest.Eventually(t, 5*time.Second, "the task ran", func() bool { return swept.Load() > 1 })
	if p := rdb.XPending(ctx, a, "g").Val(); p.Count != 0 || rdb.XLen(ctx, a).Val() != 2 {
		t.Fatalf("%d pending, %d entries; want acknowledged and kept", p.Count, rdb.XLen(ctx, a).Val())
	}
	// A stream no longer listed is not read.
	listed.Store([]string{b})
	time.Sleep(50 * time.Millisecond)
	add(t, rdb, a, "a3")
	time.Sleep(50 * time.Millisecond)
	if !seen(a, 2)() {
		t.Fatal("read a stream no longer listed")
	}
	stop()
}

// With DrainOnStop, what is new when Run ends is handled before it returns.
func TestWorkerDrainsOnStop(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	ctx := context.Background()
	s := prefix + "s"
	k := &sink{}
	w := &redisgroup.Worker{Group: redisgroup.New(rdb, "g"), Consumer: "me", DrainOnStop: true,
		Streams: func() []string { return []string{s} }, Poll: time.Hour, ClaimIdle: time.Hour,
		HandleStreams: func(ctx context.Context, b []redis.XStream, claimed bool) error {
			return k.handle(ctx, b[0].Messages, claimed)
		}}
	stop := start(w)
	apitest.Eventually(t, 5*time.Second, "the group created", func() bool { return rdb.Exists(ctx, s).Val() == 1 })
	add(t, rdb, s, "late")
	stop()
	if got := k.values(); !slices.Equal(got, []string{"late"}) {
		t.Fatalf("handled %v at shutdown", got)
	}
}

// Drain handles, without creating them, what is new on the streams given;
// Claim with idle 0 takes over what another consumer holds.
func TestWorkerDrainAndClaimNow(t *testing.T) {
	t.Parallel()
	rdb, g, s := newStream(t)
	ctx := context.Background()
	add(t, rdb, s, "held")
	if _, err := g.Read(ctx, "other", ">", 10, -1, s); err != nil {
		t.Fatal(err)
	}
	add(t, rdb, s, "new")
	k := &sink{}
	w := &redisgroup.Worker{Group: g, Consumer: "me", Streams: func() []string { return nil },
		HandleStreams: func(ctx context.Context, b []redis.XStream, claimed bool) error {
			for _, st := range b {
				if err := k.handle(ctx, st.Messages, claimed); err != nil {
					return err
				}
			}
			return nil
		}}
	if err := w.Drain(ctx, ">", s, s+"-missing"); err != nil {
		t.Fatal(err)
	}
	if rdb.Exists(ctx, s+"-missing").Val() != 0 {
		t.Fatal("Drain created a stream")
	}
	if err := w.Claim(ctx, 0, s); err != nil {
		t.Fatal(err)
	}
	if got := k.values(); !slices.Equal(got, []string{"new", "held"}) {
		t.Fatalf("handled %v", got)
	}
	if p := rdb.XPending(ctx, s, "g").Val(); p.Count != 0 {
		t.Fatalf("%d pending", p.Count)
	}
}

// With HandleOne, entries run at once up to Concurrency; a running entry
// is touched, so no one claims it; an entry that fails is claimed again;
// at shutdown the running ones are stopped and released, and another
// consumer takes them over at once.
func TestWorkerHandleOne(t *testing.T) {
	t.Parallel()
	rdb, g, s := newStream(t)
	ctx := context.Background()
	var running, most atomic.Int32
	var mu sync.Mutex
	done := map[string]int{}
	var failOnce sync.Once
	first := &redisgroup.Worker{Group: g, Stream: s, Consumer: "first", Delete: true, Concurrency: 2,
		Heartbeat: 20 * time.Millisecond, Block: 20 * time.Millisecond, ClaimIdle: 150 * time.Millisecond, ClaimEvery: 20 * time.Millisecond,
		HandleOne: func(ctx context.Context, m redis.XMessage, _ bool) error {
			n := running.Add(1)
			defer running.Add(-1)
			for o := most.Load(); n > o && !most.CompareAndSwap(o, n); o = most.Load() {
			}
			v := redisgroup.Fields(m)["v"]
			if v == "flaky" {
				var fail bool
				failOnce.Do(func() { fail = true })
				if fail {
					return errors.New("not this time")
				}
			}
			if v == "forever" {
				<-ctx.Done()
				return ctx.Err()
			}
			time.Sleep(300 * time.Millisecond) // longer than ClaimIdle: the heartbeat keeps it
			mu.Lock()
			done[v]++
			mu.Unlock()
			return nil
		}}
	stopFirst := start(first)
	for _, v := range []string{"slow1", "slow2", "flaky", "forever"} {
		add(t, rdb, s, v)
	}
	var stolen []string
	apitest.Eventually(t, 5*time.Second, "three settled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return done["slow1"] == 1 && done["slow2"] == 1 && done["flaky"] == 1
	})
	if err := g.Claim(ctx, s, "rival", 150*time.Millisecond, 10, 1, func(m []redis.XMessage) error {
		stolen = append(stolen, values(m)...)
		return nil
	}); err != nil || len(stolen) != 0 {
		// Each ran longer than ClaimIdle: touched, none looks idle.
		t.Fatalf("a rival claimed %v (%v) from a live consumer", stolen, err)
	}
	if m := most.Load(); m != 2 {
		t.Fatalf("%d ran at once, want Concurrency (2)", m)
	}
	if n := rdb.XLen(ctx, s).Val(); n != 1 {
		t.Fatalf("%d entries left, want the one running", n)
	}
	stopFirst()
	// Released: claimable at once despite a long ClaimIdle.
	var taken []string
	if err := g.Claim(ctx, s, "second", time.Hour, 10, 1, func(m []redis.XMessage) error { taken = values(m); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(taken, []string{"forever"}) {
		t.Fatalf("claimed %v after the shutdown, want the released entry", taken)
	}
}

// A Worker on a stream that does not exist yet creates it with its group,
// however often it claims.
func TestWorkerCreatesItsGroup(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	k := &sink{}
	stop := start(&redisgroup.Worker{Group: redisgroup.New(rdb, "g"), Stream: prefix + "s", Consumer: "me", Handle: k.handle,
		Block: 10 * time.Millisecond, ClaimEvery: time.Nanosecond, Backoff: func(int) time.Duration { return time.Millisecond }})
	defer stop()
	apitest.Eventually(t, 5*time.Second, "the group created", func() bool {
		return len(rdb.XInfoGroups(context.Background(), prefix+"s").Val()) == 1
	})
	add(t, rdb, prefix+"s", "first")
	apitest.Eventually(t, 5*time.Second, "the entry handled", func() bool { return len(k.values()) == 1 })
}
