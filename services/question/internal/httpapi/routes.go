// Package httpapi is question-service's HTTP API: routes, request and
// response shapes, query parsing and the mapping of domain errors to API
// errors.
package httpapi

import (
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/services/question/internal/question"
)

// Prefix is where the ALB routes question-service's traffic.
const Prefix = internalapi.QuestionPrefix

// Options are what the API needs.
type Options struct {
	Questions     *question.Service
	Cache         *Cache // nil: no cache
	Verifier      *auth.Verifier
	InternalToken string
}

// Register mounts the API on e. Reads take a user's access token or the
// internal service token; writes need an admin's access token.
func Register(e *echo.Echo, o Options) {
	svc, cache, verifier, internalToken := o.Questions, o.Cache, o.Verifier, o.InternalToken
	h := &handlers{svc: svc, cache: cache}
	read := auth.UserOrInternal(verifier, internalToken)
	admin := []echo.MiddlewareFunc{auth.Authenticate(verifier), auth.RequireRole(auth.RoleAdmin)}

	g := e.Group(Prefix)
	g.GET("/questions", h.list, read)
	// A static segment outranks :id in echo's router, and no question can
	// have the slug "random" (question.ReservedSlug).
	g.GET("/questions/random", h.random, read)
	g.GET("/questions/:id", h.get, read)
	g.GET("/topics", h.topics, read)

	g.POST("/questions", h.create, admin...)
	g.PUT("/questions/:id", h.update, admin...)
	g.DELETE("/questions/:id", h.delete, admin...)

	// Other services only: every test case, hidden ones included.
	g.GET("/internal/questions/:id/tests", h.tests, auth.InternalOnly(internalToken))
}
