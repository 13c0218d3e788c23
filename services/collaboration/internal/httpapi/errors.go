package httpapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/collaboration/internal/session"
)

// MapError turns collaboration-service's domain errors into API errors.
func MapError(err error) *httperr.Error {
	if e := mapInterviewError(err); e != nil {
		return e
	}
	switch {
	case errors.Is(err, session.ErrNotFound):
		return httperr.NotFound("session not found")
	case errors.Is(err, session.ErrNotParticipant):
		return httperr.Forbidden("you are not a participant of this session")
	case errors.Is(err, session.ErrEnded):
		return httperr.Gone("the session has ended")
	case errors.Is(err, session.ErrLeft):
		return httperr.Gone("you left this session")
	case errors.Is(err, session.ErrJoined):
		return httperr.Conflict("the participant joined the session, or it ended otherwise")
	case errors.Is(err, session.ErrMatchConflict):
		return httperr.Conflict("this match already has a session with other participants")
	case errors.Is(err, session.ErrCodeTooLarge):
		return httperr.New(http.StatusRequestEntityTooLarge, "payload_too_large",
			fmt.Sprintf("the code exceeds %d bytes", session.MaxCodeBytes))
	}
	return nil
}
