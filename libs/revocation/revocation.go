// Package revocation shares access-token revocations between every replica
// of every service: user-service publishes one when an account is deleted
// or its sessions are signed out, and each process keeps a local copy of
// the recent ones, so checking a token costs no Redis round trip.
//
// Each process subscribes to one Redis channel and primes its copy from
// Redis on start and after every reconnect, so a revocation made while it
// was cut off applies as soon as it is back. Staleness: while subscribed, a
// revocation applies within the pub/sub delivery time (milliseconds); while
// Redis is unreachable the copy is not refreshed and tokens it does not know
// to be revoked are accepted (they expire within auth.AccessTTL, as they
// did before revocations existed) — a Redis outage does not become an
// outage of every service. user-service cannot publish then either.
package revocation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/wsclose"
)

// Keep is how long a revocation is kept: every token it refuses has expired
// by then (issued at or before it, valid for AccessTTL plus the leeway).
const Keep = auth.AccessTTL + 2*auth.Leeway

// CloseCode is the WebSocket close code of a socket whose user's tokens
// were revoked: "token expired or revoked — refresh and reconnect" (the
// code sockets also close with at token expiry). A deleted account's
// refresh then fails and the web app signs out.
const CloseCode = wsclose.TokenExpired

// CloseReason is what such a socket is told.
const CloseReason = "signed out: refresh and reconnect"

// Revocation refuses a user's access tokens issued at or before At.
type Revocation struct {
	ID     string    `json:"id"`
	UserID string    `json:"user_id"`
	At     time.Time `json:"at"`
	// Deleted says the account is gone: sockets close for good (the
	// client's refresh fails) and matching drops the user's ticket.
	Deleted bool `json:"deleted,omitempty"`
	// SessionID, when set, limits the revocation to that session's tokens
	// (a logout).
	SessionID string `json:"session_id,omitempty"`
	// KeepSessionID spares that session's tokens (a password change keeps
	// the session that made it).
	KeepSessionID string `json:"keep_session_id,omitempty"`
}

// Applies reports whether r refuses a token of sessionID issued at
// issuedAt. Tokens carry whole seconds, so one issued in the same second
// as the revocation is refused too: the client refreshes and gets a later one.
func (r Revocation) Applies(sessionID string, issuedAt time.Time) bool {
	if issuedAt.Unix() > r.At.Unix() {
		return false
	}
	if r.SessionID != "" && r.SessionID != sessionID {
		return false
	}
	return r.KeepSessionID == "" || r.KeepSessionID != sessionID
}

// keys are the Redis names; the hash tag keeps the two keys in one slot.
type keys struct{ log, byTime, channel string }

func keysFor(prefix string) keys {
	return keys{log: prefix + "revocations:{rev}:log", byTime: prefix + "revocations:{rev}:by-time", channel: prefix + "revocations"}
}

// publish stores the revocation, forgets those older than Keep, and
// announces it, in one step.
var publish = redis.NewScript(`
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
for _, id in ipairs(old) do redis.call('HDEL', KEYS[1], id) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return redis.call('PUBLISH', ARGV[6], ARGV[2])`)

// Publisher announces revocations (user-service).
type Publisher struct {
	rdb  redis.UniversalClient
	keys keys
	now  func() time.Time
}

// NewPublisher returns a Publisher under the services' shared key prefix.
func NewPublisher(rdb redis.UniversalClient, prefix string) *Publisher {
	return &Publisher{rdb: rdb, keys: keysFor(prefix), now: time.Now}
}

// Revoke publishes r; an empty ID and a zero At are filled in (now).
func (p *Publisher) Revoke(ctx context.Context, r Revocation) error {
	if r.UserID == "" {
		return errors.New("revocation without a user")
	}
	if r.ID == "" {
		r.ID = uuid.NewString()
	}
	if r.At.IsZero() {
		r.At = p.now()
	}
	r.At = r.At.UTC()
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	cutoff := r.At.Add(-Keep).UnixMilli()
	err = publish.Run(ctx, p.rdb, []string{p.keys.log, p.keys.byTime},
		r.ID, b, r.At.UnixMilli(), cutoff, (2 * Keep).Milliseconds(), p.keys.channel).Err()
	if err != nil {
		return fmt.Errorf("publish revocation: %w", err)
	}
	return nil
}

// Set is a process's copy of the recent revocations. It implements
// auth.Revocations.
type Set struct {
	rdb  *redis.Client
	keys keys
	log  *slog.Logger
	now  func() time.Time

	mu     sync.RWMutex
	byUser map[string][]Revocation
	seen   map[string]time.Time // revocation id → At, to run hooks once
	hooks  []func(Revocation)

	primed    chan struct{}
	primeOnce sync.Once
	connected atomic.Bool
}

// NewSet returns a Set under the services' shared key prefix. log may be nil.
func NewSet(rdb *redis.Client, prefix string, log *slog.Logger) *Set {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Set{rdb: rdb, keys: keysFor(prefix), log: log, now: time.Now,
		byUser: map[string][]Revocation{}, seen: map[string]time.Time{}, primed: make(chan struct{})}
}

// OnRevoke registers f, called once per revocation this process learns of
// from then on (live, or from a priming after a reconnect), outside any
// lock. On a nil Set (revocations off) it does nothing.
func (s *Set) OnRevoke(f func(Revocation)) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.hooks = append(s.hooks, f)
	s.mu.Unlock()
}

