// Package service is the skeleton every PeerPrep binary runs in: the
// serve / migrate / healthcheck subcommands, the dependencies a service
// declares (PostgreSQL, Redis, discovery, the access-token verifier and its
// revocation watch) opened with their health checks, and background
// workers stopped in an explicit phase of the shutdown.
//
// A service's run.go is one Spec and one Wire function that lists its
// parts; Run does the rest, the same way for every service.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/config"
	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/health"
	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/libs/metrics"
	"github.com/peerprep/peerprep/libs/postgres"
	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/server"
)

// Config is a service's configuration: any struct embedding config.Base.
type Config interface{ Shared() config.Base }

// Redis says what a service uses Redis for.
type Redis int

const (
	// NoRedis: the service does not talk to Redis.
	NoRedis Redis = iota
	// RedisForRevocations: Redis only carries token revocations. REDIS_URL
	// may be unset locally (revocations are then not checked, and the log
	// says so); it has no health check, since the service works without it.
	RedisForRevocations
	// RedisRequired: the service keeps state in Redis; REDIS_URL is
	// required and the "redis" health check registered.
	RedisRequired
)

// Spec declares a service: its name and routes' prefix, how its
// configuration loads, what it depends on, its extra commands and the
// function that wires its parts.
type Spec[C Config] struct {
	Name     string                     // "question-service"
	Prefix   string                     // "/question-service-api"; "" for the web app
	MapError func(error) *httperr.Error // the service's domain errors → API errors
	Load     func(getenv func(string) string) (C, error)

	// Migrations are the goose migrations of the service's PostgreSQL
	// database (migrations.FS); nil means it has none. With them the
	// service gets a pool (Service.DB) and the "database" health check.
	Migrations fs.FS
	Redis      Redis
	// RedisPoolSize is the least number of connections the Redis client
	// keeps (blocking stream reads each hold one); 0 keeps go-redis's default.
	RedisPoolSize int
	// Tokens: verify access tokens with JWT_PUBLIC_KEYS or user-service's
	// JWKS, and refuse revoked ones (Service.Verifier, Service.Revoked).
	Tokens bool
	// DiscoveryTimeout bounds each call to another service; 0 is
	// discovery's default.
	DiscoveryTimeout time.Duration

	// Commands are the service's own subcommands besides serve, migrate
	// and healthcheck.
	Commands []Command[C]
	// Wire builds the service's parts on s: routes on s.Echo, workers
	// through s.Go, shutdown hooks through s.OnShutdown. ctx ends at SIGTERM.
	Wire func(ctx context.Context, s *Service[C]) error
}

// Command is a subcommand of a service's binary.
type Command[C Config] struct {
	Name  string // "seed"
	Args  string // how its arguments read in the usage ("<n>"); "" takes none
	Usage string // one line
	// Run runs it with the loaded configuration; s.Database opens the
	// database when it needs it.
	Run func(ctx context.Context, s *Service[C], args []string) error
}

// Service is a running service's dependencies. Wire gets every one the
// Spec declares (the others are nil); a command gets Config, Log, Stdout
// and Getenv, and opens the database with Database.
type Service[C Config] struct {
	Config C
	Log    *slog.Logger
	Stdout io.Writer
	Getenv func(string) string

	DB        *pgxpool.Pool
	Redis     *redis.Client
	Discovery *discovery.Client
	Verifier  *auth.Verifier
	Revoked   *revocation.Set  // nil when Redis is off: OnRevoke then does nothing
	Metrics   *metrics.Emitter // CloudWatch EMF lines on stdout
	Health    *health.Health
	Server    *server.Server
	Echo      *echo.Echo

	spec    *Spec[C]
	closers []func()
	workers workers
}

// Run runs the subcommand args[0] (serve when args is empty) of the
// service spec declares. It is the whole body of every service's run().
func Run[C Config](ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, spec Spec[C]) error {
	name, rest := "serve", args
	if len(args) > 0 {
		name, rest = args[0], args[1:]
	}
	var extra *Command[C]
	for i := range spec.Commands {
		if spec.Commands[i].Name == name {
			extra = &spec.Commands[i]
		}
	}
	switch name {
	case "serve", "migrate", "healthcheck":
		if len(rest) > 0 {
			return fmt.Errorf("%s takes no arguments\n%s", name, spec.usage())
		}
	case "help", "-h", "--help":
		_, err := fmt.Fprintln(stdout, spec.usage())
		return err
	default:
		if extra == nil {
			return fmt.Errorf("unknown command %q\n%s", name, spec.usage())
		}
	}
	switch name {
	case "healthcheck":
		return healthcheck(ctx, getenv)
	case "migrate":
		return migrate(ctx, &spec, getenv, stdout)
	}

	cfg, err := spec.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log := server.NewLogger(stdout, cfg.Shared().LogLevel, spec.Name)
	for _, v := range cfg.Shared().Generated {
		log.Warn("generated a throwaway secret; set it for real deployments", "variable", v)
	}
	s := &Service[C]{Config: cfg, Log: log, Stdout: stdout, Getenv: getenv, spec: &spec}
	defer s.close()
	if extra != nil {
		return extra.Run(ctx, s, rest)
	}
	return s.serve(ctx)
}

