package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"time"

	"github.com/peerprep/peerprep/libs/metrics"
	"github.com/peerprep/peerprep/libs/quota"
	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/service"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
	"github.com/peerprep/peerprep/services/chat/internal/config"
	"github.com/peerprep/peerprep/services/chat/internal/httpapi"
	"github.com/peerprep/peerprep/services/chat/internal/peers"
	"github.com/peerprep/peerprep/services/chat/internal/postgres"
	"github.com/peerprep/peerprep/services/chat/internal/postgres/migrations"
	"github.com/peerprep/peerprep/services/chat/internal/redisroom"
	"github.com/peerprep/peerprep/services/chat/internal/ws"
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

// wire lists chat-service's parts. Its workers run until drained: they
// stop only after the server has drained and every socket is closed.
func wire(ctx context.Context, s *service.Service[config.Config]) error {
	cfg, rdb := s.Config, s.Redis
	store := postgres.New(s.DB)
	replica := replicaID()
	rk := redisroom.NewKeys(cfg.RedisKeyPrefix)
	roomLog := redisroom.NewLog(rdb, rk, redisroom.Limits{RatePerSecond: cfg.RatePerSecond, Burst: cfg.RateBurst})
	svc := chat.NewService(chat.Deps{
		Sessions:  peers.NewSessions(s.Discovery, cfg.SessionCacheTTL),
		Directory: peers.NewUsers(s.Discovery),
		Log:       roomLog,
		Store:     store,
		Logger:    s.Log,
	})
	bus := redisroom.NewBus(rdb, rk, s.Log)
	// A person has a chat or two open per session (a reload, a second
	// tab); 500 from one user were accepted before.
	slots := quota.NewSlots(rdb, cfg.RedisKeyPrefix+"chat:sockets:", cfg.SocketsPerUser, time.Minute)
	hub := ws.NewHub(ws.Options{
		Bus: bus, Log: roomLog, Sender: svc, Logger: s.Log, Slots: slots,
		Presence:      redisroom.NewPresence(rdb, rk, replica, cfg.PresenceTTL),
		HeartbeatEach: cfg.PresenceTTL / 3,
		// A local guard against floods of frames of any kind, well above the
		// per-user message limit that Redis enforces across replicas.
		FramesPerSec: float64(max(20, 2*cfg.RatePerSecond, 2*cfg.RateBurst)),
	})
	// A revoked user's sockets here close with 4401: the client refreshes
	// its token and reconnects, or signs out when the account is gone.
	s.Revoked.OnRevoke(func(r revocation.Revocation) {
		hub.CloseUser(r.UserID, revocation.CloseCode, revocation.CloseReason)
	})
	httpapi.Register(s.Echo, httpapi.Options{Chat: svc, Hub: hub, Verifier: s.Verifier, Origins: cfg.CORSOrigins})
	s.OnShutdown(hub.Close)
	s.OnStopped(func(context.Context) {
		if err := hub.Leave(context.Background()); err != nil {
			s.Log.Warn("presence not cleared at shutdown; other replicas reap it", "error", err.Error())
		}
	})

	lag := s.Metrics.Sampler(metrics.StreamLag)
	s.Go(service.UntilDrained, func(ctx context.Context) {
		bus.Run(ctx, func(ev redisroom.Event) {
			if ev.Kind == redisroom.EventMessage && !ev.Message.SentAt.IsZero() {
				lag.Observe(max(0, time.Since(ev.Message.SentAt)))
			}
			hub.Dispatch(ev)
		})
	})
	if err := hub.Heartbeat(ctx); err != nil {
		s.Log.Warn("first presence heartbeat failed; retrying in the background", "error", err.Error())
	}
	s.Go(service.UntilDrained, hub.Maintain)
	s.Go(service.UntilDrained, slots.Run)
	s.Go(service.UntilDrained, lag.Run)
	s.Go(service.UntilDrained, func(ctx context.Context) {
		s.Metrics.Gauge(ctx, metrics.WebSocketConnections, func() float64 { return float64(hub.Conns()) })
	})
	if cfg.Persister {
		s.Go(service.UntilDrained, redisroom.NewPersister(rdb, rk, replica, store, cfg.ClaimIdle, s.Log).Run)
	} else {
		s.Log.Warn("CHAT_PERSISTER=false: this replica does not persist messages; another must")
	}
	s.Log.Info("replica", "id", replica, "persister", cfg.Persister)
	return nil
}

// replicaID names this process in presence counts and the persistence
// consumer group.
func replicaID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
