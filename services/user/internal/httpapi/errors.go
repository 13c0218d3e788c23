package httpapi

import (
	"errors"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/user/internal/user"
)

// MapError turns user-service's domain errors into API errors.
func MapError(err error) *httperr.Error {
	var rl *user.RateLimitedError
	switch {
	case errors.As(err, &rl):
		return httperr.RateLimited(rl.RetryAfter)
	case errors.Is(err, user.ErrNotFound):
		return httperr.NotFound("user not found")
	case errors.Is(err, user.ErrUsernameTaken):
		return httperr.Conflict("that username is taken")
	case errors.Is(err, user.ErrEmailTaken):
		return httperr.Conflict("an account with that email exists")
	case errors.Is(err, user.ErrInvalidCredentials):
		return httperr.Unauthenticated("the email/username or password is incorrect")
	case errors.Is(err, user.ErrRefreshInvalid), errors.Is(err, user.ErrRefreshReused):
		return httperr.Unauthenticated("the refresh token is invalid or expired; sign in again")
	case errors.Is(err, user.ErrWrongPassword):
		return httperr.Forbidden("the current password is incorrect")
	}
	return nil
}
