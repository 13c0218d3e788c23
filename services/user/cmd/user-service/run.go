package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"time"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/service"
	"github.com/peerprep/peerprep/services/user/internal/config"
	"github.com/peerprep/peerprep/services/user/internal/httpapi"
	"github.com/peerprep/peerprep/services/user/internal/password"
	"github.com/peerprep/peerprep/services/user/internal/postgres"
	"github.com/peerprep/peerprep/services/user/internal/postgres/migrations"
	"github.com/peerprep/peerprep/services/user/internal/ratelimit"
	"github.com/peerprep/peerprep/services/user/internal/user"
)

// run is the whole program; main only supplies the process's context,
// arguments, environment and stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	return service.Run(ctx, args, getenv, stdout, service.Spec[config.Config]{
		Name: config.Service, Prefix: httpapi.Prefix, MapError: httpapi.MapError, Load: config.Load,
		Migrations: migrations.FS, Redis: service.RedisRequired,
		// Tokens: user-service signs them, so it verifies with its own keys.
		Commands: []service.Command[config.Config]{
			{Name: "promote", Args: "<username|email>", Usage: "make an account an admin", Run: promote},
		},
		Wire: wire,
	})
}

// wire lists user-service's parts.
func wire(ctx context.Context, s *service.Service[config.Config]) error {
	cfg := s.Config
	store := postgres.New(s.DB)
	priv, err := signingKey(ctx, cfg, store)
	if err != nil {
		return err
	}
	if cfg.SigningKey == "" {
		s.Log.Warn("JWT_SIGNING_KEY not set: using the local development key kept in the database")
	}
	signer := auth.NewSigner(priv, nil)
	keys, jwks := publishedKeys(signer, priv, cfg.ExtraPublicKeys)
	s.WatchRevocations(ctx, auth.NewVerifier(keys, nil))

	hasher, err := password.NewHasher(password.Default, 2*runtime.GOMAXPROCS(0))
	if err != nil {
		return err
	}
	limits := ratelimit.DefaultLimits
	limits.SignupPerIP.Limit = cfg.SignupsPerIP
	users := user.NewService(user.Deps{
		Store: store, Hasher: hasher, Issuer: signer, Log: s.Log,
		Revoker:    revocation.NewPublisher(s.Redis, cfg.RedisKeyPrefix),
		Limiter:    ratelimit.New(s.Redis, cfg.RedisKeyPrefix, limits),
		RefreshTTL: cfg.RefreshTTL,
	})
	httpapi.Register(s.Echo, httpapi.Options{
		Users: users, Verifier: s.Verifier, JWKS: jwks,
		InternalToken: cfg.InternalToken, InsecureCookie: cfg.InsecureCookie,
	})
	s.Go(service.UntilSIGTERM, func(ctx context.Context) { store.PurgeLoop(ctx, s.Log, time.Hour) })
	return nil
}

// promote makes an account an admin (the first admin of a deployment).
func promote(ctx context.Context, s *service.Service[config.Config], args []string) error {
	if len(args) != 1 {
		return errors.New("usage: user-service promote <username|email>")
	}
	pool, err := s.Database(ctx)
	if err != nil {
		return err
	}
	u, err := user.NewService(user.Deps{Store: postgres.New(pool)}).Promote(ctx, args[0])
	if err != nil {
		return fmt.Errorf("promote %s: %w", args[0], err)
	}
	fmt.Fprintf(s.Stdout, "%s (%s) is now an admin\n", u.Username, u.ID)
	return nil
}

// publishedKeys are the keys tokens are verified with and the JWKS that
// publishes them: the signing key first, then the rotation's other keys.
// All are accepted, so replicas signing with the old and the new key
// during a rotation verify each other's tokens.
func publishedKeys(signer *auth.Signer, priv ed25519.PrivateKey, extra auth.StaticKeys) (auth.StaticKeys, auth.JWKS) {
	keys := auth.StaticKeys{signer.KeyID(): auth.Public(priv)}
	jwks := signer.JWKS()
	for _, kid := range slices.Sorted(maps.Keys(extra)) {
		if _, dup := keys[kid]; !dup {
			keys[kid] = extra[kid]
			jwks.Keys = append(jwks.Keys, auth.NewJWK(extra[kid]))
		}
	}
	return keys, jwks
}

// signingKey is JWT_SIGNING_KEY, or in local/test the key kept in the
// database so every local replica signs with the same one.
func signingKey(ctx context.Context, cfg config.Config, store *postgres.Store) (ed25519.PrivateKey, error) {
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
