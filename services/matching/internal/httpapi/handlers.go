package httpapi

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/matching/internal/invite"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

type api struct {
	tickets     *match.Service
	limit       Limiter
	invites     *invite.Service
	inviteLimit Limiter
}

// requireUser lets through only callers whose token names a user (a UUID).
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		cl := auth.ClaimsFrom(c)
		if cl == nil || uuid.Validate(cl.UserID()) != nil {
			return httperr.Unauthenticated("a user's access token is required")
		}
		return next(c)
	}
}

func userID(c echo.Context) string { return auth.ClaimsFrom(c).UserID() }

// create: 202 with the new ticket, 409 with the live one.
func (a *api) create(c echo.Context) error {
	var req ticketRequest
	if err := server.BindJSON(c, &req); err != nil {
		return err
	}
	// Cancelling is never limited; asking again is, so create/cancel
	// cycles cannot be repeated without end.
	if a.limit != nil {
		wait, err := a.limit.Take(c.Request().Context(), userID(c), 1)
		if err != nil {
			return httperr.Unavailable(err)
		}
		if wait > 0 {
			e := httperr.RateLimited(wait)
			e.Message = "you asked for a match too often; wait a little and try again"
			return e
		}
	}
	t, err := a.tickets.Enqueue(c.Request().Context(), userID(c), req.criteria())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, createdResponse{
		TicketID: t.ID, Status: string(match.StatusQueued), ExpiresAt: t.ExpiresAt,
		QueuedAt: t.QueuedAt, Criteria: toCriteria(t.Criteria), Relaxed: t.Relaxed,
	})
}

func (a *api) current(c echo.Context) error {
	t, err := a.tickets.Current(c.Request().Context(), userID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTicketResponse(t))
}

// cancel: 200 with the cancelled ticket, 409 with the match (or the end the
// ticket came to) when it can no longer be cancelled.
func (a *api) cancel(c echo.Context) error {
	t, err := a.tickets.Cancel(c.Request().Context(), userID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTicketResponse(t))
}
