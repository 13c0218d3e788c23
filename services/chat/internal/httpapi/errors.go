package httpapi

import (
	"errors"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
	"github.com/peerprep/peerprep/services/chat/internal/ws"
)

// MapError turns chat-service's domain errors into API errors.
func MapError(err error) *httperr.Error {
	switch {
	case errors.Is(err, chat.ErrNotFound):
		// Unknown session and someone else's session look the same.
		return httperr.NotFound("no such chat room")
	case errors.Is(err, chat.ErrEnded):
		return httperr.Gone("the session has ended; its chat can be read but not joined")
	case errors.Is(err, chat.ErrUnknownUser):
		return httperr.Unauthenticated("the account of this access token no longer exists")
	case errors.Is(err, chat.ErrUnavailable), errors.Is(err, ws.ErrClosing):
		return httperr.Unavailable(err)
	}
	return nil
}
