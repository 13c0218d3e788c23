// Package remote calls the PeerPrep services matching-service depends on,
// per docs/internal-apis.md: question-service (topics, random question),
// history-service (attempted questions), collaboration-service (sessions)
// and user-service (usernames).
package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/setup"
)

// Caller is the part of *discovery.Client the clients use.
type Caller interface {
	GetJSON(ctx context.Context, service, path string, out any) error
	Do(ctx context.Context, service string, req *http.Request) (*http.Response, error)
}

// Services implements setup.Services.
type Services struct {
	c Caller
}

// NewServices returns the clients over c.
func NewServices(c Caller) *Services { return &Services{c: c} }

func status(err error) int {
	var se *discovery.StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

// permanent marks 4xx answers other than 404, 408 and 429: the request
// itself is wrong, so retrying cannot help.
func permanent(err error, reason string) error {
	if s := status(err); s >= 400 && s < 500 && s != http.StatusNotFound && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests {
		return &setup.PermanentError{Reason: reason, Err: err}
	}
	return err
}

const setupFailed = "the session could not be set up; please queue again"

// Username implements setup.Services.
func (s *Services) Username(ctx context.Context, userID string) (string, error) {
	var u struct {
		Username string `json:"username"`
	}
	err := s.c.GetJSON(ctx, "user-service", "/user-service-api/internal/users/"+url.PathEscape(userID), &u)
	if status(err) == http.StatusNotFound {
		return "", fmt.Errorf("%w: %s", setup.ErrUnknownUser, userID)
	}
	if err != nil {
		return "", permanent(err, setupFailed)
	}
	return u.Username, nil
}

// AttemptedQuestions implements setup.Services; an unknown user has none.
func (s *Services) AttemptedQuestions(ctx context.Context, userID string) ([]string, error) {
	var out struct {
		QuestionIDs []string `json:"question_ids"`
	}
	err := s.c.GetJSON(ctx, "history-service", "/history-service-api/internal/users/"+url.PathEscape(userID)+"/attempted-question-ids", &out)
	if status(err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return out.QuestionIDs, nil
}

// RandomQuestion implements setup.Services.
func (s *Services) RandomQuestion(ctx context.Context, difficulty, topic string, exclude []string) (string, error) {
	q := url.Values{"difficulty": {difficulty}, "topic": {topic}}
	if len(exclude) > 0 {
		q.Set("exclude", strings.Join(exclude, ","))
	}
	var out struct {
		ID string `json:"id"`
	}
	err := s.c.GetJSON(ctx, "question-service", "/question-service-api/questions/random?"+q.Encode(), &out)
	if status(err) == http.StatusNotFound {
		return "", setup.ErrNoQuestion
	}
	if err != nil {
		return "", permanent(err, setupFailed)
	}
	if out.ID == "" {
		return "", errors.New("question-service: random question without an id")
	}
	return out.ID, nil
}

// CreateSession implements setup.Services. The Idempotency-Key lets the
// discovery client retry the POST: collaboration-service answers the same
// match_id with the same session.
func (s *Services) CreateSession(ctx context.Context, n setup.NewSession) (string, error) {
	in := map[string]any{"match_id": n.MatchID, "user_ids": n.UserIDs, "question_id": n.QuestionID, "language": n.Language}
	// Practise sessions are asked for as before modes existed.
	if n.Mode != "" && n.Mode != match.ModePractise {
		in["mode"], in["interviewer_id"] = n.Mode, n.InterviewerID
	}
	body, err := json.Marshal(in)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequest(http.MethodPost, "/collaboration-service-api/internal/sessions", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", n.MatchID)
	resp, err := s.c.Do(ctx, "collaboration-service", req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("collaboration-service: read response: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", permanent(&discovery.StatusError{Service: "collaboration-service", Status: resp.StatusCode, Body: b}, setupFailed)
	}
	var out struct {
		SessionID string `json:"session_id"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.SessionID == "" {
		return "", fmt.Errorf("collaboration-service: response without a session_id (HTTP %d)", resp.StatusCode)
	}
	return out.SessionID, nil
}

// Sessions implements match.Sessions over collaboration-service.
type Sessions struct {
	c Caller
}

// NewSessions returns the client over c.
func NewSessions(c Caller) *Sessions { return &Sessions{c: c} }

// Current implements match.Sessions.
func (s *Sessions) Current(ctx context.Context, userID string) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	err := s.c.GetJSON(ctx, "collaboration-service", "/collaboration-service-api/internal/users/"+url.PathEscape(userID)+"/current-session", &out)
	switch {
	case status(err) == http.StatusNotFound:
		return "", nil
	case err != nil:
		return "", fmt.Errorf("%w: collaboration-service: %w", match.ErrUnavailable, err)
	case out.ID == "":
		return "", fmt.Errorf("%w: collaboration-service: a current session without an id", match.ErrUnavailable)
	}
	return out.ID, nil
}
