package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"time"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/metrics"
	"github.com/peerprep/peerprep/libs/quota"
	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/service"
	"github.com/peerprep/peerprep/services/matching/internal/config"
	"github.com/peerprep/peerprep/services/matching/internal/httpapi"
	"github.com/peerprep/peerprep/services/matching/internal/invite"
	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/redisq"
	"github.com/peerprep/peerprep/services/matching/internal/remote"
	"github.com/peerprep/peerprep/services/matching/internal/setup"
	"github.com/peerprep/peerprep/services/matching/internal/ws"
)

// run is the whole program; main only supplies the process's context,
// arguments, environment and stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	return service.Run(ctx, args, getenv, stdout, service.Spec[config.Config]{
		Name: config.Service, Prefix: httpapi.Prefix, MapError: httpapi.MapError, Load: config.Load,
		Redis: service.RedisRequired, Tokens: true,
		RedisPoolSize:    64, // blocking stream reads hold connections
		DiscoveryTimeout: 2 * time.Second,
		Wire:             wire,
	})
}

// wire lists matching-service's parts. The setup worker and the sweeps
// stop at SIGTERM (the worker hands its unfinished jobs to the other
// replicas); the event fan-out runs until the sockets are closed.
func wire(ctx context.Context, s *service.Service[config.Config]) error {
	cfg, log := s.Config, s.Log
	store := redisq.New(s.Redis, cfg.RedisKeyPrefix, redisq.Options{RelaxAfter: cfg.RelaxAfter, MatchTimeout: cfg.MatchTimeout})
	// A deleted account's waiting ticket is cancelled, and none of its
	// tickets pairs (every replica hears it; the cancel is idempotent).
	s.Revoked.OnRevoke(func(r revocation.Revocation) {
		if !r.Deleted {
			return
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := store.ForgetUser(fctx, r.UserID, revocation.Keep); err != nil {
			log.Warn("cancelling a deleted account's ticket failed", "user_id", r.UserID, "error", err.Error())
		}
	})
	topics, sessions := remote.NewTopics(internalapi.New(s.Discovery), time.Minute, nil, log), remote.NewSessions(internalapi.New(s.Discovery))
	tickets := match.NewService(match.Deps{Store: store, Log: log, Topics: topics, Sessions: sessions})
	hub := ws.NewHub(ws.Options{Store: store, Log: log, Origins: cfg.CORSOrigins})
	s.Revoked.OnRevoke(func(r revocation.Revocation) {
		hub.CloseUser(r.UserID, revocation.CloseCode, revocation.CloseReason)
	})
	perMinute := float64(cfg.TicketsPerMinute)
	httpapi.Register(s.Echo, httpapi.Options{
		Tickets: tickets, Verifier: s.Verifier, Socket: hub.Handle,
		TicketLimit: quota.NewBucket(s.Redis, cfg.RedisKeyPrefix+"matching:tickets:", perMinute/60, perMinute),
		Invites: invite.NewService(invite.Deps{
			Store: store, Topics: topics, Sessions: sessions, Directory: remote.NewDirectory(internalapi.New(s.Discovery)), Log: log,
			TTL: cfg.InviteTTL, SetupWait: cfg.SetupTimeout + 5*time.Second,
		}),
		InviteLimit: quota.NewBucket(s.Redis, cfg.RedisKeyPrefix+"matching:invites:", float64(cfg.InvitesPerHour)/3600, float64(cfg.InvitesPerHour)),
	})
	s.OnShutdown(hub.Shutdown)

	consumer := "matching-" + randomHex(6)
	latency := s.Metrics.Sampler(metrics.MatchLatency)
	worker := setup.NewWorker(setup.Options{
		Store: store, Services: remote.NewServices(internalapi.New(s.Discovery)), Log: log, Consumer: consumer, Timeout: cfg.SetupTimeout,
		Ready: func(m setup.Match) {
			for _, q := range m.QueuedAt {
				if !q.IsZero() {
					latency.Observe(max(0, time.Since(q)))
				}
			}
		},
	})
	sweeper := match.NewSweeper(store, match.SweepInterval(cfg.RelaxAfter, cfg.MatchTimeout), log,
		func(ctx context.Context, _, _ int64) {
			// Redis lost its data: recreate the jobs group and tell every
			// socket here whose ticket is gone.
			if err := store.EnsureGroup(ctx); err != nil {
				log.Warn("recreating the match jobs group failed", "error", err.Error())
			}
			hub.Refresh(ctx)
		})
	s.Go(service.UntilSIGTERM, worker.Run)
	s.Go(service.UntilSIGTERM, sweeper.Run)
	s.Go(service.UntilSIGTERM, latency.Run)
	s.Go(service.UntilSIGTERM, func(ctx context.Context) {
		s.Metrics.Gauge(ctx, metrics.WebSocketConnections, func() float64 { return float64(hub.Conns()) })
	})
	s.Go(service.UntilSIGTERM, func(ctx context.Context) {
		s.Metrics.Every(ctx, func() { emitQueueDepth(ctx, s.Metrics, store, log) })
	})
	s.Go(service.UntilDrained, hub.Run)
	log.Info("matching settings", "relax_after", cfg.RelaxAfter.String(), "match_timeout", cfg.MatchTimeout.String(),
		"setup_timeout", cfg.SetupTimeout.String(), "consumer", consumer)
	return nil
}

// emitQueueDepth emits the waiting tickets in total and per difficulty.
func emitQueueDepth(ctx context.Context, emf *metrics.Emitter, store *redisq.Store, log *slog.Logger) {
	total, by, err := store.QueueDepth(ctx)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("reading the queue depth for metrics failed", "error", err.Error())
		}
		return
	}
	_ = emf.Emit(metrics.QueueDepth, float64(total))
	for _, d := range match.Difficulties {
		_ = emf.Emit(metrics.QueueDepth, float64(by[d]), d)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
