package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/buildinfo"
	libconfig "github.com/peerprep/peerprep/libs/config"
	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/health"
	libpostgres "github.com/peerprep/peerprep/libs/postgres"
	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
	"github.com/peerprep/peerprep/services/history/internal/config"
	"github.com/peerprep/peerprep/services/history/internal/httpapi"
	"github.com/peerprep/peerprep/services/history/internal/peers"
	"github.com/peerprep/peerprep/services/history/internal/postgres"
	"github.com/peerprep/peerprep/services/history/internal/postgres/migrations"
)

const usage = "usage: history-service [serve | migrate | healthcheck | gen-bench-data [flags]]"

// run is the whole program; main only supplies the process's context,
// arguments, environment and stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, getenv, stdout)
	case "migrate":
		cfg, err := config.Load(getenv)
		if err != nil {
			return err
		}
		if err := libpostgres.Migrate(ctx, cfg.DatabaseURL, migrations.FS); err != nil {
			return err
		}
		server.NewLogger(stdout, cfg.LogLevel, config.Service).Info("migrations applied")
		return nil
	case "healthcheck":
		base, err := libconfig.LoadBase(config.Service, getenv, libconfig.Needs{})
		if err != nil {
			return err
		}
		return health.Probe(ctx, base.Port)
	case "gen-bench-data":
		return genBenchData(ctx, args, getenv, stdout)
	}
	return fmt.Errorf("unknown command %q; %s", cmd, usage)
}

func serve(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := server.NewLogger(stdout, cfg.LogLevel, config.Service)
	if len(cfg.Generated) > 0 {
		log.Warn("made up throwaway values for unset variables; set them outside local development", "variables", cfg.Generated)
	}
	if cfg.Environment == libconfig.Local {
		// Deployed environments migrate once per deploy in a one-off task.
		if err := libpostgres.Migrate(ctx, cfg.DatabaseURL, migrations.FS); err != nil {
			return err
		}
	}
	pool, err := libpostgres.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()

	disc := discovery.New(discovery.Options{Namespace: cfg.DiscoveryNamespace, Getenv: getenv, InternalToken: cfg.InternalToken})
	keys, err := auth.KeysFromConfig(cfg.JWTPublicKeys, disc, nil)
	if err != nil {
		return err
	}
	svc := attempt.NewService(
		postgres.New(pool),
		peers.NewQuestions(disc),
		peers.NewUsers(disc, peers.UsersOptions{TTL: cfg.UserCacheTTL}),
		attempt.Options{Logger: log, RetryBase: cfg.SnapshotRetryBackoff},
	)

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
	verifier := auth.NewVerifier(keys, nil)
	closeRedis, err := revocation.Open(ctx, cfg.RedisURL, cfg.RedisKeyPrefix, log, verifier)
	if err != nil {
		return err
	}
	defer closeRedis()
	httpapi.Routes(srv.Echo, svc, verifier, cfg.InternalToken)

	ln, err := server.Listen(fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		return err
	}
	loopCtx, stopLoop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { svc.RunSnapshotLoop(loopCtx, cfg.SnapshotRetryInterval) })
	err = srv.Serve(ctx, ln)
	stopLoop()
	wg.Wait()
	return err
}

// genBenchData fills the database with the benchmark data set of
// BENCHMARKS.md. It refuses to run outside local and test environments.
func genBenchData(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gen-bench-data", flag.ContinueOnError)
	fs.SetOutput(stdout)
	d := postgres.BenchData{User: uuid.MustParse("00000000-0000-4000-8000-00000000beef")}
	fs.IntVar(&d.Rows, "rows", 1_000_000, "attempts in all")
	fs.IntVar(&d.UserAttempts, "user-attempts", 10_000, "attempts of the benchmark user")
	fs.Func("user", "the benchmark user's id (default "+d.User.String()+")", func(s string) error {
		id, err := uuid.Parse(s)
		d.User = id
		return err
	})
	fs.IntVar(&d.OtherUsers, "other-users", 10_000, "users sharing the other attempts")
	fs.IntVar(&d.Questions, "questions", 200, "distinct questions")
	fs.IntVar(&d.Days, "days", 365, "attempts end within this many days before now")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if cfg.Environment != libconfig.Local && cfg.Environment != libconfig.Test {
		return errors.New("gen-bench-data writes fake attempts; it runs only with ENVIRONMENT=local or test")
	}
	log := server.NewLogger(stdout, cfg.LogLevel, config.Service)
	if err := libpostgres.Migrate(ctx, cfg.DatabaseURL, migrations.FS); err != nil {
		return err
	}
	pool, err := libpostgres.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	start := time.Now()
	err = postgres.New(pool).GenerateBenchData(ctx, d, func(done int) {
		log.Info("bench data", "rows", done, "elapsed", time.Since(start).Round(time.Millisecond).String())
	})
	if err != nil {
		return err
	}
	log.LogAttrs(ctx, slog.LevelInfo, "bench data ready", slog.String("user_id", d.User.String()),
		slog.Int("rows", d.Rows), slog.Int("user_attempts", d.UserAttempts))
	return nil
}
