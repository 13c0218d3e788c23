// Package ttlcache is a small in-process cache of lookups from other
// services: entries expire, concurrent misses for one key share one load,
// and the size is bounded. It holds copies of other services' answers,
// never state another replica needs.
package ttlcache

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache maps string keys to values of type V.
type Cache[V any] struct {
	ttl, negTTL, staleFor time.Duration
	max                   int
	now                   func() time.Time
	isNegative            func(error) bool

	mu      sync.Mutex
	entries map[string]entry[V]
	group   singleflight.Group
}

type entry[V any] struct {
	val     V
	err     error // a negative answer (e.g. not found), cached for negTTL
	expires time.Time
	stale   time.Time // served past expiry while the source fails, until then
}

// Options configure a Cache.
type Options struct {
	TTL time.Duration // how long an answer is fresh
	// NegativeTTL is how long an error for which IsNegative is true (a
	// definite "no", such as 404) is cached; 0 caches none.
	NegativeTTL time.Duration
	IsNegative  func(error) bool
	// StaleFor lets a value be served this long past expiry when reloading
	// it fails (the source is down); 0 never serves stale values.
	StaleFor time.Duration
	Max      int // entries kept, default 10000
	Now      func() time.Time
}

// New returns a Cache.
func New[V any](o Options) *Cache[V] {
	if o.Max <= 0 {
		o.Max = 10000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.IsNegative == nil {
		o.IsNegative = func(error) bool { return false }
	}
	return &Cache[V]{ttl: o.TTL, negTTL: o.NegativeTTL, staleFor: o.StaleFor, max: o.Max, now: o.Now,
		isNegative: o.IsNegative, entries: map[string]entry[V]{}}
}

// Get returns the cached value of key or loads it. load runs without the
// caller's cancellation (other callers may share it), bounded by timeout.
func (c *Cache[V]) Get(ctx context.Context, key string, timeout time.Duration, load func(ctx context.Context) (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	now := c.now()
	if ok && now.Before(e.expires) {
		return e.val, e.err
	}
	ch := c.group.DoChan(key, func() (any, error) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		v, err := load(lctx)
		c.store(key, v, err)
		return v, err
	})
	select {
	case r := <-ch:
		if r.Err != nil && !c.isNegative(r.Err) && ok && e.err == nil && now.Before(e.stale) {
			return e.val, nil // the source is failing: the last answer is better than none
		}
		v, _ := r.Val.(V)
		return v, r.Err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

func (c *Cache[V]) store(key string, v V, err error) {
	now := c.now()
	var e entry[V]
	switch {
	case err == nil:
		e = entry[V]{val: v, expires: now.Add(c.ttl), stale: now.Add(c.ttl + c.staleFor)}
	case c.isNegative(err) && c.negTTL > 0:
		e = entry[V]{err: err, expires: now.Add(c.negTTL)}
	default:
		return // a failure is not an answer; the old entry may still serve stale
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k, old := range c.entries {
			if now.After(old.stale) && now.After(old.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries { // still full: drop arbitrary entries
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = e
}
