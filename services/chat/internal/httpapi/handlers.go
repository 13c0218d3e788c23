package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/libs/socket"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
	"github.com/peerprep/peerprep/services/chat/internal/ws"
)

// roomSocket is GET /rooms/{session_id}/ws. Everything that can refuse —
// the token, the session, the caller's place in it, Redis — is checked
// before the upgrade, so a refusal is an ordinary JSON error.
func (a *API) roomSocket(c echo.Context) error {
	req := c.Request()
	ctx := req.Context()
	p, err := a.chat.Join(ctx, c.Param("session_id"), auth.ClaimsFrom(c).UserID())
	if err != nil {
		return err
	}
	if err := socket.Check(req, a.origins); err != nil {
		return err
	}
	conn, err := a.hub.Join(ctx, p)
	if errors.Is(err, ws.ErrClosing) {
		return err
	}
	if errors.Is(err, ws.ErrTooMany) {
		e := httperr.New(http.StatusTooManyRequests, "rate_limited", "you have too many chats open for this session; close one and try again")
		e.RetryAfter = 5 * time.Second
		return e
	}
	if err != nil {
		return httperr.Unavailable(err)
	}
	sock, err := socket.Accept(c.Response(), req, 0) // Serve sets the read limit
	if err != nil {
		a.hub.Abort(conn) // Accept has answered the client
		return nil
	}
	var expires time.Time
	if exp := auth.ClaimsFrom(c).ExpiresAt; exp != nil {
		expires = exp.Time
	}
	a.hub.Serve(conn, sock, expires)
	return nil
}

// history is GET /rooms/{session_id}/messages?before=<id>&limit=50.
func (a *API) history(c echo.Context) error {
	var fields []httperr.FieldError
	limit := 50
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > chat.MaxPageSize {
			fields = append(fields, httperr.FieldError{Field: "limit", Message: "must be a whole number from 1 to " + strconv.Itoa(chat.MaxPageSize)})
		}
		limit = n
	}
	var before *chat.ID
	if v := c.QueryParam("before"); v != "" {
		id, err := chat.ParseID(v)
		if err != nil {
			fields = append(fields, httperr.FieldError{Field: "before", Message: "must be a message id"})
		}
		before = &id
	}
	if len(fields) > 0 {
		return httperr.Validation(fields...)
	}
	page, err := a.chat.History(c.Request().Context(), c.Param("session_id"), auth.ClaimsFrom(c).UserID(), before, limit)
	if err != nil {
		return err
	}
	out := pageDTO{Items: make([]messageDTO, len(page.Messages)), HasMore: page.HasMore}
	for i, m := range page.Messages {
		out.Items[i] = toMessageDTO(m)
	}
	if page.HasMore && len(page.Messages) > 0 {
		out.NextBefore = page.Messages[0].ID.String()
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}
