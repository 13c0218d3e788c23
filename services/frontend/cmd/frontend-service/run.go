package main

import (
	"context"
	"errors"
	"io"

	"github.com/peerprep/peerprep/libs/service"
	"github.com/peerprep/peerprep/services/frontend/internal/config"
	"github.com/peerprep/peerprep/services/frontend/internal/httpapi"
	"github.com/peerprep/peerprep/services/frontend/internal/webapp"
	"github.com/peerprep/peerprep/services/frontend/web"
)

// run is the whole program; main only supplies the process's context,
// arguments, environment and stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	return service.Run(ctx, args, getenv, stdout, service.Spec[config.Config]{
		Name: config.Service, Load: config.Load,
		Wire: wire,
	})
}

// wire lists frontend-service's parts: the built app, or in local
// development a page saying how to build it.
func wire(_ context.Context, s *service.Service[config.Config]) error {
	var site *webapp.Site
	if app := web.App(); app != nil {
		var err error
		if site, err = webapp.Load(app); err != nil {
			return err
		}
	} else if s.Config.Deployed() {
		// An image without the app must fail its deploy, not serve a
		// page about building it.
		return errors.New("this binary has no web build (npm run build in services/frontend/web, then build again)")
	} else {
		s.Log.Warn("no web build embedded: every page says how to build it (npm ci && npm run build in services/frontend/web)")
	}
	httpapi.Register(s.Echo, httpapi.Options{Site: site})
	return nil
}
