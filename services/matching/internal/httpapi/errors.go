package httpapi

import (
	"errors"
	"net/http"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// MapError turns matching-service's domain errors into API errors. A
// conflict carries the ticket (and its match) or the session it is about
// beside the error.
func MapError(err error) *httperr.Error {
	var (
		ie *match.InSessionError
		ce *match.ConflictError
	)
	switch {
	case errors.As(err, &ie):
		return httperr.New(http.StatusConflict, "in_session", "you are in a session; leave it before asking for a new match").
			With("session_id", ie.SessionID)
	case errors.As(err, &ce):
		tr := toTicketResponse(ce.Ticket)
		e := httperr.Conflict(ce.Message).With("ticket", tr)
		if tr.Match != nil {
			e.With("match", tr.Match)
		}
		return e
	case errors.Is(err, match.ErrNotFound):
		return httperr.NotFound("you have no ticket")
	case errors.Is(err, match.ErrUserGone):
		return httperr.Unauthenticated("this account no longer exists")
	case errors.Is(err, match.ErrUnavailable):
		return httperr.Unavailable(err)
	}
	return nil
}
