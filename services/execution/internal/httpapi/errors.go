package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/execution/internal/run"
)

// MapError turns execution-service's domain errors into API errors.
func MapError(err error) *httperr.Error {
	var rl *run.RateLimitedError
	switch {
	case errors.As(err, &rl):
		e := httperr.RateLimited(rl.RetryAfter)
		e.Message = "you ran code too often; wait a little and try again"
		return e
	case errors.Is(err, run.ErrBusy):
		e := httperr.New(http.StatusTooManyRequests, "busy", "too many runs at once; try again in a moment")
		e.RetryAfter = time.Second
		return e
	case errors.Is(err, run.ErrNotFound):
		return httperr.NotFound("no such run, question or session")
	case errors.Is(err, run.ErrForbidden):
		return httperr.Forbidden("you are not a participant of this session")
	case errors.Is(err, run.ErrNoTestCases):
		return httperr.New(http.StatusUnprocessableEntity, "no_test_cases", "this question has no test cases to run yet")
	case errors.Is(err, run.ErrNotReady):
		e := httperr.Unavailable(err)
		e.Message = "the interpreters are still starting; try again in a few seconds"
		e.RetryAfter = 2 * time.Second
		return e
	case errors.Is(err, run.ErrUnavailable):
		return httperr.Unavailable(err)
	}
	return nil
}
