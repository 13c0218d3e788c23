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
	var ve *question.ValidationError
	switch {
	case errors.As(err, &ve):
		return validation(ve.Fields)
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

func validation(fields []question.FieldError) *httperr.Error {
	details := make([]httperr.FieldError, len(fields))
	for i, f := range fields {
		details[i] = httperr.FieldError{Field: f.Field, Message: f.Message}
	}
	return httperr.Validation(details...)
}
