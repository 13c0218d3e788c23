package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
)

// MapError turns history's domain errors into API errors for the shared
// error handler; it returns nil for errors it does not know (a 500).
func MapError(err error) *httperr.Error {
	if e := mapFeedbackError(err); e != nil {
		return e
	}
	switch {
	case errors.Is(err, attempt.ErrUnknownTimeZone):
		return httperr.Validation(tzFieldError)
	case errors.Is(err, attempt.ErrNotFound):
		return httperr.NotFound("attempt not found")
	case errors.Is(err, attempt.ErrCodeTooLarge):
		return httperr.New(http.StatusRequestEntityTooLarge, "payload_too_large",
			fmt.Sprintf("code must be at most %d bytes", attempt.MaxCodeBytes))
	case errors.Is(err, context.DeadlineExceeded):
		return httperr.Unavailable(err)
	}
	return nil
}

var tzFieldError = httperr.FieldError{Field: "tz", Message: "must be an IANA time zone name such as Europe/Zurich"}
