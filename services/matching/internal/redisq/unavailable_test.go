package redisq

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/setup"
)

// Every operation maps an unreachable Redis to match.ErrUnavailable.
func TestEveryOperationMapsAnUnreachableRedis(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond,
		DialerRetries: 1, DialerRetryTimeout: time.Millisecond})
	defer rdb.Close()
	s := New(rdb, "test:unreachable:", Options{})
	ctx := context.Background()
	ops := map[string]func() error{
		"Enqueue": func() error {
			_, err := s.Enqueue(ctx, "t", "u", match.Criteria{Difficulty: "easy", Topic: "arrays", Language: "python"}, match.Ticket{})
			return err
		},
		"Cancel":      func() error { _, err := s.Cancel(ctx, "u"); return err },
		"ForgetUser":  func() error { return s.ForgetUser(ctx, "u", time.Minute) },
		"Current":     func() error { _, err := s.Current(ctx, "u"); return err },
		"Ticket":      func() error { _, err := s.Ticket(ctx, "t"); return err },
		"CurrentMany": func() error { _, err := s.CurrentMany(ctx, []string{"u"}); return err },
		"Tickets":     func() error { _, err := s.Tickets(ctx, []string{"t"}); return err },
		"Relax":       func() error { _, _, err := s.Relax(ctx, 1); return err },
		"Expire":      func() error { _, _, err := s.Expire(ctx, 1); return err },
		"Epoch":       func() error { _, err := s.Epoch(ctx); return err },
		"EventsTail":  func() error { _, err := s.EventsTail(ctx); return err },
		"ReadEvents":  func() error { _, _, _, err := s.ReadEvents(ctx, "0-0", 1, -1); return err },
		"EnsureGroup": func() error { return s.EnsureGroup(ctx) },
		"ReadJobs":    func() error { _, err := s.ReadJobs(ctx, "c", 1, -1); return err },
		"ClaimStale":  func() error { _, err := s.ClaimStale(ctx, "c", time.Second, 1); return err },
		"PruneConsumers": func() error {
			_, err := s.PruneConsumers(ctx, time.Hour)
			return err
		},
		"Touch":       func() error { return s.Touch(ctx, "c", []string{"1-0"}) },
		"Release":     func() error { return s.Release(ctx, "c", []string{"1-0"}) },
		"Ack":         func() error { return s.Ack(ctx, "1-0") },
		"Match":       func() error { _, err := s.Match(ctx, "m"); return err },
		"SetQuestion": func() error { _, err := s.SetQuestion(ctx, "m", "q"); return err },
		"Finish":      func() error { return s.Finish(ctx, "m", setup.Result{}) },
		"Fail":        func() error { return s.Fail(ctx, "m", "why") },
		"QueueDepth":  func() error { _, _, err := s.QueueDepth(ctx); return err },
		"Ping":        func() error { return s.Ping(ctx) },
	}
	for name, op := range ops {
		if err := op(); !errors.Is(err, match.ErrUnavailable) {
			t.Errorf("%s: %v, want match.ErrUnavailable", name, err)
		}
	}
}

// A missing jobs group is setup.ErrNoGroup; a script's own error is
// neither that nor ErrUnavailable.
func TestStoreErrKeepsTheKinds(t *testing.T) {
	t.Parallel()
	noGroup := storeErr("read jobs", fmt.Errorf("read group: %w", redisErr("NOGROUP No such key")))
	if !errors.Is(noGroup, setup.ErrNoGroup) || errors.Is(noGroup, match.ErrUnavailable) {
		t.Fatalf("NOGROUP mapped to %v", noGroup)
	}
	script := storeErr("enqueue script", redisErr("ERR user_script:1: bad"))
	if errors.Is(script, match.ErrUnavailable) || errors.Is(script, setup.ErrNoGroup) {
		t.Fatalf("a script error mapped to %v", script)
	}
	if busy := storeErr("x", redisErr("LOADING Redis is loading")); !errors.Is(busy, match.ErrUnavailable) {
		t.Fatalf("LOADING mapped to %v", busy)
	}
}

// redisErr is a Redis error reply.
type redisErr string

func (e redisErr) Error() string { return string(e) }
func (redisErr) RedisError()     {}
