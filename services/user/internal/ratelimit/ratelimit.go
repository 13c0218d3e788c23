// Package ratelimit keeps user-service's attempt budgets in Redis, so every
// replica spends the same budget: login attempts per account and per client
// address, signups per client address, and current-password checks per
// account. An attempt is reserved atomically before the costly argon2id
// hash runs, so concurrent attempts cannot all pass a check made before any
// of them is counted.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/redis/go-redis/v9"
)

// Budget is how many attempts one key may make in one fixed window.
type Budget struct {
	Limit  int
	Window time.Duration
}

// Limits are every budget the limiter enforces (docs/limits.md).
type Limits struct {
	LoginPerAccount Budget // failed logins per account (or per unknown name)
	LoginPerIP      Budget // failed logins per client address
	SignupPerIP     Budget // signups per client address
	PasswordPerUser Budget // wrong current passwords on PUT /users/me/password
}

// DefaultLimits are the production numbers.
var DefaultLimits = Limits{
	LoginPerAccount: Budget{5, 15 * time.Minute},
	LoginPerIP:      Budget{50, 15 * time.Minute},
	SignupPerIP:     Budget{10, time.Hour},
	PasswordPerUser: Budget{5, 15 * time.Minute},
}

// Limiter implements user.Limiter with Redis.
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
	l      Limits
}

// New returns a limiter whose keys start with prefix.
func New(rdb redis.UniversalClient, prefix string, l Limits) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix, l: l}
}

// budgetKey is one key and the budget it spends.
type budgetKey struct {
	key string
	b   Budget
}

// reserve spends one attempt of every key, or none: when any key's budget
// is spent it returns the longest time left among the spent windows
// (milliseconds). A window starts at its key's first attempt.
var reserve = redis.NewScript(`
local wait = 0
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('GET', key) or '0')
  if n >= tonumber(ARGV[2*i-1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then ttl = tonumber(ARGV[2*i]) end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('PEXPIRE', key, ARGV[2*i])
  end
end
return 0`)

// refund gives back one attempt of every key that still holds one.
var refund = redis.NewScript(`
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then
    redis.call('DECR', key)
  end
end
return 0`)

func (l *Limiter) reserve(ctx context.Context, keys ...budgetKey) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	names := make([]string, 0, len(keys))
	args := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		names = append(names, k.key)
		args = append(args, k.b.Limit, k.b.Window.Milliseconds())
	}
	ms, err := reserve.Run(ctx, l.rdb, names, args...).Int64()
	if err != nil {
		return 0, err
	}
	return time.Duration(ms) * time.Millisecond, nil
}

func (l *Limiter) refund(ctx context.Context, keys ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	return refund.Run(ctx, l.rdb, keys).Err()
}

// hashed keeps names and addresses typed by people out of Redis key names.
func (l *Limiter) hashed(kind, s string) string {
	sum := sha256.Sum256([]byte(s))
	return l.prefix + kind + hex.EncodeToString(sum[:16])
}

func (l *Limiter) loginKeys(account, ip string) []budgetKey {
	keys := []budgetKey{{l.hashed("login:acct:", account), l.l.LoginPerAccount}}
	if ip != "" {
		keys = append(keys, budgetKey{l.hashed("login:ip:", ip), l.l.LoginPerIP})
	}
	return keys
}

// ReserveLogin implements user.Limiter.
func (l *Limiter) ReserveLogin(ctx context.Context, account, ip string) (time.Duration, error) {
	return l.reserve(ctx, l.loginKeys(account, ip)...)
}

// LoginSucceeded implements user.Limiter: a successful login clears the
// account's failures and gives back its own attempt on the address (the
// address keeps its failures, so one good account cannot launder guesses).
func (l *Limiter) LoginSucceeded(ctx context.Context, account, ip string) error {
	keys := l.loginKeys(account, ip)
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if err := l.rdb.Del(ctx, keys[0].key).Err(); err != nil || len(keys) == 1 {
		return err
	}
	return l.refund(ctx, keys[1].key)
}

// ReserveSignup implements user.Limiter.
func (l *Limiter) ReserveSignup(ctx context.Context, ip string) (time.Duration, error) {
	return l.reserve(ctx, budgetKey{l.hashed("signup:ip:", ip), l.l.SignupPerIP})
}

func (l *Limiter) passwordKey(userID string) string { return l.prefix + "password:user:" + userID }

// ReservePasswordCheck implements user.Limiter.
func (l *Limiter) ReservePasswordCheck(ctx context.Context, userID string) (time.Duration, error) {
	return l.reserve(ctx, budgetKey{l.passwordKey(userID), l.l.PasswordPerUser})
}

// PasswordCheckSucceeded implements user.Limiter: the right current
// password gives its attempt back; wrong ones stay counted.
func (l *Limiter) PasswordCheckSucceeded(ctx context.Context, userID string) error {
	return l.refund(ctx, l.passwordKey(userID))
}
