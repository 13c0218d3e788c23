package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/buildinfo"
	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/health"
	"github.com/peerprep/peerprep/libs/metrics"
	"github.com/peerprep/peerprep/libs/postgres"
	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/collaboration/internal/config"
	"github.com/peerprep/peerprep/services/collaboration/internal/docstream"
	"github.com/peerprep/peerprep/services/collaboration/internal/history"
	"github.com/peerprep/peerprep/services/collaboration/internal/httpapi"
	pgstore "github.com/peerprep/peerprep/services/collaboration/internal/postgres"
	"github.com/peerprep/peerprep/services/collaboration/internal/room"
	"github.com/peerprep/peerprep/services/collaboration/internal/session"
)

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	cfg, err := config.Load(getenv)
	if cmd == "healthcheck" {
		return health.Probe(ctx, cfg.Port) // needs only PORT
	}
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log := server.NewLogger(stdout, cfg.LogLevel, config.Service)
	for _, name := range cfg.Generated {
		log.Warn("generated a throwaway secret; set it for real deployments", "variable", name)
	}

	switch cmd {
	case "migrate":
		if err := postgres.Migrate(ctx, cfg.DatabaseURL, pgstore.Migrations()); err != nil {
			return err
		}
		log.Info("migrations applied")
		return nil
	case "serve":
	default:
		return fmt.Errorf("unknown command %q (serve, migrate, healthcheck)", cmd)
	}

	pool, err := postgres.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	store := pgstore.New(pool)

	ropts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return errors.New("REDIS_URL is malformed")
	}
	ropts.PoolSize = max(ropts.PoolSize, 32) // 4 blocking readers, Pub/Sub and the sockets' appends
	rdb := redis.NewClient(ropts)
	defer rdb.Close()

	disc := discovery.New(discovery.Options{Namespace: cfg.DiscoveryNamespace, Getenv: getenv, InternalToken: cfg.InternalToken})
	keys, err := auth.KeysFromConfig(cfg.JWTPublicKeys, disc, nil)
	if err != nil {
		return err
	}
	verifier := auth.NewVerifier(keys, nil)
	revoked := revocation.Watch(ctx, rdb, cfg.RedisKeyPrefix, log, verifier)

	rkeys := docstream.Keys{Prefix: cfg.RedisKeyPrefix}
	streams := docstream.NewStreams(rdb, rkeys)
	var persister *docstream.Persister
	emf := metrics.New(stdout, cfg.Environment, config.Service) // EMF lines: CloudWatch metrics through the log driver
	lag := emf.Sampler(metrics.StreamLag)
	hub := room.NewHub(room.Options{
		Streams: streams, Signals: docstream.NewSignals(rdb, rkeys, log), Docs: store, Sessions: store, Log: log,
		HeartbeatEvery: min(max(cfg.IdleTimeout/4, 50*time.Millisecond), 10*time.Second),
		CompactEvery:   cfg.CompactEvery,
		Released:       func(ctx context.Context, sid string) { persister.PersistSession(ctx, sid) },
		Delivered:      lag.Observe,
	})
	// A revoked user's sockets here close with 4401: the client refreshes
	// its token and reconnects, or signs out when the account is gone.
	revoked.OnRevoke(func(r revocation.Revocation) {
		hub.CloseUser(r.UserID, revocation.CloseCode, revocation.CloseReason)
	})
	persister = docstream.NewPersister(rdb, rkeys, hub.Replica(), store, hub.Hosted, log,
		docstream.PersisterOptions{Interval: cfg.PersistInterval})
	sessions := session.NewService(session.Deps{
		Store: store, History: history.New(disc), Hooks: endHooks{hub: hub, persister: persister, log: log},
		IdleTimeout: cfg.IdleTimeout, Log: log,
	})

	h := health.New(config.Service, buildinfo.Get())
	h.Add("database", pool.Ping)
	h.Add("redis", func(ctx context.Context) error { return rdb.Ping(ctx).Err() })
	srv := server.New(server.Options{
		Service: config.Service, Prefix: httpapi.Prefix, Logger: log, Health: h,
		CORSOrigins: cfg.CORSOrigins, HSTS: cfg.Deployed(), ShutdownDrain: cfg.ShutdownDrain,
		MapError: httpapi.MapError,
		// Sockets live for hours; the hub pings them and drops dead ones.
		ReadTimeout: -1,
	})
	httpapi.Register(srv.Echo, httpapi.Options{
		Sessions: sessions, Hub: hub, Verifier: verifier, InternalToken: cfg.InternalToken, CORSOrigins: cfg.CORSOrigins,
	})
	srv.OnShutdown(hub.Shutdown)

	// The workers outlive the drain: sockets are still served while the
	// load balancer moves traffic away, and the persister stores what this
	// replica holds once the sockets are closed.
	wctx, stopWorkers := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	connGauge := func(ctx context.Context) {
		emf.Gauge(ctx, metrics.WebSocketConnections, func() float64 { return float64(hub.Conns()) })
	}
	for _, w := range []func(context.Context){hub.Run, persister.Run, sessions.Run, lag.Run, connGauge} {
		wg.Add(1)
		go func() { defer wg.Done(); w(wctx) }()
	}
	defer func() { stopWorkers(); wg.Wait() }()

	ln, err := server.Listen(fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		return err
	}
	log.Info("replica started", "replica", hub.Replica())
	return srv.Serve(ctx, ln)
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
