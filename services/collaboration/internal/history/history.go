// Package history records attempts in history-service through
// libs/internalapi (docs/internal-apis.md: POST
// /history-service-api/internal/attempts), for session.History.
package history

import (
	"context"
	"errors"
	"fmt"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/services/collaboration/internal/session"
)

// Client implements session.History.
type Client struct{ c *internalapi.Client }

// New returns a Client calling through c (a *discovery.Client, which adds
// the internal token).
func New(c internalapi.Caller) *Client { return &Client{c: internalapi.New(c)} }

// Record posts one attempt. history-service answers 201 (created) or 200
// (already recorded), so a retry is safe, and the client retries it on
// transport errors and 502/503/504 too. An answer internalapi calls
// permanent (the attempt itself is wrong) is a *session.PermanentError;
// anything else (401 from a token being rotated, 5xx, a 400 about role
// from a history replica older than roles) is retried later.
func (c *Client) Record(ctx context.Context, a session.Attempt) error {
	started, ended := internalapi.Times(a.StartedAt, a.EndedAt)
	_, err := c.c.RecordAttempt(ctx, internalapi.Attempt{
		SessionID: a.SessionID, UserID: a.UserID, PartnerID: a.PartnerID, QuestionID: a.QuestionID,
		Language: a.Language, Code: a.Code, StartedAt: started, EndedAt: ended, Role: a.Role,
	})
	var e *internalapi.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e) && e.Permanent:
		return &session.PermanentError{Err: fmt.Errorf("history-service answered HTTP %d", e.Status)}
	default:
		return fmt.Errorf("record attempt: %w", err)
	}
}
