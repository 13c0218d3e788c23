package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/libs/validation"
	"github.com/peerprep/peerprep/services/execution/internal/run"
)

type api struct{ runs *run.Service }

func (a *api) create(c echo.Context) error {
	var req createRequest
	if err := server.BindJSON(c, &req); err != nil {
		return err
	}
	r := run.Request{
		UserID: auth.ClaimsFrom(c).UserID(), QuestionID: req.QuestionID, Language: req.Language,
		Code: req.Code, Mode: req.Mode, Stdin: req.Stdin,
	}
	if req.SessionID != nil {
		r.SessionID = *req.SessionID
		if r.SessionID == "" {
			return validation.Field("session_id", "must be a UUID")
		}
	}
	got, err := a.runs.Create(c.Request().Context(), r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toRunResponse(got))
}

func (a *api) list(c echo.Context) error {
	session := c.QueryParam("session_id")
	if session == "" {
		return validation.Field("session_id", "is required")
	}
	runs, err := a.runs.BySession(c.Request().Context(), session, auth.ClaimsFrom(c).UserID())
	if err != nil {
		return err
	}
	out := listResponse{Runs: make([]runResponse, len(runs))}
	for i, r := range runs {
		out.Runs[i] = toRunResponse(r)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *api) get(c echo.Context) error {
	r, err := a.runs.Get(c.Request().Context(), c.Param("id"), auth.ClaimsFrom(c).UserID())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toRunResponse(r))
}
