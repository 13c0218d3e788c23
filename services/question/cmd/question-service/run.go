package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/buildinfo"
	libconfig "github.com/peerprep/peerprep/libs/config"
	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/health"
	libpg "github.com/peerprep/peerprep/libs/postgres"
	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/question/internal/benchdata"
	"github.com/peerprep/peerprep/services/question/internal/config"
	"github.com/peerprep/peerprep/services/question/internal/httpapi"
	"github.com/peerprep/peerprep/services/question/internal/postgres"
	"github.com/peerprep/peerprep/services/question/internal/postgres/migrations"
	"github.com/peerprep/peerprep/services/question/internal/question"
	"github.com/peerprep/peerprep/services/question/internal/seed"
)

const usage = `usage: question-service [command]

commands:
  serve                 serve the HTTP API (default)
  migrate               apply the database migrations and exit
  seed                  load the seed questions (idempotent) and exit
  healthcheck           probe /health/live on PORT (container health check)
  gen-bench-data <n>    add n generated questions (benchmarks; refused in staging and production)`

// run wires the service and runs one command. main only turns its error
// into an exit status, so tests can call run directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cmd, rest := "serve", args
	if len(args) > 0 {
		cmd, rest = args[0], args[1:]
	}
	if cmd == "healthcheck" {
		// The probe needs only the port: it must work even where the rest
		// of the configuration would not validate.
		port, err := strconv.Atoi(getenv("PORT"))
		if err != nil {
			port = 8000
		}
		return health.Probe(ctx, port)
	}
	switch cmd {
	case "serve", "migrate", "seed":
		if len(rest) > 0 {
			return fmt.Errorf("%s takes no arguments\n%s", cmd, usage)
		}
	case "gen-bench-data":
	case "help", "-h", "--help":
		_, err := fmt.Fprintln(stdout, usage)
		return err
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}

	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log := server.NewLogger(stdout, cfg.LogLevel, config.Service)
	if len(cfg.Generated) > 0 {
		log.Warn("generated throwaway values for unset variables; set them for anything but local use", "variables", cfg.Generated)
	}

	switch cmd {
	case "migrate":
		return migrate(ctx, cfg, log)
	case "seed":
		return loadSeed(ctx, cfg, log)
	case "gen-bench-data":
		return genBenchData(ctx, cfg, log, rest)
	}
	return serve(ctx, cfg, getenv, log)
}

func migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	start := time.Now()
	if err := libpg.Migrate(ctx, cfg.DatabaseURL, migrations.FS); err != nil {
		return err
	}
	log.Info("migrations applied", "duration_ms", time.Since(start).Milliseconds())
	return nil
}

func loadSeed(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	pool, err := libpg.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	res, err := seed.Load(ctx, question.NewService(postgres.NewStore(pool), nil, nil))
	if err != nil {
		return err
	}
	log.Info("seed loaded", "inserted", res.Inserted, "updated", res.Updated, "unchanged", res.Unchanged)
	return nil
}

func genBenchData(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	if cfg.Deployed() {
		return errors.New("gen-bench-data fills the database with junk: refused in " + cfg.Environment)
	}
	if len(args) != 1 {
		return errors.New("usage: question-service gen-bench-data <n>")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 || n > 10_000_000 {
		return errors.New("gen-bench-data: n must be a whole number from 1 to 10000000")
	}
	pool, err := libpg.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	start := time.Now()
	if err := benchdata.Load(ctx, pool, n, 1); err != nil {
		return err
	}
	log.Info("bench data loaded", "questions", n, "duration_ms", time.Since(start).Milliseconds())
	return nil
}

func serve(ctx context.Context, cfg config.Config, getenv func(string) string, log *slog.Logger) error {
	if cfg.Environment == libconfig.Local {
		// Local development migrates on start; deployed environments run
		// `migrate` once per deploy instead of on every replica.
		if err := migrate(ctx, cfg, log); err != nil {
			return err
		}
	}
	pool, err := libpg.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()

	disc := discovery.New(discovery.Options{Namespace: cfg.DiscoveryNamespace, Getenv: getenv, InternalToken: cfg.InternalToken})
	keys, err := auth.KeysFromConfig(cfg.JWTPublicKeys, disc, nil)
	if err != nil {
		return err
	}
	verifier := auth.NewVerifier(keys, nil)
	closeRedis, err := revocation.Open(ctx, cfg.RedisURL, cfg.RedisKeyPrefix, log, verifier)
	if err != nil {
		return err
	}
	defer closeRedis()

	h := health.New(config.Service, buildinfo.Get())
	h.Add("database", pool.Ping)
	srv := server.New(server.Options{
		Service:       config.Service,
		Prefix:        httpapi.Prefix,
		Logger:        log,
		Health:        h,
		CORSOrigins:   cfg.CORSOrigins,
		ShutdownDrain: cfg.ShutdownDrain,
		MapError:      httpapi.MapError,
		HSTS:          cfg.Deployed(),
	})
	store := postgres.NewStore(pool)
	svc := question.NewService(store, nil, nil)
	cache := httpapi.NewCache(cfg.CacheSize, cfg.CacheTTL, nil)
	httpapi.Routes(srv.Echo, svc, cache, verifier, cfg.InternalToken)

	ln, err := server.Listen(fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		return err
	}
	// The change feed evicts questions other replicas write. It runs until
	// the server has stopped (through the drain), and must have returned its
	// connection before the pool closes.
	watchCtx, stopWatching := context.WithCancel(context.WithoutCancel(ctx))
	watching := make(chan struct{})
	if cache != nil {
		go func() {
			defer close(watching)
			store.WatchChanges(watchCtx, cache, func(err error) {
				log.Warn("question change feed broke; caching paused until it reconnects", "error", err.Error())
			})
		}()
	} else {
		close(watching)
	}
	err = srv.Serve(ctx, ln)
	stopWatching()
	<-watching
	return err
}
