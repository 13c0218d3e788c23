// Package questions reads a session's question from question-service
// (docs/internal-apis.md: GET /question-service-api/questions/{id}) so that
// collaboration-service can show it to each participant as their role
// allows. The question is kept as JSON fields, passed through untouched
// except for the fields a role may not see.
package questions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/peerprep/peerprep/libs/discovery"
)

// Service is question-service's discovery name.
const Service = "question-service"

// Errors of a read.
var (
	ErrNotFound    = errors.New("question not found")
	ErrUnavailable = errors.New("question-service is unavailable")
)

// Question is a question as question-service answers it, field by field.
type Question map[string]json.RawMessage

// Client reads questions through discovery (internal token, deadlines, retries).
type Client struct{ disc *discovery.Client }

// New returns a Client on disc.
func New(disc *discovery.Client) *Client { return &Client{disc: disc} }

// Question returns question id.
func (c *Client) Question(ctx context.Context, id string) (Question, error) {
	var q Question
	err := c.disc.GetJSON(ctx, Service, "/question-service-api/questions/"+id, &q)
	if discovery.IsNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if q == nil {
		return nil, fmt.Errorf("%w: an empty answer", ErrUnavailable)
	}
	return q, nil
}
