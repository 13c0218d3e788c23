// Package httpapi is history-service's HTTP API: routes, request and
// response shapes, and the mapping of domain errors to API errors.
package httpapi

import (
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
	"github.com/peerprep/peerprep/services/history/internal/feedback"
)

// Prefix is where the whole API lives behind the load balancer.
const Prefix = internalapi.HistoryPrefix

// Options are what the API needs.
type Options struct {
	Attempts      *attempt.Service
	Feedback      *feedback.Service
	Notes         *feedback.NotesService
	Verifier      *auth.Verifier
	InternalToken string
}

// Register mounts the whole API on e: attempts, feedback and notes.
func Register(e *echo.Echo, o Options) {
	Routes(e, o.Attempts, o.Verifier, o.InternalToken)
	FeedbackRoutes(e, o.Feedback, o.Verifier)
	NotesRoutes(e, o.Notes, o.Verifier)
}

// Routes registers the attempts API on e. Guards are attached per route, not per
// group, so an unknown path is a 404 rather than a 401.
func Routes(e *echo.Echo, svc *attempt.Service, verifier *auth.Verifier, internalToken string) {
	h := &handler{svc: svc}
	user := auth.Authenticate(verifier)
	internal := auth.InternalOnly(internalToken)
	g := e.Group(Prefix)

	// For other services (the load balancer blocks /internal/).
	g.POST("/internal/attempts", h.recordAttempt, internal)
	g.GET("/internal/users/:id/attempted-question-ids", h.attemptedQuestionIDs, internal)
	g.GET("/internal/attempted-question-ids", h.attemptedQuestionIDsOf, internal)
	g.POST("/internal/no-shows", h.recordNoShow, internal)

	// For the signed-in user, about their own attempts only.
	g.GET("/attempts", h.listAttempts, user)
	g.GET("/attempts/:id", h.getAttempt, user)
	g.GET("/attempted-questions", h.attemptedQuestions, user)
	g.GET("/stats", h.stats, user)
}
