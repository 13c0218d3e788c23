package main

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/peerprep/peerprep/libs/quota"
	"github.com/peerprep/peerprep/libs/service"
	"github.com/peerprep/peerprep/services/execution/internal/config"
	"github.com/peerprep/peerprep/services/execution/internal/harness"
	"github.com/peerprep/peerprep/services/execution/internal/httpapi"
	"github.com/peerprep/peerprep/services/execution/internal/peers"
	"github.com/peerprep/peerprep/services/execution/internal/postgres"
	"github.com/peerprep/peerprep/services/execution/internal/postgres/migrations"
	runs "github.com/peerprep/peerprep/services/execution/internal/run"
	"github.com/peerprep/peerprep/services/execution/internal/sandbox"
)

// run is the whole program; main only supplies the process's context,
// arguments, environment and stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	return service.Run(ctx, args, getenv, stdout, service.Spec[config.Config]{
		Name: config.Service, Prefix: httpapi.Prefix, MapError: httpapi.MapError, Load: config.Load,
		Migrations: migrations.FS, Redis: service.RedisRequired, Tokens: true,
		Wire: wire,
	})
}

// errCompiling is the "interpreters" check's answer until they are ready.
var errCompiling = errors.New("compiling the interpreters")

// wire lists execution-service's parts. The interpreters compile in the
// background (seconds); readiness answers 503 until they are done.
func wire(ctx context.Context, s *service.Service[config.Config]) error {
	cfg := s.Config
	var judge atomic.Pointer[harness.Harness]
	var failed atomic.Pointer[error]
	s.Health.Add("interpreters", func(context.Context) error {
		if p := failed.Load(); p != nil {
			return *p
		}
		if judge.Load() == nil {
			return errCompiling
		}
		return nil
	})
	opts := sandbox.Options{CacheDir: cfg.CacheDir, Limits: sandbox.Limits{
		Time: cfg.RunTime, Memory: uint64(cfg.MemoryMiB) << 20, Output: harness.OutputLimit,
	}}
	compiled := make(chan []*sandbox.Interpreter, 1)
	s.Go(service.UntilDrained, func(ctx context.Context) {
		start := time.Now()
		py, err := sandbox.NewPython(ctx, cfg.PythonWasm, opts)
		if err != nil {
			s.Log.Error("python interpreter did not compile", "error", err.Error())
			failed.Store(&err)
			return
		}
		js, err := sandbox.NewJavaScript(ctx, cfg.GojaWasm, opts)
		if err != nil {
			py.Close(context.Background())
			s.Log.Error("javascript interpreter did not compile", "error", err.Error())
			failed.Store(&err)
			return
		}
		compiled <- []*sandbox.Interpreter{py, js}
		judge.Store(harness.New(map[string]harness.Interpreter{"python": py, "javascript": js}))
		s.Log.Info("interpreters compiled", "duration_ms", time.Since(start).Milliseconds(), "cache", cfg.CacheDir != "")
	})
	s.OnStopped(func(ctx context.Context) {
		select {
		case ins := <-compiled:
			for _, in := range ins {
				_ = in.Close(ctx)
			}
		default:
		}
	})

	svc := runs.NewService(runs.Deps{
		Questions: peers.NewQuestions(s.Discovery, cfg.CacheTTL),
		Sessions:  peers.NewSessions(s.Discovery, cfg.CacheTTL),
		Users:     peers.NewUsers(s.Discovery),
		Store:     postgres.New(s.DB),
		Judge: func() runs.Judge {
			if h := judge.Load(); h != nil {
				return h
			}
			return nil
		},
		Gate:       runs.NewGate(cfg.Concurrency, cfg.QueueSize, cfg.QueueWait),
		Limit:      userLimit{quota.NewBucket(s.Redis, cfg.RedisKeyPrefix+"execution:runs:", float64(cfg.RatePerMinute)/60, float64(cfg.RateBurst))},
		RunTime:    cfg.RunTime,
		SubmitTime: cfg.SubmitTime,
	})
	httpapi.Register(s.Echo, httpapi.Options{Runs: svc, Verifier: s.Verifier})
	s.Log.Info("limits", "concurrency", cfg.Concurrency, "queue", cfg.QueueSize, "run_time", cfg.RunTime.String(),
		"submit_time", cfg.SubmitTime.String(), "memory_mib", cfg.MemoryMiB)
	return nil
}

// userLimit is a runs.RateLimiter: one token per run.
type userLimit struct{ b *quota.Bucket }

func (u userLimit) Take(ctx context.Context, userID string) (time.Duration, error) {
	return u.b.Take(ctx, userID, 1)
}