// healthcheck probes /health/live on PORT: the container health check. It
// reads nothing else, so it works where the rest would not validate.
func healthcheck(ctx context.Context, getenv func(string) string) error {
	port, err := strconv.Atoi(getenv("PORT"))
	if err != nil {
		port = 8000
	}
	return health.Probe(ctx, port)
}

// migrate applies the migrations and exits. It needs only the database:
// a deploy's one-off migration task has no Redis, keys or internal token.
func migrate[C Config](ctx context.Context, spec *Spec[C], getenv func(string) string, stdout io.Writer) error {
	base, err := config.LoadBase(spec.Name, getenv, config.Needs{Database: spec.Migrations != nil, NoInternalAPI: true})
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log := server.NewLogger(stdout, base.LogLevel, spec.Name)
	if spec.Migrations == nil {
		log.Info("nothing to migrate: " + spec.Name + " has no database")
		return nil
	}
	return applyMigrations(ctx, base.DatabaseURL, spec.Migrations, log)
}

func applyMigrations(ctx context.Context, url string, fsys fs.FS, log *slog.Logger) error {
	start := time.Now()
	if err := postgres.Migrate(ctx, url, fsys); err != nil {
		return err
	}
	log.Info("migrations applied", "duration_ms", time.Since(start).Milliseconds())
	return nil
}

func (spec *Spec[C]) usage() string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s [command]\n\ncommands:\n", spec.Name)
	line := func(name, args, what string) {
		fmt.Fprintf(&b, "  %-22s %s\n", strings.TrimSpace(name+" "+args), what)
	}
	line("serve", "", "serve the HTTP API (default)")
	line("migrate", "", "apply the database migrations and exit")
	for _, c := range spec.Commands {
		line(c.Name, c.Args, c.Usage)
	}
	line("healthcheck", "", "probe /health/live on PORT (container health check)")
	return strings.TrimRight(b.String(), "\n")
}

// Migrate applies the service's migrations now (a command that fills the
// database, in test as well as local).
func (s *Service[C]) Migrate(ctx context.Context) error {
	return applyMigrations(ctx, s.Config.Shared().DatabaseURL, s.spec.Migrations, s.Log)
}

// Database opens the service's pool, once. Locally (ENVIRONMENT=local) it
// applies the migrations first: deployed environments run `migrate` once
// per deploy, never from every replica.
func (s *Service[C]) Database(ctx context.Context) (*pgxpool.Pool, error) {
	if s.DB != nil {
		return s.DB, nil
	}
	if s.spec.Migrations == nil {
		return nil, errors.New(s.spec.Name + " has no database")
	}
	base := s.Config.Shared()
	if base.Environment == config.Local {
		if err := s.Migrate(ctx); err != nil {
			return nil, err
		}
	}
	pool, err := postgres.Connect(ctx, base.DatabaseURL)
	if err != nil {
		return nil, err
	}
	s.DB = pool
	s.closers = append(s.closers, pool.Close)
	return pool, nil
}

// WatchRevocations makes v refuse access tokens revoked anywhere (through
// Redis; unchecked when the service has no Redis) and sets s.Revoked. A
// service that signs its own tokens calls it with its verifier; Tokens
// does it for the others.
func (s *Service[C]) WatchRevocations(ctx context.Context, v *auth.Verifier) {
	s.Verifier = v
	s.Revoked = revocation.Watch(ctx, s.Redis, s.Config.Shared().RedisKeyPrefix, s.Log, v)
}

// OnShutdown registers fn to run when the server stops accepting requests
// (after the drain), e.g. to close WebSockets with 1012.
func (s *Service[C]) OnShutdown(fn func(ctx context.Context)) { s.Server.OnShutdown(fn) }

func (s *Service[C]) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}
