package httpapi

import (
	"errors"
	"net/http"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/history/internal/feedback"
)

// mapFeedbackError maps the feedback domain's errors; nil for others.
func mapFeedbackError(err error) *httperr.Error {
	switch {
	case errors.Is(err, feedback.ErrSessionNotFound):
		return httperr.NotFound("session not found")
	case errors.Is(err, feedback.ErrNotParticipant):
		return httperr.Forbidden("only the two participants of a session give each other feedback")
	case errors.Is(err, feedback.ErrSessionInProgress):
		return httperr.New(http.StatusConflict, "session_in_progress", "leave the session before giving feedback")
	case errors.Is(err, feedback.ErrEditWindowClosed):
		return httperr.New(http.StatusConflict, "edit_window_closed", "feedback can be changed for 24 hours after it is given")
	case errors.Is(err, feedback.ErrSessionsUnavailable):
		return httperr.Unavailable(err)
	}
	return nil
}
