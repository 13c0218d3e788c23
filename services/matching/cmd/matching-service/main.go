// Command matching-service pairs peers who asked for the same practice
// criteria, exactly once, on any number of replicas. All state lives in
// Redis; it has no database.
//
//	matching-service [serve]      run the HTTP server, sweeps and setup workers (default)
//	matching-service migrate      nothing to migrate (Redis only); exits 0
//	matching-service healthcheck  probe /health/live (container health check)
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
	"net/url"
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
	"github.com/peerprep/peerprep/libs/quota"
	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/matching/internal/config"
	"github.com/peerprep/peerprep/services/matching/internal/httpapi"
	"github.com/peerprep/peerprep/services/matching/internal/invite"
	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/redisq"
	"github.com/peerprep/peerprep/services/matching/internal/remote"
	"github.com/peerprep/peerprep/services/matching/internal/setup"
	"github.com/peerprep/peerprep/services/matching/internal/ws"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "matching-service:", err)
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
	log := server.NewLogger(stdout, cfg.LogLevel, "matching-service")
	switch cmd {
	case "migrate":
		log.Info("nothing to migrate: matching-service keeps its state in Redis")
		return nil
	case "serve":
	default:
		return fmt.Errorf("unknown command %q (serve, migrate, healthcheck)", cmd)
	}
	for _, name := range cfg.Generated {
		log.Warn("generated a throwaway secret; set it for real deployments", "variable", name)
	}

	ropts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return errors.New("REDIS_URL is malformed")
	}
	ropts.PoolSize = max(ropts.PoolSize, 64) // blocking stream reads hold connections
	rdb := redis.NewClient(ropts)
	defer rdb.Close()

	disc := discovery.New(discovery.Options{
		Namespace: cfg.DiscoveryNamespace, Getenv: getenv, InternalToken: cfg.InternalToken,
		Timeout: 2 * time.Second,
	})
	keys, err := auth.KeysFromConfig(cfg.JWTPublicKeys, disc, nil)
	if err != nil {
		return err
	}
	verifier := auth.NewVerifier(keys, nil)
	revoked := revocation.Watch(ctx, rdb, cfg.RedisKeyPrefix, log, verifier)

	store := redisq.New(rdb, cfg.RedisKeyPrefix, redisq.Options{RelaxAfter: cfg.RelaxAfter, MatchTimeout: cfg.MatchTimeout})
	// A deleted account's waiting ticket is cancelled, and none of its
	// tickets pairs (every replica hears it; the cancel is idempotent).
	revoked.OnRevoke(func(r revocation.Revocation) {
		if !r.Deleted {
			return
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := store.ForgetUser(fctx, r.UserID, revocation.Keep); err != nil {
			log.Warn("cancelling a deleted account's ticket failed", "user_id", r.UserID, "error", err.Error())
		}
	})
	topics, sessions := remote.NewTopics(disc, time.Minute, nil, log), remote.NewSessions(disc)
	tickets := match.NewService(match.Deps{Store: store, Log: log, Topics: topics, Sessions: sessions})
	hub := ws.NewHub(ws.Options{Store: store, Log: log, OriginPatterns: originPatterns(cfg.CORSOrigins)})
	revoked.OnRevoke(func(r revocation.Revocation) {
		hub.CloseUser(r.UserID, revocation.CloseCode, revocation.CloseReason)
	})
	consumer := "matching-" + randomHex(6)
	emf := metrics.New(stdout, cfg.Environment, "matching-service") // EMF lines: CloudWatch metrics through the log driver
	latency := emf.Sampler(metrics.MatchLatency)
	worker := setup.NewWorker(setup.Options{
		Store: store, Services: remote.NewServices(disc), Log: log, Consumer: consumer, Timeout: cfg.SetupTimeout,
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

	h := health.New("matching-service", buildinfo.Get())
	h.Add("redis", store.Ping)
	srv := server.New(server.Options{
		Service: "matching-service", Prefix: httpapi.Prefix, Logger: log, Health: h,
		CORSOrigins: cfg.CORSOrigins, HSTS: cfg.Deployed(), ShutdownDrain: cfg.ShutdownDrain,
		MapError: httpapi.MapError,
		// The default ReadTimeout bounds every request, body included;
		// WebSockets are free of it once upgraded (server.ReadDeadline).
	})
	perMinute := float64(cfg.TicketsPerMinute)
	httpapi.Register(srv.Echo, httpapi.Options{
		Tickets: tickets, Verifier: verifier, Socket: hub.Handle,
		TicketLimit: quota.NewBucket(rdb, cfg.RedisKeyPrefix+"matching:tickets:", perMinute/60, perMinute),
		Invites: invite.NewService(invite.Deps{
			Store: store, Topics: topics, Sessions: sessions,
			Directory: remote.NewDirectory(disc), Log: log, TTL: cfg.InviteTTL, SetupWait: cfg.SetupTimeout + 5*time.Second,
		}),
		InviteLimit: quota.NewBucket(rdb, cfg.RedisKeyPrefix+"matching:invites:", float64(cfg.InvitesPerHour)/3600, float64(cfg.InvitesPerHour)),
	})
	srv.OnShutdown(hub.Shutdown)

	ln, err := server.Listen(fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		return err
	}
	log.Info("matching settings", "relax_after", cfg.RelaxAfter.String(), "match_timeout", cfg.MatchTimeout.String(),
		"setup_timeout", cfg.SetupTimeout.String(), "consumer", consumer)

	// The setup worker and the sweeps stop at SIGTERM (the worker hands its
	// unfinished jobs to the other replicas); the event fan-out runs until
	// the sockets are closed.
	hubCtx, stopHub := context.WithCancel(context.WithoutCancel(ctx))
	var bg sync.WaitGroup
	bg.Add(6)
	go func() {
		defer bg.Done()
		emf.Gauge(ctx, metrics.WebSocketConnections, func() float64 { return float64(hub.Conns()) })
	}()
	go func() { defer bg.Done(); emf.Every(ctx, func() { emitQueueDepth(ctx, emf, store, log) }) }()
	go func() { defer bg.Done(); latency.Run(ctx) }()
	go func() { defer bg.Done(); worker.Run(ctx) }()
	go func() { defer bg.Done(); sweeper.Run(ctx) }()
	go func() { defer bg.Done(); hub.Run(hubCtx) }()
	err = srv.Serve(ctx, ln)
	stopHub()
	bg.Wait()
	return err
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

// originPatterns turns CORS_ALLOWED_ORIGINS into the host patterns the
// WebSocket handshake accepts besides the same origin.
func originPatterns(origins []string) []string {
	var out []string
	for _, o := range origins {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			out = append(out, u.Host)
		}
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
