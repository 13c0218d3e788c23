package httpapi

import (
	"errors"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// MapError turns matching-service's domain errors into API errors.
func MapError(err error) *httperr.Error {
	var ve *match.ValidationError
	switch {
	case errors.As(err, &ve):
		details := make([]httperr.FieldError, len(ve.Fields))
		for i, f := range ve.Fields {
			details[i] = httperr.FieldError{Field: f.Field, Message: f.Message}
		}
		return httperr.Validation(details...)
	case errors.Is(err, match.ErrNotFound):
		return httperr.NotFound("you have no ticket")
	case errors.Is(err, match.ErrUserGone):
		return httperr.Unauthenticated("this account no longer exists")
	case errors.Is(err, match.ErrUnavailable):
		return httperr.Unavailable(err)
	}
	return nil
}
