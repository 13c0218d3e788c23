// Package questions reads a session's question from question-service
// through libs/internalapi (docs/internal-apis.md: GET
// /question-service-api/questions/{id}) so that collaboration-service can
// show it to each participant as their role allows, and picks a mock
// interview's second question. The question is kept as JSON fields, passed
// through untouched except for the fields a role may not see.
package questions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/peerprep/peerprep/libs/internalapi"
)

// Errors of a read.
var (
	ErrNotFound    = errors.New("question not found")
	ErrUnavailable = errors.New("question-service is unavailable")
)

// Question is a question as question-service answers it, field by field.
type Question map[string]json.RawMessage

// Client reads questions through discovery (internal token, deadlines, retries).
type Client struct{ c *internalapi.Client }

// New returns a Client on c (a *discovery.Client).
func New(c internalapi.Caller) *Client { return &Client{c: internalapi.New(c)} }

// Question returns question id.
func (c *Client) Question(ctx context.Context, id string) (Question, error) {
	q, err := c.question(ctx, id)
	return Question(q.Fields), err
}

func (c *Client) question(ctx context.Context, id string) (internalapi.Question, error) {
	q, err := c.c.Question(ctx, id)
	if errors.Is(err, internalapi.ErrNotFound) {
		return q, ErrNotFound
	}
	if err != nil {
		return q, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if q.Fields == nil {
		return q, fmt.Errorf("%w: an empty answer", ErrUnavailable)
	}
	return q, nil
}