// Revoked implements auth.Revocations: it reads only the local copy.
func (s *Set) Revoked(userID, sessionID string, issuedAt time.Time) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, r := range s.byUser[userID] {
		if r.Applies(sessionID, issuedAt) {
			return true
		}
	}
	return false
}

// Connected reports whether the subscription is live.
func (s *Set) Connected() bool { return s.connected.Load() }

// Start runs the subscription until ctx ends and waits up to wait for the
// first priming; when Redis is not reachable by then, it goes on without
// (see the package doc) and says so.
func (s *Set) Start(ctx context.Context, wait time.Duration) {
	go s.run(ctx)
	select {
	case <-s.primed:
	case <-time.After(wait):
		s.log.Warn("revocations: not primed yet; tokens are checked against revocations once Redis answers")
	case <-ctx.Done():
	}
}

func (s *Set) run(ctx context.Context) {
	prune := time.NewTicker(time.Minute)
	defer prune.Stop()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if s.subscribe(ctx, prune.C) {
			backoff = 100 * time.Millisecond
		}
		if s.connected.Swap(false) && ctx.Err() == nil {
			s.log.Warn("revocations: subscription lost; reconnecting")
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// idle is how long a subscription may stay silent before it is pinged; a
// second silence in a row means the connection is dead.
const idle = 15 * time.Second

// subscribe holds one subscription until it fails or ctx ends, priming the
// copy once subscribed. It reports whether it got that far.
func (s *Set) subscribe(ctx context.Context, prune <-chan time.Time) (primed bool) {
	ps := s.rdb.Subscribe(ctx, s.keys.channel)
	defer ps.Close()
	pinged := false
	for ctx.Err() == nil {
		select {
		case <-prune:
			s.prune()
		default:
		}
		msg, err := ps.ReceiveTimeout(ctx, idle)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !pinged {
				pinged = true
				if ps.Ping(ctx) == nil {
					continue
				}
			}
			if ctx.Err() == nil {
				s.log.Warn("revocations: subscription failed", "error", err.Error())
			}
			return primed
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			// Subscribed: what was published before is in the log.
			if err := s.prime(ctx); err != nil {
				s.log.Warn("revocations: priming failed", "error", err.Error())
				return primed
			}
			primed = true
			if !s.connected.Swap(true) {
				s.log.Info("revocations: subscribed")
			}
			s.primeOnce.Do(func() { close(s.primed) })
		case *redis.Message:
			var r Revocation
			if err := json.Unmarshal([]byte(m.Payload), &r); err != nil || r.UserID == "" || r.ID == "" {
				s.log.Warn("revocations: malformed message ignored")
				continue
			}
			s.add(r)
		}
	}
	return primed
}

// prime loads every stored revocation younger than Keep.
func (s *Set) prime(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	all, err := s.rdb.HGetAll(ctx, s.keys.log).Result()
	if err != nil {
		return err
	}
	for _, v := range all {
		var r Revocation
		if json.Unmarshal([]byte(v), &r) == nil && r.UserID != "" && r.ID != "" {
			s.add(r)
		}
	}
	return nil
}

// add records r unless already known or too old, then runs the hooks.
func (s *Set) add(r Revocation) {
	if s.now().Sub(r.At) > Keep {
		return
	}
	s.mu.Lock()
	if _, dup := s.seen[r.ID]; dup {
		s.mu.Unlock()
		return
	}
	s.seen[r.ID] = r.At
	s.byUser[r.UserID] = append(s.byUser[r.UserID], r)
	hooks := s.hooks
	s.mu.Unlock()
	for _, f := range hooks {
		f(r)
	}
}

// prune forgets revocations whose tokens have all expired.
func (s *Set) prune() {
	cutoff := s.now().Add(-Keep)
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, at := range s.seen {
		if at.Before(cutoff) {
			delete(s.seen, id)
		}
	}
	for u, rs := range s.byUser {
		kept := rs[:0]
		for _, r := range rs {
			if !r.At.Before(cutoff) {
				kept = append(kept, r)
			}
		}
		if len(kept) == 0 {
			delete(s.byUser, u)
		} else {
			s.byUser[u] = kept
		}
	}
}

// Watch starts a Set on rdb, waiting a few seconds at most for its first
// priming, and makes v refuse the tokens it holds revoked. A nil rdb (a
// local run without REDIS_URL) leaves revocations unchecked and logs so.
func Watch(ctx context.Context, rdb *redis.Client, prefix string, log *slog.Logger, v *auth.Verifier) *Set {
	if rdb == nil {
		if log != nil {
			log.Warn("REDIS_URL not set: revoked access tokens are accepted until they expire")
		}
		return nil
	}
	s := NewSet(rdb, prefix, log)
	s.Start(ctx, 3*time.Second)
	v.CheckRevocations(s)
	return s
}

// Open is Watch for a service that uses Redis for nothing else: it
// connects to url (empty: revocations off, logged) and returns the function
// that closes the connection.
func Open(ctx context.Context, url, prefix string, log *slog.Logger, v *auth.Verifier) (closeFn func(), err error) {
	if url == "" {
		Watch(ctx, nil, prefix, log, v)
		return func() {}, nil
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, errors.New("REDIS_URL is malformed")
	}
	rdb := redis.NewClient(opts)
	Watch(ctx, rdb, prefix, log, v)
	return func() { _ = rdb.Close() }, nil
}
