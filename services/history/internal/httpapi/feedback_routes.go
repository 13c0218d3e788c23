package httpapi

import (
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/services/history/internal/feedback"
)

// FeedbackRoutes registers the feedback API on e: what the two
// participants of a session say about each other.
func FeedbackRoutes(e *echo.Echo, svc *feedback.Service, verifier *auth.Verifier) {
	h := &feedbackHandler{svc: svc}
	user := auth.Authenticate(verifier)
	g := e.Group(Prefix)

	g.PUT("/sessions/:id/feedback", h.give, user)
	g.GET("/sessions/:id/feedback", h.exchange, user)
	g.GET("/feedback/received/summary", h.summary, user)
	g.GET("/feedback/pending", h.pending, user)
}
