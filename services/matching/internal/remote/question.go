package remote

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/peerprep/peerprep/services/matching/internal/invite"
)

// Directory implements invite.Directory over question- and user-service.
type Directory struct {
	*Services
}

// NewDirectory returns the client over c.
func NewDirectory(c Caller) *Directory { return &Directory{NewServices(c)} }

// Question implements invite.Directory.
func (d *Directory) Question(ctx context.Context, idOrSlug string) (invite.Question, error) {
	var out struct {
		ID         string   `json:"id"`
		Title      string   `json:"title"`
		Difficulty string   `json:"difficulty"`
		Topics     []string `json:"topics"`
	}
	err := d.c.GetJSON(ctx, "question-service", "/question-service-api/questions/"+url.PathEscape(idOrSlug), &out)
	switch {
	case status(err) == http.StatusNotFound:
		return invite.Question{}, invite.ErrNotFound
	case err != nil:
		return invite.Question{}, err
	case out.ID == "":
		return invite.Question{}, fmt.Errorf("question-service: a question without an id")
	}
	return invite.Question{ID: out.ID, Title: out.Title, Difficulty: out.Difficulty, Topics: out.Topics}, nil
}
