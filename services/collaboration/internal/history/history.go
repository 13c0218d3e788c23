// Package history records attempts in history-service
// (docs/internal-apis.md: POST /history-service-api/internal/attempts).
package history

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/services/collaboration/internal/session"
)

// Service is history-service's discovery name.
const Service = "history-service"

const attemptsPath = "/history-service-api/internal/attempts"

// Client implements session.History.
type Client struct{ disc *discovery.Client }

// New returns a Client calling through disc (which adds the internal token).
func New(disc *discovery.Client) *Client { return &Client{disc: disc} }

type attemptRequest struct {
	SessionID  string `json:"session_id"`
	UserID     string `json:"user_id"`
	PartnerID  string `json:"partner_id"`
	QuestionID string `json:"question_id"`
	Language   string `json:"language"`
	Code       string `json:"code"`
	StartedAt  string `json:"started_at"`
	EndedAt    string `json:"ended_at"`
	// Role is left out outside mock interviews, as before roles existed.
	Role string `json:"role,omitempty"`
}

// refusesRole reports whether an error body names the field role (an
// unknown field to a history-service that predates roles).
func refusesRole(body []byte) bool {
	var e struct {
		Error struct {
			Details []struct {
				Field string `json:"field"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return false
	}
	for _, d := range e.Error.Details {
		if d.Field == "role" {
			return true
		}
	}
	return false
}

// Record posts one attempt. history-service answers 201 (created) or 200
// (already recorded), so a retry is safe; the Idempotency-Key header lets
// discovery retry it on transport errors and 502/503/504 too. An answer
// saying the attempt itself is wrong (400, 404, 409, 413, 422) is a
// *session.PermanentError; anything else (401 from a token being rotated,
// 5xx, a 400 about role from a history replica older than roles) is
// retried.
func (c *Client) Record(ctx context.Context, a session.Attempt) error {
	body, err := json.Marshal(attemptRequest{
		SessionID: a.SessionID, UserID: a.UserID, PartnerID: a.PartnerID, QuestionID: a.QuestionID,
		Language: a.Language, Code: a.Code,
		StartedAt: a.StartedAt.UTC().Format(time.RFC3339Nano), EndedAt: a.EndedAt.UTC().Format(time.RFC3339Nano),
		Role: a.Role,
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, attemptsPath, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	key := "attempt:" + a.SessionID + ":" + a.UserID
	if a.Role != "" {
		key += ":" + a.QuestionID // a mock interview has one attempt per question
	}
	req.Header.Set("Idempotency-Key", key)
	resp, err := c.disc.Do(ctx, Service, req)
	if err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch s := resp.StatusCode; {
	case s == http.StatusOK || s == http.StatusCreated:
		return nil
	case s == http.StatusBadRequest && a.Role != "" && refusesRole(answer):
		// A history replica older than roles, during a rollout: try again
		// later rather than lose the interview's attempts.
		return fmt.Errorf("record attempt: history-service does not know role yet (HTTP %d)", s)
	case s == http.StatusBadRequest || s == http.StatusNotFound || s == http.StatusConflict ||
		s == http.StatusRequestEntityTooLarge || s == http.StatusUnprocessableEntity:
		return &session.PermanentError{Err: fmt.Errorf("history-service answered HTTP %d", s)}
	default:
		return fmt.Errorf("record attempt: history-service answered HTTP %d", s)
	}
}
