// Package httpapi is collaboration-service's HTTP API (ARCHITECTURE §4
// collaboration-service, docs/internal-apis.md): routes, request and
// response shapes, and the mapping of domain errors.
package httpapi

import (
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/socket"
	"github.com/peerprep/peerprep/services/collaboration/internal/interview"
	"github.com/peerprep/peerprep/services/collaboration/internal/room"
	"github.com/peerprep/peerprep/services/collaboration/internal/session"
)

// Prefix is where the ALB routes collaboration-service.
const Prefix = internalapi.CollaborationPrefix

// Options configure Register.
type Options struct {
	Sessions      *session.Service
	Hub           *room.Hub
	Verifier      *auth.Verifier
	InternalToken string
	CORSOrigins   []string // browser origins allowed to open sockets besides the service's own host
	Interviews    *interview.Service
	Questions     Questions // the session's question, through question-service
}

// API holds what the handlers need.
type API struct {
	sessions *session.Service
	hub      *room.Hub
	origins  socket.Origins // besides our own host, who may open sockets from a browser
}

// Register mounts every route.
func Register(e *echo.Echo, o Options) {
	a := &API{sessions: o.Sessions, hub: o.Hub, origins: o.CORSOrigins}
	g := e.Group(Prefix)

	internal := auth.InternalOnly(o.InternalToken)
	g.POST("/internal/sessions", a.createSession, internal)
	g.GET("/internal/sessions/:id", a.internalSession, internal)
	g.GET("/internal/users/:id/current-session", a.internalCurrentSession, internal)

	user := auth.Authenticate(o.Verifier)
	g.GET("/sessions/current", a.currentSession, user)
	g.GET("/sessions/:id", a.getSession, user)
	g.PUT("/sessions/:id/snapshot", a.saveSnapshot, user)
	g.POST("/sessions/:id/leave", a.leave, user)
	// Authorised before the upgrade: refusals are JSON errors.
	g.GET("/sessions/:id/ws", a.socket, auth.AuthenticateWS(o.Verifier))

	RegisterInterview(e, o.Interviews, o.Verifier)
	RegisterSessionQuestion(e, o.Sessions, o.Interviews, o.Questions, o.Verifier)
}
