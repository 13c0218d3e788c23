// Package httpapi is execution-service's HTTP API (ARCHITECTURE §4
// execution-service): create a run, read one, list a session's; request
// and response shapes and the mapping of domain errors.
package httpapi

import (
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/services/execution/internal/run"
)

// Prefix is where the ALB routes execution-service.
const Prefix = "/execution-service-api"

// Options configure Register.
type Options struct {
	Runs     *run.Service
	Verifier *auth.Verifier
}

// Register mounts every route.
func Register(e *echo.Echo, o Options) {
	a := &api{runs: o.Runs}
	g := e.Group(Prefix, auth.Authenticate(o.Verifier))
	g.POST("/runs", a.create)
	g.GET("/runs", a.list)
	g.GET("/runs/:id", a.get)
}
