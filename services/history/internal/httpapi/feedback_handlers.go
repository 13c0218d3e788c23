package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/history/internal/feedback"
)

type feedbackHandler struct {
	svc *feedback.Service
}

// give: 201 with the new feedback, 200 with the edited one.
func (h *feedbackHandler) give(c echo.Context) error {
	author, err := caller(c)
	if err != nil {
		return err
	}
	sessionID, ok := parseUUID(c.Param("id"))
	if !ok {
		return httperr.Validation(httperr.FieldError{Field: "id", Message: "must be a UUID"})
	}
	var req feedbackRequest
	if err := server.BindJSON(c, &req); err != nil {
		return err
	}
	in, err := req.toInput()
	if err != nil {
		return err
	}
	f, created, err := h.svc.Give(c.Request().Context(), author, sessionID, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, toGivenDTO(f))
}

func (h *feedbackHandler) exchange(c echo.Context) error {
	user, err := caller(c)
	if err != nil {
		return err
	}
	sessionID, ok := parseUUID(c.Param("id"))
	if !ok {
		return httperr.Validation(httperr.FieldError{Field: "id", Message: "must be a UUID"})
	}
	x, err := h.svc.Exchange(c.Request().Context(), user, sessionID)
	if err != nil {
		return err
	}
	out := exchangeResponse{SessionID: sessionID.String()}
	if x.Given != nil {
		out.Given = ptr(toGivenDTO(*x.Given))
	}
	if x.Received != nil {
		out.Received = ptr(toReceivedDTO(*x.Received))
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

func (h *feedbackHandler) summary(c echo.Context) error {
	user, err := caller(c)
	if err != nil {
		return err
	}
	a, err := h.svc.Averages(c.Request().Context(), user)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSummaryResponse(a))
}

func (h *feedbackHandler) pending(c echo.Context) error {
	user, err := caller(c)
	if err != nil {
		return err
	}
	ps, err := h.svc.Pending(c.Request().Context(), user)
	if err != nil {
		return err
	}
	out := pendingResponse{Items: make([]pendingDTO, len(ps))}
	for i, p := range ps {
		out.Items[i] = toPendingDTO(p)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}
