package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/history/internal/feedback"
)

// NotesRoutes registers a participant's private notes on a session.
func NotesRoutes(e *echo.Echo, svc *feedback.NotesService, verifier *auth.Verifier) {
	h := &notesHandler{svc: svc}
	user := auth.Authenticate(verifier)
	g := e.Group(Prefix)
	g.PUT("/sessions/:id/notes", h.save, user)
	g.GET("/sessions/:id/notes", h.get, user)
}

type notesHandler struct{ svc *feedback.NotesService }

type notesRequest struct {
	Notes *string `json:"notes"`
}

type notesResponse struct {
	SessionID string     `json:"session_id"`
	Notes     string     `json:"notes"`
	UpdatedAt *time.Time `json:"updated_at"` // null before any were saved
}

func toNotesResponse(n feedback.Notes) notesResponse {
	r := notesResponse{SessionID: n.SessionID.String(), Notes: n.Text}
	if !n.UpdatedAt.IsZero() {
		r.UpdatedAt = &n.UpdatedAt
	}
	return r
}

func (h *notesHandler) save(c echo.Context) error {
	user, err := caller(c)
	if err != nil {
		return err
	}
	sid, ok := parseUUID(c.Param("id"))
	if !ok {
		return httperr.Validation(httperr.FieldError{Field: "id", Message: "must be a UUID"})
	}
	var req notesRequest
	if err := server.BindJSON(c, &req); err != nil {
		return err
	}
	if req.Notes == nil {
		return httperr.Validation(httperr.FieldError{Field: "notes", Message: "is required"})
	}
	n, err := h.svc.Save(c.Request().Context(), user, sid, *req.Notes)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toNotesResponse(n))
}

func (h *notesHandler) get(c echo.Context) error {
	user, err := caller(c)
	if err != nil {
		return err
	}
	sid, ok := parseUUID(c.Param("id"))
	if !ok {
		return httperr.Validation(httperr.FieldError{Field: "id", Message: "must be a UUID"})
	}
	n, err := h.svc.Get(c.Request().Context(), user, sid)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, toNotesResponse(n))
}
