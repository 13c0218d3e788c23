// Package ratelimit counts failed logins in Redis so every user-service
// replica sees the same counts: about 5 failures per account and 50 per
// client address in a 15-minute window, then 429 until the window ends.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limits of the login limiter.
type Limits struct {
	PerAccount int
	PerIP      int
	Window     time.Duration
}

// DefaultLimits are the numbers.
var DefaultLimits = Limits{PerAccount: 5, PerIP: 50, Window: 15 * time.Minute}

// Login implements user.Limiter with Redis.
type Login struct {
	rdb    redis.UniversalClient
	prefix string
	l      Limits
}

// NewLogin returns a limiter whose keys start with prefix.
func NewLogin(rdb redis.UniversalClient, prefix string, l Limits) *Login {
	return &Login{rdb: rdb, prefix: prefix, l: l}
}

// Keys hold a hash of the account name, not the name itself.
func (l *Login) accountKey(account string) string {
	sum := sha256.Sum256([]byte(account))
	return l.prefix + "login:fail:acct:" + hex.EncodeToString(sum[:16])
}

func (l *Login) ipKey(ip string) string { return l.prefix + "login:fail:ip:" + ip }

// check returns, for the first key over its limit, the time left in its window.
var check = redis.NewScript(`
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('GET', key) or '0')
  if n >= tonumber(ARGV[i]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then ttl = 1000 end
    return ttl
  end
end
return 0`)

// fail counts one failure on every key; the window starts at the first.
var fail = redis.NewScript(`
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('PEXPIRE', key, ARGV[1])
  end
end
return 0`)

// Check implements user.Limiter.
func (l *Login) Check(ctx context.Context, account, ip string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	keys, limits := []string{l.accountKey(account)}, []any{l.l.PerAccount}
	if ip != "" {
		keys, limits = append(keys, l.ipKey(ip)), append(limits, l.l.PerIP)
	}
	ms, err := check.Run(ctx, l.rdb, keys, limits...).Int64()
	if err != nil {
		return 0, err
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// Fail implements user.Limiter.
func (l *Login) Fail(ctx context.Context, account, ip string) error {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	keys := []string{l.accountKey(account)}
	if ip != "" {
		keys = append(keys, l.ipKey(ip))
	}
	return fail.Run(ctx, l.rdb, keys, l.l.Window.Milliseconds()).Err()
}

// Succeed implements user.Limiter: a successful login clears the account's
// failures (the address's stay, so one good account cannot launder guesses).
func (l *Login) Succeed(ctx context.Context, account string) error {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	return l.rdb.Del(ctx, l.accountKey(account)).Err()
}
