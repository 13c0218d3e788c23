// Package peers adapts libs/internalapi to what history-service's domain
// asks of other services: question snapshots (question-service), partner
// usernames (user-service, cached) and sessions (collaboration-service).
package peers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
	"github.com/peerprep/peerprep/services/history/internal/feedback"
)

// Questions reads questions from question-service.
type Questions struct{ c *internalapi.Client }

// NewQuestions returns a question-service client on c (a
// *discovery.Client, which carries the internal token, timeouts and
// retries).
func NewQuestions(c internalapi.Caller) *Questions { return &Questions{c: internalapi.New(c)} }

var _ attempt.Questions = (*Questions)(nil)

// Question implements attempt.Questions.
func (q *Questions) Question(ctx context.Context, id uuid.UUID) (attempt.Question, error) {
	b, err := q.c.Question(ctx, id.String())
	if errors.Is(err, internalapi.ErrNotFound) {
		return attempt.Question{}, attempt.ErrQuestionNotFound
	}
	if err != nil {
		return attempt.Question{}, err
	}
	// A malformed answer is treated like an outage: the snapshot stays
	// pending and is retried rather than stored wrong.
	if got, err := uuid.Parse(b.ID); err != nil || got != id {
		return attempt.Question{}, fmt.Errorf("question-service answered for question %q, want %s", b.ID, id)
	}
	if b.Title == "" || !attempt.ValidDifficulty(b.Difficulty) {
		return attempt.Question{}, fmt.Errorf("question-service answered question %s without a title or with difficulty %q", id, b.Difficulty)
	}
	topics := make([]string, 0, len(b.Topics))
	for _, t := range b.Topics {
		if t != "" {
			topics = append(topics, t)
		}
	}
	return attempt.Question{Title: b.Title, Slug: b.Slug, Difficulty: b.Difficulty, Topics: topics}, nil
}

// Sessions reads sessions from collaboration-service, which decides who
// took part in a session and whether it is over.
type Sessions struct{ c *internalapi.Client }

// NewSessions returns a collaboration-service client on c.
func NewSessions(c internalapi.Caller) *Sessions { return &Sessions{c: internalapi.New(c)} }

var _ feedback.Sessions = (*Sessions)(nil)

// Session implements feedback.Sessions.
func (s *Sessions) Session(ctx context.Context, id uuid.UUID) (feedback.Session, error) {
	b, err := s.c.Session(ctx, id.String())
	if errors.Is(err, internalapi.ErrNotFound) {
		return feedback.Session{}, feedback.ErrSessionNotFound
	}
	if err != nil {
		return feedback.Session{}, fmt.Errorf("%w: %w", feedback.ErrSessionsUnavailable, err)
	}
	if got, err := uuid.Parse(b.ID); err != nil || got != id {
		return feedback.Session{}, fmt.Errorf("%w: answered for session %q, want %s", feedback.ErrSessionsUnavailable, b.ID, id)
	}
	var out feedback.Session
	for i, u := range b.UserIDs {
		if out.UserIDs[i], err = uuid.Parse(u); err != nil {
			return feedback.Session{}, fmt.Errorf("%w: answered session %s with user %q", feedback.ErrSessionsUnavailable, id, u)
		}
	}
	out.Ended = b.Status == internalapi.StatusEnded
	for _, u := range b.LeftUserIDs {
		left, err := uuid.Parse(u)
		if err != nil {
			return feedback.Session{}, fmt.Errorf("%w: answered session %s with left user %q", feedback.ErrSessionsUnavailable, id, u)
		}
		out.Left = append(out.Left, left)
	}
	return out, nil
}

// UsersOptions tunes a Users directory. Zero values take the defaults named.
type UsersOptions struct {
	TTL        time.Duration // how long a username (or a deletion) is reused, 2m
	FailureTTL time.Duration // how long a failed lookup is not retried, 5s
	MaxEntries int           // cache bound, 10000
	Parallel   int           // concurrent lookups per call, 8
	Timeout    time.Duration // bound on one user-service lookup, 2s
	Now        func() time.Time
}

// Users looks up usernames in user-service behind a small in-process
// cache. The cache is only a cache: another replica missing it just asks
// user-service itself, so it is not state replicas must share.
type Users struct {
	c        *internalapi.Client
	parallel int
	cache    *internalapi.Cache[attempt.Username]
}

// NewUsers returns a user-service directory on c.
func NewUsers(c internalapi.Caller, o UsersOptions) *Users {
	if o.TTL <= 0 {
		o.TTL = 2 * time.Minute
	}
	if o.FailureTTL <= 0 {
		o.FailureTTL = 5 * time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	return &Users{c: internalapi.New(c), parallel: o.Parallel, cache: internalapi.NewCache[attempt.Username](internalapi.CacheOptions{
		TTL: o.TTL, FailureTTL: o.FailureTTL, Max: o.MaxEntries, Timeout: o.Timeout, Now: o.Now,
	})}
}

var _ attempt.Directory = (*Users)(nil)

// Usernames implements attempt.Directory. Cached answers come back at once;
// the rest are looked up concurrently until ctx ends. An id whose lookup
// failed (or failed moments ago) or did not finish in time is left out.
func (u *Users) Usernames(ctx context.Context, ids []uuid.UUID) map[uuid.UUID]attempt.Username {
	out := make(map[uuid.UUID]attempt.Username, len(ids))
	var mu sync.Mutex
	sem := make(chan struct{}, u.parallel)
	var wg sync.WaitGroup
	for _, id := range ids {
		if name, ok, err := u.cache.Cached(id.String()); ok {
			if err == nil {
				mu.Lock()
				out[id] = name
				mu.Unlock()
			}
			continue
		}
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			name, err := u.cache.Get(ctx, id.String(), func(ctx context.Context) (attempt.Username, error) { return u.fetch(ctx, id) })
			if err == nil {
				mu.Lock()
				out[id] = name
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}

func (u *Users) fetch(ctx context.Context, id uuid.UUID) (attempt.Username, error) {
	b, err := u.c.User(ctx, id.String())
	if errors.Is(err, internalapi.ErrNotFound) {
		return attempt.Username{Deleted: true}, nil
	}
	if err != nil {
		return attempt.Username{}, err
	}
	if b.Username == "" {
		return attempt.Username{}, errors.New("user-service answered without a username")
	}
	return attempt.Username{Name: b.Username}, nil
}
