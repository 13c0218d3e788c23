// Package peers adapts the other services to what execution-service's
// domain asks of them: a question's tests (question-service), a session's
// participants (collaboration-service) and usernames (user-service), each
// cached for a while.
package peers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
// tests route (docs/internal-apis.md).
//
// It calls the route through the discovery client itself until
// internalapi.Client.QuestionTests is on main; then fetch becomes that
// call.
type Questions struct {
	c     internalapi.Caller
	cache *internalapi.Cache[run.Tests]
}

// NewQuestions returns question tests over c, cached for ttl: an admin's
// edit shows within it.
func NewQuestions(c internalapi.Caller, ttl time.Duration) *Questions {
	return &Questions{c: c, cache: internalapi.NewCache[run.Tests](internalapi.CacheOptions{
		TTL: ttl, NegativeTTL: ttl, IsNegative: func(err error) bool { return errors.Is(err, run.ErrNotFound) },
	})}
}

// Tests implements run.Questions.
func (q *Questions) Tests(ctx context.Context, id string) (run.Tests, error) {
	return q.cache.Get(ctx, id, func(ctx context.Context) (run.Tests, error) {
		t, err := q.fetch(ctx, id)
		if err != nil && !errors.Is(err, run.ErrNotFound) {
			return run.Tests{}, unavailable(err)
		}
		return t, err
	})
}

// unavailable marks a failed call to another service: the API answers 503.
func unavailable(err error) error { return fmt.Errorf("%w: %w", run.ErrUnavailable, err) }

// maxTests bounds the answer: 50 cases of at most 64 KiB each.
const maxTests = 8 << 20

func (q *Questions) fetch(ctx context.Context, id string) (run.Tests, error) {
	req, err := http.NewRequest(http.MethodGet, internalapi.QuestionPrefix+"/internal/questions/"+url.PathEscape(id)+"/tests", nil)
	if err != nil {
		return run.Tests{}, err
	}
	resp, err := q.c.Do(ctx, internalapi.QuestionService, req)
	if err != nil {
		return run.Tests{}, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return run.Tests{}, run.ErrNotFound
	case resp.StatusCode != http.StatusOK:
		return run.Tests{}, &internalapi.Error{Service: internalapi.QuestionService, Status: resp.StatusCode}
	}
	var body struct {
		Signature string `json:"signature"`
		Compare   string `json:"compare"`
		Cases     []struct {
			Input    json.RawMessage `json:"input"`
			Expected json.RawMessage `json:"expected"`
			Hidden   bool            `json:"hidden"`
		} `json:"cases"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, maxTests))
	if err := dec.Decode(&body); err != nil {
		return run.Tests{}, err
	}
	t := run.Tests{Signature: body.Signature, Compare: body.Compare}
	for _, c := range body.Cases {
		t.Cases = append(t.Cases, harness.Case{Input: c.Input, Expected: c.Expected, Hidden: c.Hidden})
	}
	return t, nil
}
