// Package peers calls the PeerPrep services history-service depends on —
// question-service for question snapshots and user-service for partner
// usernames — through discovery.
package peers

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
)

// Questions reads questions from question-service.
type Questions struct {
	disc *discovery.Client
}

// NewQuestions returns a question-service client on disc (which carries
// the internal token, timeouts and retries).
func NewQuestions(disc *discovery.Client) *Questions { return &Questions{disc: disc} }

var _ attempt.Questions = (*Questions)(nil)

type questionBody struct {
	ID         string   `json:"id"`
	Slug       string   `json:"slug"`
	Title      string   `json:"title"`
	Difficulty string   `json:"difficulty"`
	Topics     []string `json:"topics"`
}

// Question implements attempt.Questions.
func (q *Questions) Question(ctx context.Context, id uuid.UUID) (attempt.Question, error) {
	var b questionBody
	err := q.disc.GetJSON(ctx, "question-service", "/question-service-api/questions/"+id.String(), &b)
	if discovery.IsNotFound(err) {
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
