package questions

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/peerprep/peerprep/libs/internalapi"
)

// maxExclude bounds the ids sent to exclude (a URL has its limits).
const maxExclude = 200

// SecondQuestion picks the question of a mock interview's second phase the
// way matching-service picks the first: a random question of the first's
// difficulty and topic that neither user attempted, else any other of that
// difficulty and topic; then the same for the first's other topics, then
// for any topic of that difficulty; the first question again only when it
// is the only one of its difficulty. (A second phase on the question just
// solved would be no interview at all.)
func (c *Client) SecondQuestion(ctx context.Context, first string, users [2]string) (string, error) {
	meta, err := c.question(ctx, first)
	if err != nil {
		return "", err
	}
	if meta.Difficulty == "" {
		return "", fmt.Errorf("%w: question %s without a difficulty", ErrUnavailable, first)
	}
	topics := append(slices.Clone(meta.Topics), "") // "" is any topic
	exclude := []string{first}
	for _, u := range users {
		// Best effort: without history the choice only avoids the first question.
		exclude = append(exclude, c.attempted(ctx, u)...)
	}
	for _, topic := range topics {
		for _, ex := range [][]string{exclude, {first}} {
			id, err := c.random(ctx, meta.Difficulty, topic, ex)
			if err == nil {
				return id, nil
			}
			if !errors.Is(err, ErrNotFound) {
				return "", err
			}
		}
	}
	return first, nil
}

func (c *Client) random(ctx context.Context, difficulty, topic string, exclude []string) (string, error) {
	slices.Sort(exclude)
	exclude = slices.Compact(exclude)
	if len(exclude) > maxExclude {
		exclude = exclude[:maxExclude]
	}
	out, err := c.c.RandomQuestion(ctx, internalapi.RandomQuery{Difficulty: difficulty, Topic: topic, Exclude: exclude})
	if errors.Is(err, internalapi.ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if out.ID == "" {
		return "", fmt.Errorf("%w: a random question without an id", ErrUnavailable)
	}
	return out.ID, nil
}

// attempted lists the questions user attempted, per history-service; nil
// when it cannot say.
func (c *Client) attempted(ctx context.Context, user string) []string {
	ids, err := c.c.AttemptedQuestionIDs(ctx, user)
	if err != nil {
		return nil
	}
	return ids
}
