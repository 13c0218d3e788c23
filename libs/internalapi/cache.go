package internalapi

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/singleflight"
)

// Cache keeps other services' answers in process for a while: entries
// expire, concurrent misses of one key share one load, and the least
// recently used entries are evicted beyond Max. It holds copies of other
// services' answers, never state another replica needs.
type Cache[V any] struct {
	o       CacheOptions
	entries *expirable.LRU[string, entry[V]]
	group   singleflight.Group
	mu      sync.Mutex // orders stores, so a slow load cannot undo a newer one's failure mark
}

type entry[V any] struct {
	val     V
	hasVal  bool
	err     error // a negative answer (e.g. not found), cached for NegativeTTL
	expires time.Time
	stale   time.Time // a value is served past expiry while the source fails, until then

	failed    error     // the last load failed ...
	failUntil time.Time // ... and is not retried before then
}

// CacheOptions configure a Cache.
type CacheOptions struct {
	TTL time.Duration // how long an answer is fresh
	// NegativeTTL is how long an error for which IsNegative is true (a
	// definite "no", such as ErrNotFound) is cached; 0 caches none.
	NegativeTTL time.Duration
	IsNegative  func(error) bool
	// StaleFor lets a value be served this long past expiry when reloading
	// it fails (the source is down); 0 never serves stale values.
	StaleFor time.Duration
	// FailureTTL is how long a failed load is not retried: Get answers the
	// failure at once meanwhile. 0 retries on the next Get.
	FailureTTL time.Duration
	Max        int           // entries kept, default 10000
	Timeout    time.Duration // bound on one load, default 3s
	Now        func() time.Time
}

// NewCache returns a Cache.
func NewCache[V any](o CacheOptions) *Cache[V] {
	if o.Max <= 0 {
		o.Max = 10000
	}
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.IsNegative == nil {
		o.IsNegative = func(error) bool { return false }
	}
	// Expiry follows o.Now (tests move it); the LRU's own wall-clock TTL
	// only frees memory of entries long past any use.
	keep := max(o.TTL+o.StaleFor, o.NegativeTTL, o.FailureTTL) + time.Minute
	return &Cache[V]{o: o, entries: expirable.NewLRU[string, entry[V]](o.Max, nil, keep)}
}

// Len is the number of entries held.
func (c *Cache[V]) Len() int { return c.entries.Len() }

// Get returns the cached value of key or loads it. load runs without the
// caller's cancellation (other callers may share it, and its answer is
// kept), bounded by Timeout; the caller waits only as long as ctx allows.
func (c *Cache[V]) Get(ctx context.Context, key string, load func(ctx context.Context) (V, error)) (V, error) {
	if v, ok, err := c.Cached(key); ok {
		return v, err
	}
	return c.Reload(ctx, key, load)
}

// Reload is Get without the cached answer: it loads key even when the
// entry is fresh, and still serves a stale value when the load fails.
func (c *Cache[V]) Reload(ctx context.Context, key string, load func(ctx context.Context) (V, error)) (V, error) {
	e, ok := c.entries.Peek(key)
	now := c.o.Now()
	ch := c.group.DoChan(key, func() (any, error) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.o.Timeout)
		defer cancel()
		v, err := load(lctx)
		c.store(key, v, err)
		return v, err
	})
	select {
	case r := <-ch:
		if r.Err != nil && !c.o.IsNegative(r.Err) && ok && e.hasVal && now.Before(e.stale) {
			return e.val, nil // the source is failing: the last answer is better than none
		}
		v, _ := r.Val.(V)
		return v, r.Err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// Cached answers from the cache alone: ok is false when Get would load.
func (c *Cache[V]) Cached(key string) (v V, ok bool, err error) {
	e, ok := c.entries.Get(key)
	now := c.o.Now()
	switch {
	case ok && e.failed != nil && now.Before(e.failUntil):
		if e.hasVal && now.Before(e.stale) {
			return e.val, true, nil
		}
		return v, true, e.failed
	case ok && e.failed == nil && now.Before(e.expires):
		return e.val, true, e.err
	}
	return v, false, nil
}

func (c *Cache[V]) store(key string, v V, err error) {
	now := c.o.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	var e entry[V]
	switch {
	case err == nil:
		e = entry[V]{val: v, hasVal: true, expires: now.Add(c.o.TTL), stale: now.Add(c.o.TTL + c.o.StaleFor)}
	case c.o.IsNegative(err) && c.o.NegativeTTL > 0:
		e = entry[V]{err: err, expires: now.Add(c.o.NegativeTTL)}
	case c.o.FailureTTL > 0:
		// A failure is not an answer: an old value may still serve stale.
		old, _ := c.entries.Peek(key)
		e = entry[V]{val: old.val, hasVal: old.hasVal, stale: old.stale, failed: err, failUntil: now.Add(c.o.FailureTTL)}
	default:
		return
	}
	c.entries.Add(key, e)
}
