package main

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/peerprep/peerprep/libs/service"
	"github.com/peerprep/peerprep/services/question/internal/benchdata"
	"github.com/peerprep/peerprep/services/question/internal/config"
	"github.com/peerprep/peerprep/services/question/internal/httpapi"
	"github.com/peerprep/peerprep/services/question/internal/postgres"
	"github.com/peerprep/peerprep/services/question/internal/postgres/migrations"
	"github.com/peerprep/peerprep/services/question/internal/question"
	"github.com/peerprep/peerprep/services/question/internal/seed"
)

// run is the whole program; main only supplies the process's context,
// arguments, environment and stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	return service.Run(ctx, args, getenv, stdout, service.Spec[config.Config]{
		Name: config.Service, Prefix: httpapi.Prefix, MapError: httpapi.MapError, Load: config.Load,
		Migrations: migrations.FS, Redis: service.RedisForRevocations, Tokens: true,
		Commands: []service.Command[config.Config]{
			{Name: "seed", Usage: "load the seed questions (idempotent) and exit", Run: loadSeed},
			{Name: "gen-bench-data", Args: "<n>", Usage: "add n generated questions (benchmarks; refused in staging and production)", Run: genBenchData},
		},
		Wire: wire,
	})
}

// wire lists question-service's parts.
func wire(_ context.Context, s *service.Service[config.Config]) error {
	cfg := s.Config
	store := postgres.New(s.DB)
	questions := question.NewService(store, nil, nil)
	cache := httpapi.NewCache(cfg.CacheSize, cfg.CacheTTL, nil)
	httpapi.Register(s.Echo, httpapi.Options{
		Questions: questions, Cache: cache, Verifier: s.Verifier, InternalToken: cfg.InternalToken,
	})
	if cache != nil {
		// The change feed evicts questions other replicas write. It runs
		// through the drain, and returns its connection before the pool closes.
		s.Go(service.UntilDrained, func(ctx context.Context) {
			store.WatchChanges(ctx, cache, func(err error) {
				s.Log.Warn("question change feed broke; caching paused until it reconnects", "error", err.Error())
			})
		})
	}
	return nil
}

func loadSeed(ctx context.Context, s *service.Service[config.Config], _ []string) error {
	pool, err := s.Database(ctx)
	if err != nil {
		return err
	}
	res, err := seed.Load(ctx, question.NewService(postgres.New(pool), nil, nil))
	if err != nil {
		return err
	}
	s.Log.Info("seed loaded", "inserted", res.Inserted, "updated", res.Updated, "unchanged", res.Unchanged)
	return nil
}

func genBenchData(ctx context.Context, s *service.Service[config.Config], args []string) error {
	if s.Config.Deployed() {
		return errors.New("gen-bench-data fills the database with junk: refused in " + s.Config.Environment)
	}
	if len(args) != 1 {
		return errors.New("usage: question-service gen-bench-data <n>")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 || n > 10_000_000 {
		return errors.New("gen-bench-data: n must be a whole number from 1 to 10000000")
	}
	pool, err := s.Database(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := benchdata.Load(ctx, pool, n, 1); err != nil {
		return err
	}
	s.Log.Info("bench data loaded", "questions", n, "duration_ms", time.Since(start).Milliseconds())
	return nil
}
