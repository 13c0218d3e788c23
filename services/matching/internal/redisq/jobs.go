package redisq

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/redisgroup"

	"github.com/peerprep/peerprep/services/matching/internal/setup"
)

// Jobs implements setup.Store: the setup worker (a redisgroup.Worker)
// reads, claims, touches, releases and acknowledges the jobs through it.
// The methods below are the same steps, one at a time.
func (s *Store) Jobs() (redisgroup.Group, string) { return s.group, s.base + "jobs" }

// EnsureGroup creates the jobs stream and its group when missing.
func (s *Store) EnsureGroup(ctx context.Context) error {
	return storeErr("create jobs group", s.group.Ensure(ctx, s.base+"jobs"))
}

// ReadJobs reads new jobs for consumer, waiting up to block.
func (s *Store) ReadJobs(ctx context.Context, consumer string, count int, block time.Duration) ([]setup.Job, error) {
	streams, err := s.group.Read(ctx, consumer, ">", int64(count), block, s.base+"jobs")
	if err != nil {
		return nil, storeErr("read jobs", err)
	}
	var jobs []setup.Job
	for _, st := range streams {
		jobs = append(jobs, toJobs(st.Messages)...)
	}
	return jobs, nil
}

// ClaimStale takes over at most count jobs no one touched for minIdle.
func (s *Store) ClaimStale(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]setup.Job, error) {
	var jobs []setup.Job
	err := s.group.Claim(ctx, s.base+"jobs", consumer, minIdle, int64(count), 1, func(msgs []redis.XMessage) error {
		jobs = toJobs(msgs)
		return nil
	})
	if err != nil {
		return nil, storeErr("claim jobs", err)
	}
	return jobs, nil
}

// PruneConsumers forgets consumers (replicas
// long gone) that own no jobs and were idle for longer than idle.
func (s *Store) PruneConsumers(ctx context.Context, idle time.Duration) (int, error) {
	n, err := s.group.Prune(ctx, s.base+"jobs", "", idle)
	return n, storeErr("prune consumers", err)
}

// Touch tells the others that consumer still works on the jobs.
func (s *Store) Touch(ctx context.Context, consumer string, entryIDs []string) error {
	return storeErr("touch jobs", s.group.Touch(ctx, s.base+"jobs", consumer, entryIDs...))
}

// Release hands the jobs to whoever claims next, at once.
func (s *Store) Release(ctx context.Context, consumer string, entryIDs []string) error {
	return storeErr("release jobs", s.group.Release(ctx, s.base+"jobs", consumer, entryIDs...))
}

// Ack settles a job: the entry leaves the group and the stream.
func (s *Store) Ack(ctx context.Context, entryID string) error {
	return storeErr("acknowledge job", s.group.AckDel(ctx, s.base+"jobs", entryID))
}

// Match implements setup.Store.
func (s *Store) Match(ctx context.Context, id string) (setup.Match, error) {
	f, err := s.rdb.HGetAll(ctx, s.base+"m:"+id).Result()
	if err != nil {
		return setup.Match{}, storeErr("read match", err)
	}
	if len(f) == 0 {
		return setup.Match{}, setup.ErrGone
	}
	return decodeMatch(f), nil
}

// SetQuestion implements setup.Store.
func (s *Store) SetQuestion(ctx context.Context, matchID, questionID string) (string, error) {
	v, err := s.run(ctx, setQuestionScript, matchID, questionID).Text()
	if errors.Is(err, redis.Nil) {
		return "", setup.ErrGone
	}
	if err != nil {
		return "", storeErr("set question", err)
	}
	return v, nil
}

// Finish implements setup.Store.
func (s *Store) Finish(ctx context.Context, matchID string, r setup.Result) error {
	return s.settle(ctx, matchID, "matched", r.SessionID, r.QuestionID, r.Usernames[0], r.Usernames[1], r.InterviewerID,
		max(s.o.NoShowAfter.Milliseconds(), 0))
}

// Fail implements setup.Store.
func (s *Store) Fail(ctx context.Context, matchID, reason string) error {
	return s.settle(ctx, matchID, "failed", reason)
}

func (s *Store) settle(ctx context.Context, matchID, outcome string, args ...any) error {
	v, err := s.run(ctx, finishScript, append([]any{matchID, outcome}, args...)...).Text()
	if err != nil {
		return storeErr("finish script", err)
	}
	if v == "gone" {
		return setup.ErrGone
	}
	return nil
}
