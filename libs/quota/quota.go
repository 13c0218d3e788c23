// Package quota limits what one user may do across every replica of a
// service, in Redis: a token bucket for actions (Bucket), and a cap on
// things held at once, such as open sockets (Slots).
package quota

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// BucketLua defines take(key, rate, burst, cost, now): a token bucket in a
// hash {t: tokens, at: ms}, refilled at rate tokens a second up to burst.
// It takes cost tokens and returns 0, or returns the milliseconds until
// they are there and takes nothing. Scripts that also do other things in
// the same round trip start with it (collaboration's update append).
const BucketLua = `
local function take(key, rate, burst, cost, now)
  rate = rate / 1000
  cost = math.min(cost, burst)
  local b = redis.call('HMGET', key, 't', 'at')
  local tokens = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
  if tokens < cost then
    return math.ceil((cost - tokens) / rate)
  end
  redis.call('HSET', key, 't', tostring(tokens - cost), 'at', now)
  redis.call('PEXPIRE', key, math.ceil(burst / rate) + 1000)
  return 0
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`

var takeScript = redis.NewScript(BucketLua + `
return take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), now_ms())
`)

// Bucket is a token bucket per key, shared by every replica.
type Bucket struct {
	rdb    redis.UniversalClient
	prefix string
	Rate   float64 // tokens a second
	Burst  float64 // at most
}

// NewBucket returns a bucket whose keys start with prefix.
func NewBucket(rdb redis.UniversalClient, prefix string, rate, burst float64) *Bucket {
	return &Bucket{rdb: rdb, prefix: prefix, Rate: rate, Burst: burst}
}

// Take takes cost tokens from key's bucket. It returns 0 when they were
// there, or how long until they will be (and takes nothing).
func (b *Bucket) Take(ctx context.Context, key string, cost float64) (time.Duration, error) {
	ms, err := takeScript.Run(ctx, b.rdb, []string{b.prefix + key}, b.Rate, b.Burst, cost).Int64()
	if err != nil {
		return 0, fmt.Errorf("quota: take: %w", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// ErrFull is returned by Slots.Acquire when the key already holds Max.
var ErrFull = errors.New("quota: all slots are taken")

// Slots caps how many things a key holds at once (a user's sockets in one
// room), counted across replicas. Each slot is a lease in a sorted set,
// scored by when it lapses; the replica holding it renews it while it
// lives (Run), so the slots of a replica that crashed free themselves
// after TTL.
type Slots struct {
	rdb    redis.UniversalClient
	prefix string
	max    int
	ttl    time.Duration

	mu   sync.Mutex
	held map[Slot]struct{}
}

// Slot is one acquired slot; give it back with Release.
type Slot struct{ key, member string }

// NewSlots returns Slots allowing max per key, whose leases lapse after
// ttl unless renewed (Run renews them every ttl/3).
func NewSlots(rdb redis.UniversalClient, prefix string, max int, ttl time.Duration) *Slots {
	return &Slots{rdb: rdb, prefix: prefix, max: max, ttl: ttl, held: map[Slot]struct{}{}}
}

// Max is how many slots a key may hold.
func (s *Slots) Max() int { return s.max }

var acquireScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`)

// Acquire takes a slot of key, or fails with ErrFull.
func (s *Slots) Acquire(ctx context.Context, key string) (Slot, error) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	member := hex.EncodeToString(b[:])
	ok, err := acquireScript.Run(ctx, s.rdb, []string{s.prefix + key}, member, s.max, s.ttl.Milliseconds()).Int()
	if err != nil {
		return Slot{}, fmt.Errorf("quota: acquire: %w", err)
	}
	if ok == 0 {
		return Slot{}, ErrFull
	}
	sl := Slot{s.prefix + key, member}
	s.mu.Lock()
	s.held[sl] = struct{}{}
	s.mu.Unlock()
	return sl, nil
}

// Release gives a slot back. A zero Slot is ignored. When Redis cannot be
// reached the lease lapses by itself.
func (s *Slots) Release(ctx context.Context, sl Slot) error {
	if sl.key == "" {
		return nil
	}
	s.mu.Lock()
	delete(s.held, sl)
	s.mu.Unlock()
	return s.rdb.ZRem(ctx, sl.key, sl.member).Err()
}

// Free is Release for callers with nothing to do about a failure (the
// lease lapses by itself): a socket closing. It waits at most 2 s.
func (s *Slots) Free(sl Slot) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.Release(ctx, sl)
}

var renewScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + tonumber(ARGV[1]), ARGV[i + 1])
  redis.call('PEXPIRE', key, ARGV[1])
end
return 0
`)

// Renew extends the leases of every slot this process holds.
func (s *Slots) Renew(ctx context.Context) error {
	s.mu.Lock()
	keys := make([]string, 0, len(s.held))
	args := make([]any, 1, len(s.held)+1)
	args[0] = s.ttl.Milliseconds()
	for sl := range s.held {
		keys = append(keys, sl.key)
		args = append(args, sl.member)
	}
	s.mu.Unlock()
	for len(keys) > 0 { // in batches, so one script never runs long
		n := min(len(keys), 500)
		batch := append([]any{args[0]}, args[1:n+1]...)
		if err := renewScript.Run(ctx, s.rdb, keys[:n], batch...).Err(); err != nil {
			return fmt.Errorf("quota: renew: %w", err)
		}
		keys, args = keys[n:], append(args[:1], args[n+1:]...)
	}
	return nil
}

// Run renews the leases every ttl/3 until ctx is done.
func (s *Slots) Run(ctx context.Context) {
	t := time.NewTicker(s.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rctx, cancel := context.WithTimeout(ctx, s.ttl/3)
			_ = s.Renew(rctx) // a lapse frees the slot; the cap stays an upper bound
			cancel()
		}
	}
}
