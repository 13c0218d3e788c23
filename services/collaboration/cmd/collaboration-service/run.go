package main

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/peerprep/peerprep/libs/metrics"
	"github.com/peerprep/peerprep/libs/quota"
	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/service"
	"github.com/peerprep/peerprep/services/collaboration/internal/config"
	"github.com/peerprep/peerprep/services/collaboration/internal/docstream"
	"github.com/peerprep/peerprep/services/collaboration/internal/history"
	"github.com/peerprep/peerprep/services/collaboration/internal/httpapi"
	"github.com/peerprep/peerprep/services/collaboration/internal/interview"
	"github.com/peerprep/peerprep/services/collaboration/internal/postgres"
	"github.com/peerprep/peerprep/services/collaboration/internal/postgres/migrations"
	"github.com/peerprep/peerprep/services/collaboration/internal/questions"
	"github.com/peerprep/peerprep/services/collaboration/internal/room"
	"github.com/peerprep/peerprep/services/collaboration/internal/session"
)

// run is the whole program; main only supplies the process's context,
// arguments, environment and stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	return service.Run(ctx, args, getenv, stdout, service.Spec[config.Config]{
		Name: config.Service, Prefix: httpapi.Prefix, MapError: httpapi.MapError, Load: config.Load,
		Migrations: migrations.FS, Redis: service.RedisRequired, Tokens: true,
		RedisPoolSize: 32, // 4 blocking readers, Pub/Sub and the sockets' appends
		Wire:          wire,
	})
}

// wire lists collaboration-service's parts. The workers outlive the drain:
// sockets are still served while the load balancer moves traffic away, and
// the persister stores what this replica holds once the sockets are closed.
func wire(_ context.Context, s *service.Service[config.Config]) error {
	cfg, rdb, log := s.Config, s.Redis, s.Log
	store := postgres.New(s.DB)
	rkeys := docstream.Keys{Prefix: cfg.RedisKeyPrefix}
	streams := docstream.NewStreams(rdb, rkeys).WithLimits(docstream.Limits{Rate: cfg.UpdateRate, Burst: cfg.UpdateBurst})
	var persister *docstream.Persister
	// A person has an editor or two open per session (a reload, a second
	// tab); 500 from one user were accepted before.
	slots := quota.NewSlots(rdb, cfg.RedisKeyPrefix+"collab:sockets:", cfg.SocketsPerUser, time.Minute)
	lag := s.Metrics.Sampler(metrics.StreamLag)
	hub := room.NewHub(room.Options{
		Slots:   slots,
		Streams: streams, Signals: docstream.NewSignals(rdb, rkeys, log), Docs: store, Sessions: store, Log: log,
		HeartbeatEvery: min(max(cfg.IdleTimeout/4, 50*time.Millisecond), 10*time.Second),
		CompactEvery:   cfg.CompactEvery,
		Released:       func(ctx context.Context, sid string) { persister.PersistSession(ctx, sid) },
		Delivered:      lag.Observe,
	})
	// A revoked user's sockets here close with 4401: the client refreshes
	// its token and reconnects, or signs out when the account is gone.
	s.Revoked.OnRevoke(func(r revocation.Revocation) {
		hub.CloseUser(r.UserID, revocation.CloseCode, revocation.CloseReason)
	})
	persister = docstream.NewPersister(rdb, rkeys, hub.Replica(), store, hub.Hosted, log,
		docstream.PersisterOptions{Interval: cfg.PersistInterval})
	sessions := session.NewService(session.Deps{
		Store: store, History: history.New(s.Discovery), Hooks: endHooks{hub: hub, persister: persister, log: log},
		IdleTimeout: cfg.IdleTimeout, Log: log,
	})
	qs := questions.New(s.Discovery)
	interviews := interview.NewService(interview.Deps{
		Store: store.Interviews(), Sessions: sessions, Chooser: qs, Notifier: httpapi.InterviewNotifier{Hub: hub, Log: log},
		Phase: cfg.InterviewPhase, Log: log,
	})
	httpapi.Register(s.Echo, httpapi.Options{
		Sessions: sessions, Hub: hub, Verifier: s.Verifier, InternalToken: cfg.InternalToken, CORSOrigins: cfg.CORSOrigins,
		Interviews: interviews, Questions: qs,
	})
	s.OnShutdown(hub.Shutdown)

	s.Go(service.UntilDrained, hub.Run)
	s.Go(service.UntilDrained, persister.Run)
	s.Go(service.UntilDrained, sessions.Run)
	s.Go(service.UntilDrained, slots.Run)
	s.Go(service.UntilDrained, lag.Run)
	s.Go(service.UntilDrained, func(ctx context.Context) {
		s.Metrics.Gauge(ctx, metrics.WebSocketConnections, func() float64 { return float64(hub.Conns()) })
	})
	log.Info("replica started", "replica", hub.Replica())
	return nil
}

// endHooks connects the end of a session and a participant's departure to
// the sockets and the document.
type endHooks struct {
	hub       *room.Hub
	persister *docstream.Persister
	log       *slog.Logger
}

func (e endHooks) Ended(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	e.hub.SessionEnded(ctx, id)
	// Store what is still only in Redis, then drop the stream. If Redis is
	// away, the registry sweep stores it later.
	if err := e.persister.Flush(ctx, id); err != nil {
		e.log.Warn("flushing an ended session's document failed; it will be swept", "session_id", id, "error", err.Error())
	}
}

func (e endHooks) Left(ctx context.Context, id, user string) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	e.hub.UserLeft(ctx, id, user)
}
