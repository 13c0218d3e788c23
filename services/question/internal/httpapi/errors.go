package httpapi

import (
	"errors"
	"net/http"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/question/internal/question"
)

// MapError turns the domain's errors into API errors for the shared error
// handler; anything else is not the caller's fault and becomes a 500 there.
func MapError(err error) *httperr.Error {
	switch {
	case errors.Is(err, question.ErrNotFound):
		return httperr.NotFound("question not found")
	case errors.Is(err, question.ErrPreconditionFailed):
		return httperr.New(http.StatusPreconditionFailed, "precondition_failed",
			"the question was changed since you read it; read it again and reapply your edit")
	case errors.Is(err, question.ErrSlugTaken):
		return httperr.Conflict("another question already has the slug this title makes")
	}
	return nil
}
