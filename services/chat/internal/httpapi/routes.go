// Package httpapi is chat-service's HTTP API (ARCHITECTURE §4
// chat-service): the room WebSocket, authorised before the upgrade, and
// the history route; request and response shapes and the mapping of domain
// errors.
package httpapi

import (
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/socket"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
	"github.com/peerprep/peerprep/services/chat/internal/ws"
)

// Prefix is where the ALB routes chat-service.
const Prefix = "/chat-service-api"

// API holds what the handlers need.
type API struct {
	chat    *chat.Service
	hub     *ws.Hub
	origins socket.Origins
}

// Options configure Register.
type Options struct {
	Chat     *chat.Service
	Hub      *ws.Hub
	Verifier *auth.Verifier
	// Origins are the browser origins allowed to open sockets from another
	// host (CORS_ALLOWED_ORIGINS); the service's own host always is.
	Origins []string
}

// Register mounts every route.
func Register(e *echo.Echo, o Options) {
	a := &API{chat: o.Chat, hub: o.Hub, origins: o.Origins}
	g := e.Group(Prefix)
	g.GET("/rooms/:session_id/ws", a.roomSocket, auth.AuthenticateWS(o.Verifier))
	g.GET("/rooms/:session_id/messages", a.history, auth.Authenticate(o.Verifier))
}
