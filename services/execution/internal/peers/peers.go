// Package peers adapts the other services to what execution-service's
// domain asks of them: a question's tests (question-service), a session's
// participants (collaboration-service) and usernames (user-service), each
// cached for a while.
package peers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/services/execution/internal/harness"
	"github.com/peerprep/peerprep/services/execution/internal/run"
)

// Sessions implements run.Sessions.
type Sessions struct {
	c     *internalapi.Client
	cache *internalapi.Cache[[]string]
}

// NewSessions returns session participants from collaboration-service over
// c (a *discovery.Client), cached for ttl.
func NewSessions(c internalapi.Caller, ttl time.Duration) *Sessions {
	return &Sessions{c: internalapi.New(c), cache: internalapi.NewCache[[]string](internalapi.CacheOptions{
		TTL: ttl, NegativeTTL: ttl, IsNegative: func(err error) bool { return errors.Is(err, run.ErrNotFound) },
	})}
}

// Participants implements run.Sessions.
func (s *Sessions) Participants(ctx context.Context, id string) ([]string, error) {
	return s.cache.Get(ctx, id, func(ctx context.Context) ([]string, error) {
		got, err := s.c.Session(ctx, id)
		if errors.Is(err, internalapi.ErrNotFound) {
			return nil, run.ErrNotFound
		}
		if err != nil {
			return nil, unavailable(err)
		}
		return got.UserIDs[:], nil
	})
}

// Users implements run.Users.
type Users struct {
	c     *internalapi.Client
	cache *internalapi.Cache[string]
}

// NewUsers returns usernames from user-service over c: fresh for ten
// minutes, and served for a day after that while user-service is down.
func NewUsers(c internalapi.Caller) *Users {
	return &Users{c: internalapi.New(c), cache: internalapi.NewCache[string](internalapi.CacheOptions{
		TTL: 10 * time.Minute, StaleFor: 24 * time.Hour,
		NegativeTTL: 10 * time.Second, IsNegative: func(err error) bool { return errors.Is(err, run.ErrNotFound) },
	})}
}

// Username implements run.Users.
func (u *Users) Username(ctx context.Context, id string) (string, error) {
	return u.cache.Get(ctx, id, func(ctx context.Context) (string, error) {
		got, err := u.c.User(ctx, id)
		if errors.Is(err, internalapi.ErrNotFound) {
			return "", run.ErrNotFound
		}
		if err != nil {
			return "", unavailable(err)
		}
		return got.Username, nil
	})
}

// Questions implements run.Questions with question-service's internal
// tests route.
type Questions struct {
	c     *internalapi.Client
	cache *internalapi.Cache[run.Tests]
}

// NewQuestions returns question tests over c, cached for ttl: an admin's
// edit shows within it.
func NewQuestions(c internalapi.Caller, ttl time.Duration) *Questions {
	return &Questions{c: internalapi.New(c), cache: internalapi.NewCache[run.Tests](internalapi.CacheOptions{
		TTL: ttl, NegativeTTL: ttl, IsNegative: func(err error) bool { return errors.Is(err, run.ErrNotFound) },
	})}
}

// Tests implements run.Questions.
func (q *Questions) Tests(ctx context.Context, id string) (run.Tests, error) {
	return q.cache.Get(ctx, id, func(ctx context.Context) (run.Tests, error) {
		got, err := q.c.QuestionTests(ctx, id)
		if errors.Is(err, internalapi.ErrNotFound) {
			return run.Tests{}, run.ErrNotFound
		}
		if err != nil {
			return run.Tests{}, unavailable(err)
		}
		t := run.Tests{Signature: got.Signature, Compare: got.Compare}
		for _, c := range got.Cases {
			t.Cases = append(t.Cases, harness.Case{Input: c.Input, Expected: c.Expected, Hidden: c.Hidden})
		}
		return t, nil
	})
}

// unavailable marks a failed call to another service: the API answers 503.
func unavailable(err error) error { return fmt.Errorf("%w: %w", run.ErrUnavailable, err) }
