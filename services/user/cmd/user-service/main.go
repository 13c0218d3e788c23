// Command user-service serves accounts, sign-in and access tokens.
//
//	user-service [serve]          run the HTTP server (default)
//	user-service migrate          apply database migrations and exit
//	user-service promote <username|email>  make an account an admin
//	user-service healthcheck      probe /health/live (container health check)
package main

import (
	// CA roots compiled in: the images have no certificate bundle.
	_ "golang.org/x/crypto/x509roots/fallback"

	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/buildinfo"
	"github.com/peerprep/peerprep/libs/health"
	"github.com/peerprep/peerprep/libs/postgres"
	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/user/internal/config"
	"github.com/peerprep/peerprep/services/user/internal/httpapi"
	"github.com/peerprep/peerprep/services/user/internal/password"
	pgstore "github.com/peerprep/peerprep/services/user/internal/postgres"
	"github.com/peerprep/peerprep/services/user/internal/ratelimit"
	"github.com/peerprep/peerprep/services/user/internal/user"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "user-service:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	cfg, err := config.Load(getenv)
	if cmd == "healthcheck" {
		return health.Probe(ctx, cfg.Port) // needs only PORT
	}
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log := server.NewLogger(stdout, cfg.LogLevel, "user-service")
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
	case "serve", "promote":
	default:
		return fmt.Errorf("unknown command %q (serve, migrate, promote, healthcheck)", cmd)
	}

	pool, err := postgres.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	store := pgstore.New(pool)

	if cmd == "promote" {
		if len(args) != 1 {
			return errors.New("usage: user-service promote <username|email>")
		}
		u, err := user.NewService(user.Deps{Store: store}).Promote(ctx, args[0])
		if err != nil {
			return fmt.Errorf("promote %s: %w", args[0], err)
		}
		fmt.Fprintf(stdout, "%s (%s) is now an admin\n", u.Username, u.ID)
		return nil
	}

	ropts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return errors.New("REDIS_URL is malformed")
	}
	rdb := redis.NewClient(ropts)
	defer rdb.Close()

	priv, err := signingKey(ctx, cfg, store)
	if err != nil {
		return err
	}
	if cfg.SigningKey == "" {
		log.Warn("JWT_SIGNING_KEY not set: using the local development key kept in the database")
	}
	signer := auth.NewSigner(priv, nil)
	// The signing key first, then the rotation's other keys: all are
	// published and accepted, so replicas signing with the old and the new
	// key during a rotation verify each other's tokens.
	keys := auth.StaticKeys{signer.KeyID(): auth.Public(priv)}
	jwks := signer.JWKS()
	for _, kid := range slices.Sorted(maps.Keys(cfg.ExtraPublicKeys)) {
		if _, dup := keys[kid]; !dup {
			keys[kid] = cfg.ExtraPublicKeys[kid]
			jwks.Keys = append(jwks.Keys, auth.NewJWK(cfg.ExtraPublicKeys[kid]))
		}
	}
	verifier := auth.NewVerifier(keys, nil)
	revocation.Watch(ctx, rdb, cfg.RedisKeyPrefix, log, verifier)

	hasher, err := password.NewHasher(password.Default, 2*runtime.GOMAXPROCS(0))
	if err != nil {
		return err
	}
	limits := ratelimit.DefaultLimits
	limits.SignupPerIP.Limit = cfg.SignupsPerIP
	users := user.NewService(user.Deps{
		Store: store, Hasher: hasher, Issuer: signer, Log: log,
		Revoker:    revocation.NewPublisher(rdb, cfg.RedisKeyPrefix),
		Limiter:    ratelimit.New(rdb, cfg.RedisKeyPrefix, limits),
		RefreshTTL: cfg.RefreshTTL,
	})

	h := health.New("user-service", buildinfo.Get())
	h.Add("database", pool.Ping)
	h.Add("redis", func(ctx context.Context) error { return rdb.Ping(ctx).Err() })
	srv := server.New(server.Options{
		Service: "user-service", Prefix: httpapi.Prefix, Logger: log, Health: h,
		CORSOrigins: cfg.CORSOrigins, HSTS: cfg.Deployed(), ShutdownDrain: cfg.ShutdownDrain,
		MapError: httpapi.MapError,
	})
	httpapi.Register(srv.Echo, httpapi.Options{
		Users: users, Verifier: verifier, JWKS: jwks,
		InternalToken: cfg.InternalToken, InsecureCookie: cfg.InsecureCookie,
	})
	ln, err := server.Listen(fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		return err
	}
	purgeCtx, stopPurge := context.WithCancel(ctx)
	defer stopPurge()
	go store.PurgeLoop(purgeCtx, log, time.Hour)
	return srv.Serve(ctx, ln)
}

// signingKey is JWT_SIGNING_KEY, or in local/test the key kept in the
// database so every local replica signs with the same one.
func signingKey(ctx context.Context, cfg config.Config, store *pgstore.Store) (ed25519.PrivateKey, error) {
	if cfg.SigningKey != "" {
		k, err := auth.ParsePrivateKey(cfg.SigningKey)
		if err != nil {
			return nil, fmt.Errorf("JWT_SIGNING_KEY: %w", err)
		}
		return k, nil
	}
	fresh, err := auth.GenerateKey()
	if err != nil {
		return nil, err
	}
	candidate, err := auth.MarshalPrivateKey(fresh)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	pem, err := store.LocalSigningKey(ctx, candidate)
	if err != nil {
		return nil, err
	}
	return auth.ParsePrivateKey(pem)
}
