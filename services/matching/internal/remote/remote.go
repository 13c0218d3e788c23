// Package remote adapts libs/internalapi to what matching-service's domain
// asks of other services: setup.Services (usernames, attempted questions,
// a random question, the session), match.Sessions (a user's current
// session) and match.Topics (question-service's topic list, cached).
package remote

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/setup"
)

// Services implements setup.Services.
type Services struct {
	c     *internalapi.Client
	names *internalapi.Cache[string] // user id → username
}

// usernameTTL is how long a username is reused: a match shows the
// partner's name, so one renamed moments ago may show the old one.
const usernameTTL = 10 * time.Minute

// NewServices returns the adapter over c. Usernames are cached (each
// user's lookup is shared by all of their matches and invitations for
// usernameTTL); the other answers are not.
func NewServices(c *internalapi.Client) *Services {
	return &Services{c: c, names: internalapi.NewCache[string](internalapi.CacheOptions{TTL: usernameTTL})}
}

const setupFailed = "the session could not be set up; please queue again"

// permanent marks answers saying the request itself is wrong, so retrying
// cannot help.
func permanent(err error) error {
	if internalapi.IsPermanent(err) {
		return &setup.PermanentError{Reason: setupFailed, Err: err}
	}
	return err
}

// Username implements setup.Services.
func (s *Services) Username(ctx context.Context, userID string) (string, error) {
	return s.names.Get(ctx, userID, func(ctx context.Context) (string, error) {
		u, err := s.c.User(ctx, userID)
		if errors.Is(err, internalapi.ErrNotFound) {
			return "", fmt.Errorf("%w: %s", setup.ErrUnknownUser, userID)
		}
		if err != nil {
			return "", permanent(err)
		}
		return u.Username, nil
	})
}

// AttemptedQuestions implements setup.Services with one call for all the
// users; an unknown user has none. A history-service without the
// several-users route (404: an older version, during a rolling deploy) is
// asked about each user in turn.
func (s *Services) AttemptedQuestions(ctx context.Context, userIDs []string) ([]string, error) {
	ids, err := s.c.AttemptedQuestionIDsOf(ctx, userIDs...)
	if !errors.Is(err, internalapi.ErrNotFound) {
		return ids, err
	}
	ids = nil
	for _, u := range userIDs {
		got, err := s.c.AttemptedQuestionIDs(ctx, u)
		if err != nil {
			return nil, err
		}
		for _, q := range got {
			if !slices.Contains(ids, q) {
				ids = append(ids, q)
			}
		}
	}
	return ids, nil
}

// RandomQuestion implements setup.Services.
func (s *Services) RandomQuestion(ctx context.Context, difficulty, topic string, exclude []string) (string, error) {
	q, err := s.c.RandomQuestion(ctx, internalapi.RandomQuery{Difficulty: difficulty, Topic: topic, Exclude: exclude})
	if errors.Is(err, internalapi.ErrNotFound) {
		return "", setup.ErrNoQuestion
	}
	if err != nil {
		return "", permanent(err)
	}
	if q.ID == "" {
		return "", errors.New("question-service: random question without an id")
	}
	return q.ID, nil
}

// CreateSession implements setup.Services. The match id is the
// Idempotency-Key, so the POST is retried: collaboration-service answers
// the same match_id with the same session.
func (s *Services) CreateSession(ctx context.Context, n setup.NewSession) (string, error) {
	id, _, err := s.c.CreateSession(ctx, internalapi.NewSession{MatchID: n.MatchID, UserIDs: n.UserIDs, QuestionID: n.QuestionID,
		Language: n.Language, Mode: n.Mode, InterviewerID: n.InterviewerID})
	return id, permanent(err)
}

// Sessions implements match.Sessions over collaboration-service.
type Sessions struct {
	c *internalapi.Client
}

// NewSessions returns the adapter over c.
func NewSessions(c *internalapi.Client) *Sessions { return &Sessions{c: c} }

// Current implements match.Sessions.
func (s *Sessions) Current(ctx context.Context, userID string) (string, error) {
	cur, err := s.c.CurrentSession(ctx, userID)
	switch {
	case errors.Is(err, internalapi.ErrNotFound):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("%w: collaboration-service: %w", match.ErrUnavailable, err)
	case cur.ID == "":
		return "", fmt.Errorf("%w: collaboration-service: a current session without an id", match.ErrUnavailable)
	}
	return cur.ID, nil
}
