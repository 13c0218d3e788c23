// Package httpapi is user-service's HTTP API (ARCHITECTURE §4 user-service):
// routes, request and response shapes, and the mapping of domain errors.
package httpapi

import (
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/services/user/internal/user"
)

// Prefix is where the ALB routes user-service.
const Prefix = internalapi.UserPrefix

// API holds what the handlers need.
type API struct {
	users  *user.Service
	jwks   auth.JWKS
	secure bool // Secure attribute on the refresh cookie
}

// Options configure Register.
type Options struct {
	Users          *user.Service
	Verifier       *auth.Verifier
	JWKS           auth.JWKS
	InternalToken  string
	InsecureCookie bool // only for plain-HTTP local use without localhost
}

// Register mounts every route.
func Register(e *echo.Echo, o Options) {
	a := &API{users: o.Users, jwks: o.JWKS, secure: !o.InsecureCookie}
	g := e.Group(Prefix)

	g.GET("/.well-known/jwks.json", a.jwksDoc)

	g.POST("/auth/signup", a.signup)
	g.POST("/auth/login", a.login)
	g.POST("/auth/refresh", a.refresh)
	g.POST("/auth/logout", a.logout)

	authed := auth.Authenticate(o.Verifier)
	admin := auth.RequireRole(auth.RoleAdmin)
	g.GET("/users/me", a.me, authed)
	g.PATCH("/users/me", a.updateMe, authed)
	g.PUT("/users/me/password", a.changePassword, authed)
	g.DELETE("/users/me", a.deleteMe, authed)
	g.GET("/users/:id", a.profile, authed)
	g.GET("/users", a.list, authed, admin)
	g.PATCH("/users/:id/role", a.setRole, authed, admin)

	g.GET("/internal/users/:id", a.internalUser, auth.InternalOnly(o.InternalToken))
}
