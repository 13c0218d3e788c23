package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/libs/socket"
	"github.com/peerprep/peerprep/services/collaboration/internal/room"
	"github.com/peerprep/peerprep/services/collaboration/internal/session"
)

func (a *API) createSession(c echo.Context) error {
	var in createRequest
	if err := server.BindJSON(c, &in); err != nil {
		return err
	}
	s, created, err := a.sessions.Create(c.Request().Context(), session.NewSession{
		MatchID: in.MatchID, UserIDs: in.UserIDs, QuestionID: in.QuestionID, Language: in.Language,
		Mode: in.Mode, InterviewerID: in.InterviewerID,
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, createResponse{SessionID: s.ID})
}

func (a *API) internalSession(c echo.Context) error {
	s, err := a.sessions.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toInternalSessionDTO(s))
}

// internalCurrentSession is the active session a user is in and has not
// left (matching-service asks before queueing a ticket), or 404.
func (a *API) internalCurrentSession(c echo.Context) error {
	s, err := a.sessions.Current(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSessionDTO(s))
}

func userID(c echo.Context) string { return auth.ClaimsFrom(c).UserID() }

func (a *API) getSession(c echo.Context) error {
	s, err := a.sessions.GetFor(c.Request().Context(), c.Param("id"), userID(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, toParticipantDTO(s))
}

func (a *API) currentSession(c echo.Context) error {
	s, err := a.sessions.Current(c.Request().Context(), userID(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, toParticipantDTO(s))
}

func (a *API) saveSnapshot(c echo.Context) error {
	var in snapshotRequest
	if err := server.BindJSON(c, &in); err != nil {
		return err
	}
	err := a.sessions.SaveSnapshot(c.Request().Context(), c.Param("id"), userID(c),
		session.Snapshot{Code: *in.Code, Language: in.Language, QuestionID: in.QuestionID})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) leave(c echo.Context) error {
	s, err := a.sessions.Leave(c.Request().Context(), c.Param("id"), userID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toParticipantDTO(s))
}

// socket opens the shared editor. Everything that can refuse it — token,
// participant, session still active, this replica able to serve it — is
// decided before the upgrade, so refusals are JSON errors.
func (a *API) socket(c echo.Context) error {
	req := c.Request()
	user := userID(c)
	s, err := a.sessions.Authorize(req.Context(), c.Param("id"), user)
	if errors.Is(err, session.ErrNotParticipant) {
		// As GET /sessions/{id}: whether a session exists is not told to
		// someone outside it.
		return session.ErrNotFound
	}
	if err != nil {
		return err
	}
	if err := socket.Check(req, a.origins); err != nil {
		return err
	}
	var expires time.Time
	if exp := auth.ClaimsFrom(c).ExpiresAt; exp != nil {
		expires = exp.Time
	}
	conn, err := a.hub.Join(req.Context(), s.ID, user, expires)
	if errors.Is(err, room.ErrEnded) {
		return session.ErrEnded
	}
	if errors.Is(err, room.ErrTooMany) {
		e := httperr.New(http.StatusTooManyRequests, "rate_limited", "you have too many editors open for this session; close one and try again")
		e.RetryAfter = 5 * time.Second
		return e
	}
	if err != nil {
		return httperr.Unavailable(err)
	}
	conn.Serve(c.Response(), req)
	return nil
}
