// Package httpapi is matching-service's HTTP API (ARCHITECTURE §4
// matching-service): routes, request and response shapes, and the mapping
// of domain errors.
package httpapi

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/services/matching/internal/invite"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// Prefix is where the ALB routes matching-service.
const Prefix = "/matching-service-api"

// Options configure Register.
type Options struct {
	Tickets  *match.Service
	Verifier *auth.Verifier
	// Socket serves GET /ws once the token is verified (ws.Hub.Handle).
	Socket echo.HandlerFunc
	// Tickets limits how often a user may ask for a ticket, across
	// replicas (a quota.Bucket); nil means no limit.
	TicketLimit Limiter
	// Invites, when set, serves /invites; InviteLimit limits their creation.
	Invites     *invite.Service
	InviteLimit Limiter
}

// Limiter takes cost from key's allowance; a positive wait means refused.
type Limiter interface {
	Take(ctx context.Context, key string, cost float64) (wait time.Duration, err error)
}

// Register mounts every route. All of them need a user's access token.
func Register(e *echo.Echo, o Options) {
	a := &api{tickets: o.Tickets, limit: o.TicketLimit, invites: o.Invites, inviteLimit: o.InviteLimit}
	g := e.Group(Prefix)
	user := auth.Authenticate(o.Verifier)
	g.POST("/tickets", a.create, user, requireUser)
	g.GET("/tickets/current", a.current, user, requireUser)
	g.DELETE("/tickets/current", a.cancel, user, requireUser)
	if o.Invites != nil {
		g.POST("/invites", a.createInvite, user, requireUser)
		g.GET("/invites/:code", a.getInvite, user, requireUser)
		g.DELETE("/invites/:code", a.cancelInvite, user, requireUser)
		g.POST("/invites/:code/accept", a.acceptInvite, user, requireUser)
	}
	// The token is checked before the upgrade, so a refusal is a JSON error.
	g.GET("/ws", o.Socket, auth.AuthenticateWS(o.Verifier), requireUser)
}
