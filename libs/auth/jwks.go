package auth

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"sync"
	"time"
)

// JWKSClient is a KeySource backed by user-service's JWKS. Keys are cached;
// an unknown kid triggers a refetch (key rotation), at most once per
// MinRefetch so a stream of forged kids cannot hammer user-service; cached
// keys older than TTL are refreshed in the background while still served.
type JWKSClient struct {
	fetch      func(ctx context.Context) (JWKS, error)
	now        func() time.Time
	ttl        time.Duration
	minRefetch time.Duration

	mu          sync.RWMutex
	keys        map[string]ed25519.PublicKey
	fetchedAt   time.Time
	lastAttempt time.Time
	fetching    sync.Mutex // one fetch at a time
}

// NewJWKSClient returns a client that loads keys with fetch (wired by the
// service to a discovery call to user-service). now may be nil.
func NewJWKSClient(fetch func(ctx context.Context) (JWKS, error), now func() time.Time) *JWKSClient {
	if now == nil {
		now = time.Now
	}
	return &JWKSClient{fetch: fetch, now: now, ttl: 5 * time.Minute, minRefetch: 10 * time.Second}
}

// PublicKey implements KeySource.
func (c *JWKSClient) PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	c.mu.RLock()
	k, ok := c.keys[kid]
	stale := c.now().Sub(c.fetchedAt) > c.ttl
	c.mu.RUnlock()
	if ok {
		if stale {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = c.refresh(ctx, "")
			}()
		}
		return k, nil
	}
	if err := c.refresh(ctx, kid); err != nil {
		return nil, err
	}
	c.mu.RLock()
	k, ok = c.keys[kid]
	c.mu.RUnlock()
	if !ok {
		return nil, ErrUnknownKey
	}
	return k, nil
}

// refresh refetches the set unless one was attempted within minRefetch. When
// kid is not empty and another caller's fetch already brought it, nothing is
// fetched.
func (c *JWKSClient) refresh(ctx context.Context, kid string) error {
	c.fetching.Lock()
	defer c.fetching.Unlock()
	c.mu.RLock()
	_, have := c.keys[kid]
	recent := !c.lastAttempt.IsZero() && c.now().Sub(c.lastAttempt) < c.minRefetch
	c.mu.RUnlock()
	if (kid != "" && have) || recent {
		return nil
	}
	c.mu.Lock()
	c.lastAttempt = c.now()
	c.mu.Unlock()

	set, err := c.fetch(ctx)
	if err != nil {
		return fmt.Errorf("fetch JWKS: %w", err)
	}
	keys := set.PublicKeys()
	c.mu.Lock()
	c.keys, c.fetchedAt = keys, c.now()
	c.mu.Unlock()
	return nil
}
