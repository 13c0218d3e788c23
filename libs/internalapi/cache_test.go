package internalapi

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var errNo = errors.New("no such thing")

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestCache(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Unix(1000, 0)}
	c := NewCache[string](CacheOptions{TTL: time.Second, NegativeTTL: 500 * time.Millisecond, StaleFor: time.Minute,
		IsNegative: func(err error) bool { return errors.Is(err, errNo) }, Now: clk.now})
	ctx := context.Background()
	var loads atomic.Int32
	answer, fail := "v1", error(nil)
	load := func(context.Context) (string, error) { loads.Add(1); return answer, fail }

	if v, err := c.Get(ctx, "k", load); v != "v1" || err != nil {
		t.Fatalf("first Get = %q %v", v, err)
	}
	c.Get(ctx, "k", load)
	if loads.Load() != 1 {
		t.Fatalf("a fresh entry was loaded again (%d loads)", loads.Load())
	}
	clk.add(2 * time.Second)
	answer = "v2"
	if v, _ := c.Get(ctx, "k", load); v != "v2" {
		t.Fatalf("expired entry not reloaded: %q", v)
	}
	clk.add(2 * time.Second)
	fail = errors.New("connection refused")
	if v, err := c.Get(ctx, "k", load); v != "v2" || err != nil {
		t.Fatalf("a failing source should serve the stale value: %q %v", v, err)
	}
	fail = errNo
	if _, err := c.Get(ctx, "k", load); !errors.Is(err, errNo) {
		t.Fatalf("a definite no must not be hidden by a stale value: %v", err)
	}
	n := loads.Load()
	if _, err := c.Get(ctx, "k", load); !errors.Is(err, errNo) || loads.Load() != n {
		t.Fatalf("the no was not cached: %v, %d loads", err, loads.Load()-n)
	}
	fail = errors.New("down")
	if _, err := c.Get(ctx, "new", load); err == nil {
		t.Fatal("no value and a failing source must fail")
	}
}

func TestCacheSharesConcurrentLoads(t *testing.T) {
	t.Parallel()
	c := NewCache[int](CacheOptions{TTL: time.Minute})
	var loads atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Get(context.Background(), "k", func(context.Context) (int, error) {
				loads.Add(1)
				<-release
				return 1, nil
			})
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if loads.Load() != 1 {
		t.Fatalf("%d loads for one key", loads.Load())
	}
}

func TestCacheStaysBounded(t *testing.T) {
	t.Parallel()
	c := NewCache[int](CacheOptions{TTL: time.Minute, Max: 10})
	for i := range 100 {
		c.Get(context.Background(), string(rune('a'+i)), func(context.Context) (int, error) { return i, nil })
	}
	if n := c.Len(); n > 10 {
		t.Fatalf("%d entries", n)
	}
}

func TestCacheRemembersFailures(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Unix(1000, 0)}
	c := NewCache[string](CacheOptions{TTL: time.Minute, FailureTTL: 5 * time.Second, Now: clk.now})
	var loads atomic.Int32
	fail := errors.New("down")
	load := func(context.Context) (string, error) { loads.Add(1); return "v", fail }
	for range 2 {
		if _, err := c.Get(context.Background(), "k", load); !errors.Is(err, fail) {
			t.Fatalf("got %v, want the failure", err)
		}
	}
	if loads.Load() != 1 {
		t.Fatalf("%d loads while the failure is remembered, want 1", loads.Load())
	}
	clk.add(6 * time.Second)
	fail = nil
	if v, err := c.Get(context.Background(), "k", load); v != "v" || err != nil || loads.Load() != 2 {
		t.Fatalf("after the failure TTL: %q %v (%d loads)", v, err, loads.Load())
	}
}
