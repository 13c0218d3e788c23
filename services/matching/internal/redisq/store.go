// Package redisq keeps matching-service's state in Redis: tickets, queues,
// matches and the two streams (setup jobs and ticket events). Every state
// change is one Lua script, so pairing, cancelling, relaxing and timing out
// are atomic however many replicas call them at once.
package redisq

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/redisgroup"
	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/setup"
)

// The store's operations live in tickets.go (the queue: tickets, sweeps,
// the epoch), events.go (the ticket events stream), jobs.go (the setup
// jobs stream and matches) and decode.go (Redis replies to domain values).
// The rules of pairing live in the Lua scripts under lua/.

//go:embed lua/*.lua
var luaFS embed.FS

func script(name string) *redis.Script {
	common, err := luaFS.ReadFile("lua/common.lua")
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	body, err := luaFS.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(err)
	}
	return redis.NewScript(string(common) + "\n" + string(body))
}

var (
	enqueueScript     = script("enqueue")
	cancelScript      = script("cancel")
	forgetScript      = script("forget")
	relaxScript       = script("relax")
	expireScript      = script("expire")
	finishScript      = script("finish")
	setQuestionScript = script("set_question")
	currentScript     = script("current")
	epochScript       = script("epoch")
	depthScript       = script("depth")
	noShowClaimScript = script("noshow_claim")
	requeueScript     = script("requeue")
)

// Group is the consumer group of the jobs stream.
const Group = "setup"

// Options configure a Store. Zero values take the defaults named.
type Options struct {
	RelaxAfter   time.Duration // 0: tickets may match any difficulty at once
	MatchTimeout time.Duration // default 30s
	// Retain is how long an ended ticket (and its match) stays readable;
	// default 1h.
	Retain time.Duration
	// EventsMaxLen caps the events stream (approximately); default 10000.
	EventsMaxLen int64
	// NoShowAfter is when a match's session is checked for a partner who
	// never joined (NO_SHOW_AFTER); 0: never.
	NoShowAfter time.Duration
}

// Store implements match.Store, match.SweepStore and setup.Store.
type Store struct {
	rdb   redis.UniversalClient
	base  string // every key starts with it
	o     Options
	group redisgroup.Group // of the jobs stream
}

// New returns a Store whose keys start with prefix (REDIS_KEY_PREFIX).
func New(rdb redis.UniversalClient, prefix string, o Options) *Store {
	if o.MatchTimeout <= 0 {
		o.MatchTimeout = 30 * time.Second
	}
	if o.Retain <= 0 {
		o.Retain = time.Hour
	}
	if o.EventsMaxLen <= 0 {
		o.EventsMaxLen = 10000
	}
	// The hash tag {match} puts every key in one cluster slot.
	return &Store{rdb: rdb, base: prefix + "matching:{match}:", o: o, group: redisgroup.New(rdb, Group)}
}

// Key is the full name of one of the store's keys ("seq", "t:<id>", …).
func (s *Store) Key(name string) string { return s.base + name }

// run runs a script with the arguments every script takes first.
func (s *Store) run(ctx context.Context, sc *redis.Script, args ...any) *redis.Cmd {
	all := append([]any{s.base, s.o.EventsMaxLen, s.o.Retain.Milliseconds()}, args...)
	// KEYS[1] routes the call to the slot every key of the script lives in.
	return sc.Run(ctx, s.rdb, []string{s.base + "seq"}, all...)
}

// storeErr maps every Redis failure of the store's operations the same
// way: a missing jobs group is setup.ErrNoGroup; Redis unreachable or not
// serving (as opposed to a script's own error) is match.ErrUnavailable;
// any other reply error is wrapped as it is.
func storeErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if redisgroup.IsNoGroup(err) {
		return fmt.Errorf("%w: %s: %v", setup.ErrNoGroup, op, err)
	}
	var re redis.Error
	if errors.As(err, &re) {
		msg := re.Error()
		for _, p := range []string{"LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN", "CLUSTERDOWN"} {
			if strings.HasPrefix(msg, p) {
				return fmt.Errorf("%w: %s: %v", match.ErrUnavailable, op, err)
			}
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%w: %s: %v", match.ErrUnavailable, op, err)
}

// QueueDepth counts the tickets waiting to be matched, in total and per
// difficulty (the QueueDepth metric's criteria groups).
func (s *Store) QueueDepth(ctx context.Context) (total int64, byDifficulty map[string]int64, err error) {
	v, err := s.run(ctx, depthScript).Int64Slice()
	if err != nil {
		return 0, nil, storeErr("queue depth", err)
	}
	if len(v) != 1+len(match.Difficulties) {
		return 0, nil, fmt.Errorf("queue depth: %d numbers from the script, want %d", len(v), 1+len(match.Difficulties))
	}
	byDifficulty = make(map[string]int64, len(match.Difficulties))
	for i, d := range match.Difficulties {
		byDifficulty[d] = v[1+i]
	}
	return v[0], byDifficulty, nil
}

// Ping checks the connection (readiness).
func (s *Store) Ping(ctx context.Context) error { return storeErr("ping", s.rdb.Ping(ctx).Err()) }
