package peers

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/services/history/internal/feedback"
)

// Sessions reads sessions from collaboration-service, which decides who
// took part in a session and whether it is over.
type Sessions struct {
	disc *discovery.Client
}

// NewSessions returns a collaboration-service client on disc.
func NewSessions(disc *discovery.Client) *Sessions { return &Sessions{disc: disc} }

var _ feedback.Sessions = (*Sessions)(nil)

type sessionBody struct {
	ID          string    `json:"id"`
	UserIDs     [2]string `json:"user_ids"`
	Status      string    `json:"status"`
	LeftUserIDs []string  `json:"left_user_ids"`
}

// Session implements feedback.Sessions.
func (s *Sessions) Session(ctx context.Context, id uuid.UUID) (feedback.Session, error) {
	var b sessionBody
	err := s.disc.GetJSON(ctx, "collaboration-service", "/collaboration-service-api/internal/sessions/"+id.String(), &b)
	if discovery.IsNotFound(err) {
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
	out.Ended = b.Status == "ended"
	for _, u := range b.LeftUserIDs {
		left, err := uuid.Parse(u)
		if err != nil {
			return feedback.Session{}, fmt.Errorf("%w: answered session %s with left user %q", feedback.ErrSessionsUnavailable, id, u)
		}
		out.Left = append(out.Left, left)
	}
	return out, nil
}
