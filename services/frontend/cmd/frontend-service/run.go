package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/peerprep/peerprep/libs/buildinfo"
	libconfig "github.com/peerprep/peerprep/libs/config"
	"github.com/peerprep/peerprep/libs/health"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/frontend/internal/config"
	"github.com/peerprep/peerprep/services/frontend/internal/httpapi"
	"github.com/peerprep/peerprep/services/frontend/internal/webapp"
	"github.com/peerprep/peerprep/services/frontend/web"
)

const usage = "usage: frontend-service [serve | healthcheck]"

// run is the whole program; main only supplies the process's context,
// arguments, environment and stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "serve":
		return serve(ctx, getenv, stdout)
	case "healthcheck":
		base, err := libconfig.LoadBase(config.Service, getenv, libconfig.Needs{NoInternalAPI: true})
		if err != nil {
			return err
		}
		return health.Probe(ctx, base.Port)
	}
	return fmt.Errorf("unknown command %q; %s", cmd, usage)
}

func serve(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := server.NewLogger(stdout, cfg.LogLevel, config.Service)
	var site *webapp.Site
	if app := web.App(); app != nil {
		if site, err = webapp.Load(app); err != nil {
			return err
		}
	} else if cfg.Deployed() {
		// An image without the app must fail its deploy, not serve a
		// page about building it.
		return errors.New("this binary has no web build (npm run build in services/frontend/web, then build again)")
	} else {
		log.Warn("no web build embedded: every page says how to build it (npm ci && npm run build in services/frontend/web)")
	}

	srv := server.New(server.Options{
		Service:       config.Service,
		Logger:        log,
		Health:        health.New(config.Service, buildinfo.Get()),
		ShutdownDrain: cfg.ShutdownDrain,
		HSTS:          cfg.Deployed(),
	})
	httpapi.Register(srv.Echo, httpapi.Options{Site: site})

	ln, err := server.Listen(fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		return err
	}
	return srv.Serve(ctx, ln)
}
