// Command chat-service serves per-session chat: a WebSocket per room with
// messages fanned out through Redis to every replica and persisted to
// PostgreSQL, and the room's history.
//
//	chat-service [serve]      run the HTTP server (default)
//	chat-service migrate      apply database migrations and exit
//	chat-service healthcheck  probe /health/live (container health check)
package main

import (
	// CA roots compiled in: the images have no certificate bundle.
	_ "golang.org/x/crypto/x509roots/fallback"

	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/buildinfo"
	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/health"
	"github.com/peerprep/peerprep/libs/metrics"
	"github.com/peerprep/peerprep/libs/postgres"
	"github.com/peerprep/peerprep/libs/quota"
	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
	"github.com/peerprep/peerprep/services/chat/internal/config"
	"github.com/peerprep/peerprep/services/chat/internal/httpapi"
	"github.com/peerprep/peerprep/services/chat/internal/peers"
	pgstore "github.com/peerprep/peerprep/services/chat/internal/postgres"
	"github.com/peerprep/peerprep/services/chat/internal/redisroom"
	"github.com/peerprep/peerprep/services/chat/internal/ws"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// go-redis reports connection trouble through a process-wide logger;
	// make it JSON lines like the rest.
	redis.SetLogger(redisLogger{server.NewLogger(os.Stdout, os.Getenv("LOG_LEVEL"), "chat-service")})
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "chat-service:", err)
		os.Exit(1)
	}
}

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
	log := server.NewLogger(stdout, cfg.LogLevel, "chat-service")
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
	rdb := redis.NewClient(ropts)
	defer rdb.Close()

	disc := discovery.New(discovery.Options{Namespace: cfg.DiscoveryNamespace, Getenv: getenv, InternalToken: cfg.InternalToken})
	keys, err := auth.KeysFromConfig(cfg.JWTPublicKeys, disc, nil)
	if err != nil {
		return err
	}
	verifier := auth.NewVerifier(keys, nil)
	revoked := revocation.Watch(ctx, rdb, cfg.RedisKeyPrefix, log, verifier)

	replica := replicaID()
	rk := redisroom.NewKeys(cfg.RedisKeyPrefix)
	roomLog := redisroom.NewLog(rdb, rk, redisroom.Limits{RatePerSecond: cfg.RatePerSecond, Burst: cfg.RateBurst})
	svc := chat.NewService(chat.Deps{
		Sessions:  peers.NewSessions(disc, cfg.SessionCacheTTL),
		Directory: peers.NewUsers(disc),
		Log:       roomLog,
		Store:     store,
		Logger:    log,
	})
	bus := redisroom.NewBus(rdb, rk, log)
	// A person has a chat or two open per session (a reload, a second
	// tab); 500 from one user were accepted before.
	slots := quota.NewSlots(rdb, cfg.RedisKeyPrefix+"chat:sockets:", cfg.SocketsPerUser, time.Minute)
	hub := ws.NewHub(ws.Options{
		Bus: bus, Log: roomLog, Sender: svc, Logger: log, Slots: slots,
		Presence:      redisroom.NewPresence(rdb, rk, replica, cfg.PresenceTTL),
		HeartbeatEach: cfg.PresenceTTL / 3,
		// A local guard against floods of frames of any kind, well above the
		// per-user message limit that Redis enforces across replicas.
		FramesPerSec: float64(max(20, 2*cfg.RatePerSecond, 2*cfg.RateBurst)),
	})
	// A revoked user's sockets here close with 4401: the client refreshes
	// its token and reconnects, or signs out when the account is gone.
	revoked.OnRevoke(func(r revocation.Revocation) {
		hub.CloseUser(r.UserID, revocation.CloseCode, revocation.CloseReason)
	})

	// Background work outlives the request-serving context: it stops only
	// after the server has drained and every socket is closed.
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	defer func() { stopBG(); wg.Wait() }()
	start := func(fn func(context.Context)) {
		wg.Add(1)
		go func() { defer wg.Done(); fn(bg) }()
	}
	emf := metrics.New(stdout, cfg.Environment, "chat-service") // EMF lines: CloudWatch metrics through the log driver
	lag := emf.Sampler(metrics.StreamLag)
	start(func(ctx context.Context) {
		bus.Run(ctx, func(ev redisroom.Event) {
			if ev.Kind == redisroom.EventMessage && !ev.Message.SentAt.IsZero() {
				lag.Observe(max(0, time.Since(ev.Message.SentAt)))
			}
			hub.Dispatch(ev)
		})
	})
	if err := hub.Heartbeat(ctx); err != nil {
		log.Warn("first presence heartbeat failed; retrying in the background", "error", err.Error())
	}
	start(hub.Maintain)
	start(slots.Run)
	start(lag.Run)
	start(func(ctx context.Context) {
		emf.Gauge(ctx, metrics.WebSocketConnections, func() float64 { return float64(hub.Conns()) })
	})
	if cfg.Persister {
		p := redisroom.NewPersister(rdb, rk, replica, store, cfg.ClaimIdle, log)
		start(p.Run)
	} else {
		log.Warn("CHAT_PERSISTER=false: this replica does not persist messages; another must")
	}

	h := health.New("chat-service", buildinfo.Get())
	h.Add("database", pool.Ping)
	h.Add("redis", func(ctx context.Context) error { return rdb.Ping(ctx).Err() })
	srv := server.New(server.Options{
		Service: "chat-service", Prefix: httpapi.Prefix, Logger: log, Health: h,
		CORSOrigins: cfg.CORSOrigins, HSTS: cfg.Deployed(), ShutdownDrain: cfg.ShutdownDrain,
		MapError: httpapi.MapError,
		// The default ReadTimeout bounds every request, body included;
		// WebSockets are free of it once upgraded (server.ReadDeadline).
	})
	srv.OnShutdown(hub.Close)
	httpapi.Register(srv.Echo, httpapi.Options{Chat: svc, Hub: hub, Verifier: verifier, Origins: cfg.CORSOrigins})

	ln, err := server.Listen(fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		return err
	}
	log.Info("replica", "id", replica, "persister", cfg.Persister)
	err = srv.Serve(ctx, ln)
	if lerr := hub.Leave(context.Background()); lerr != nil {
		log.Warn("presence not cleared at shutdown; other replicas reap it", "error", lerr.Error())
	}
	return err
}

type redisLogger struct{ log *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.log.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}

// replicaID names this process in presence counts and the persistence
// consumer group.
func replicaID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
