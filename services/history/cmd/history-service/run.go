package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	libconfig "github.com/peerprep/peerprep/libs/config"
	"github.com/peerprep/peerprep/libs/service"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
	"github.com/peerprep/peerprep/services/history/internal/config"
	"github.com/peerprep/peerprep/services/history/internal/feedback"
	"github.com/peerprep/peerprep/services/history/internal/httpapi"
	"github.com/peerprep/peerprep/services/history/internal/peers"
	"github.com/peerprep/peerprep/services/history/internal/postgres"
	"github.com/peerprep/peerprep/services/history/internal/postgres/migrations"
)

// run is the whole program; main only supplies the process's context,
// arguments, environment and stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	return service.Run(ctx, args, getenv, stdout, service.Spec[config.Config]{
		Name: config.Service, Prefix: httpapi.Prefix, MapError: httpapi.MapError, Load: config.Load,
		Migrations: migrations.FS, Redis: service.RedisForRevocations, Tokens: true,
		Commands: []service.Command[config.Config]{
			{Name: "gen-bench-data", Args: "[flags]", Usage: "fill the database with the benchmark data set (local and test only)", Run: genBenchData},
		},
		Wire: wire,
	})
}

// wire lists history-service's parts.
func wire(_ context.Context, s *service.Service[config.Config]) error {
	cfg := s.Config
	users := peers.NewUsers(s.Discovery, peers.UsersOptions{TTL: cfg.UserCacheTTL})
	attempts := attempt.NewService(postgres.New(s.DB), peers.NewQuestions(s.Discovery), users,
		attempt.Options{Logger: s.Log, RetryBase: cfg.SnapshotRetryBackoff})
	feedbackStore, sessions := postgres.NewFeedback(s.DB), peers.NewSessions(s.Discovery)
	httpapi.Register(s.Echo, httpapi.Options{
		Attempts:      attempts,
		Feedback:      feedback.NewService(feedbackStore, sessions, users, feedback.Options{}),
		Notes:         feedback.NewNotesService(feedbackStore, sessions, feedback.Options{}),
		Verifier:      s.Verifier,
		InternalToken: cfg.InternalToken,
	})
	s.Go(service.UntilSIGTERM, func(ctx context.Context) { attempts.RunSnapshotLoop(ctx, cfg.SnapshotRetryInterval) })
	return nil
}

// genBenchData fills the database with the benchmark data set of
// BENCHMARKS.md. It refuses to run outside local and test environments.
func genBenchData(ctx context.Context, s *service.Service[config.Config], args []string) error {
	fs := flag.NewFlagSet("gen-bench-data", flag.ContinueOnError)
	fs.SetOutput(s.Stdout)
	d := postgres.BenchData{User: uuid.MustParse("00000000-0000-4000-8000-00000000beef")}
	fs.IntVar(&d.Rows, "rows", 1_000_000, "attempts in all")
	fs.IntVar(&d.UserAttempts, "user-attempts", 10_000, "attempts of the benchmark user")
	fs.Func("user", "the benchmark user's id (default "+d.User.String()+")", func(v string) error {
		id, err := uuid.Parse(v)
		d.User = id
		return err
	})
	fs.IntVar(&d.OtherUsers, "other-users", 10_000, "users sharing the other attempts")
	fs.IntVar(&d.Questions, "questions", 200, "distinct questions")
	fs.IntVar(&d.Days, "days", 365, "attempts end within this many days before now")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if env := s.Config.Environment; env != libconfig.Local && env != libconfig.Test {
		return errors.New("gen-bench-data writes fake attempts; it runs only with ENVIRONMENT=local or test")
	}
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	pool, err := s.Database(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	err = postgres.New(pool).GenerateBenchData(ctx, d, func(done int) {
		s.Log.Info("bench data", "rows", done, "elapsed", time.Since(start).Round(time.Millisecond).String())
	})
	if err != nil {
		return err
	}
	s.Log.LogAttrs(ctx, slog.LevelInfo, "bench data ready", slog.String("user_id", d.User.String()),
		slog.Int("rows", d.Rows), slog.Int("user_attempts", d.UserAttempts))
	return nil
}
