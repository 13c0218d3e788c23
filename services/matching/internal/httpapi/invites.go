package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/matching/internal/invite"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// inviteRequest is POST /invites: question_id, or topic and difficulty.
type inviteRequest struct {
	QuestionID  string `json:"question_id"`
	Topic       string `json:"topic"`
	Difficulty  string `json:"difficulty"`
	Language    string `json:"language"`
	Mode        string `json:"mode"`
	InviterRole string `json:"inviter_role"`
}

// inviteResponse is an invite as its inviter and its friend see it. The
// code is the secret of the link; only someone who has it can read this.
type inviteResponse struct {
	ID          string     `json:"id"`
	Code        string     `json:"code"`
	Path        string     `json:"path"`
	Inviter     inviteUser `json:"inviter"`
	Question    *inviteQ   `json:"question"`
	Topic       string     `json:"topic"`
	Difficulty  string     `json:"difficulty"`
	Language    string     `json:"language"`
	Mode        string     `json:"mode"`
	InviterRole string     `json:"inviter_role,omitempty"`
	Status      string     `json:"status"` // open, used, cancelled, expired
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	YourInvite  bool       `json:"your_invite"`
}

type inviteUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

type inviteQ struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

func toInviteResponse(inv invite.Invite, me string) inviteResponse {
	r := inviteResponse{
		ID: inv.ID, Code: inv.Code, Path: "/invite/" + inv.Code,
		Inviter: inviteUser{ID: inv.InviterID, Username: inv.InviterName},
		Topic:   inv.Topic, Difficulty: inv.Difficulty, Language: inv.Language, Mode: inv.Mode,
		InviterRole: inv.InviterRole, Status: inv.Status, CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt,
		YourInvite: inv.InviterID == me,
	}
	if inv.QuestionID != "" {
		r.Question = &inviteQ{ID: inv.QuestionID, Title: inv.QuestionTitle}
	}
	return r
}

// createInvite: 201 with the invite and its link path.
func (a *api) createInvite(c echo.Context) error {
	var req inviteRequest
	if err := server.BindJSON(c, &req); err != nil {
		return err
	}
	// A malformed request costs nothing; a well-formed one counts, found or not.
	if err := invite.Request(req).Validate(); err != nil {
		return err
	}
	if a.inviteLimit != nil {
		wait, err := a.inviteLimit.Take(c.Request().Context(), userID(c), 1)
		if err != nil {
			return httperr.Unavailable(err)
		}
		if wait > 0 {
			e := httperr.RateLimited(wait)
			e.Message = "you created invites too often; wait a little and try again"
			return e
		}
	}
	inv, err := a.invites.Create(c.Request().Context(), userID(c), invite.Request(req))
	if err != nil {
		return a.inviteFail(c, err)
	}
	return c.JSON(http.StatusCreated, toInviteResponse(inv, userID(c)))
}

func (a *api) getInvite(c echo.Context) error {
	inv, err := a.invites.Get(c.Request().Context(), c.Param("code"))
	if err != nil {
		return a.inviteFail(c, err)
	}
	return c.JSON(http.StatusOK, toInviteResponse(inv, userID(c)))
}

func (a *api) cancelInvite(c echo.Context) error {
	inv, err := a.invites.Cancel(c.Request().Context(), c.Param("code"), userID(c))
	if err != nil {
		return a.inviteFail(c, err)
	}
	return c.JSON(http.StatusOK, toInviteResponse(inv, userID(c)))
}

// acceptInvite: 200 with the matched ticket (its match names the
// session), 202 with the ticket while the session is still being set up
// (the caller then watches GET /tickets/current or the socket).
func (a *api) acceptInvite(c echo.Context) error {
	t, err := a.invites.Accept(c.Request().Context(), c.Param("code"), userID(c))
	if err != nil {
		return a.inviteFail(c, err)
	}
	switch {
	case t.Status == match.StatusFailed:
		return httperr.New(http.StatusServiceUnavailable, "setup_failed", t.Reason)
	case t.Status == match.StatusMatched:
		return c.JSON(http.StatusOK, toTicketResponse(t))
	}
	return c.JSON(http.StatusAccepted, toTicketResponse(t))
}

func (a *api) inviteFail(c echo.Context, err error) error {
	var ge *invite.GoneError
	var re *invite.RefusedError
	switch {
	case errors.Is(err, invite.ErrNotFound):
		return httperr.NotFound("there is no such invite; check the link, or it may have expired long ago")
	case errors.Is(err, invite.ErrForbidden):
		return httperr.Forbidden("only the person who created an invite can cancel it")
	case errors.As(err, &ge):
		return httperr.New(http.StatusGone, "invite_"+ge.Status, ge.Message())
	case errors.As(err, &re):
		return httperr.New(http.StatusConflict, re.Code, re.Message)
	}
	var ce *match.ConflictError
	if errors.As(err, &ce) {
		return httperr.New(http.StatusConflict, "conflict", ce.Message)
	}
	return err // in_session and the rest: MapError
}
