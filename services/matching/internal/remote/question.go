package remote

import (
	"context"
	"errors"
	"fmt"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/services/matching/internal/invite"
)

// Directory implements invite.Directory over question- and user-service.
type Directory struct {
	*Services
}

// NewDirectory returns the adapter over c.
func NewDirectory(c *internalapi.Client) *Directory { return &Directory{NewServices(c)} }

// Question implements invite.Directory.
func (d *Directory) Question(ctx context.Context, idOrSlug string) (invite.Question, error) {
	q, err := d.c.Question(ctx, idOrSlug)
	switch {
	case errors.Is(err, internalapi.ErrNotFound):
		return invite.Question{}, invite.ErrNotFound
	case err != nil:
		return invite.Question{}, err
	case q.ID == "":
		return invite.Question{}, fmt.Errorf("question-service: a question without an id")
	}
	return invite.Question{ID: q.ID, Title: q.Title, Difficulty: q.Difficulty, Topics: q.Topics}, nil
}
