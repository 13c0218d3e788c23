package service

import (
	"context"
	"errors"
	"net"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/buildinfo"
	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/health"
	"github.com/peerprep/peerprep/libs/metrics"
	"github.com/peerprep/peerprep/libs/server"
)

// serve opens the declared dependencies, wires the service's parts, serves
// until ctx ends and then stops in order: the drain, the OnShutdown hooks,
// the OnStopped hooks, the workers that run until drained. It returns once
// every worker has returned.
func (s *Service[C]) serve(ctx context.Context) error {
	spec, base := s.spec, s.Config.Shared()
	s.Health = health.New(spec.Name, buildinfo.Get())
	if spec.Migrations != nil {
		pool, err := s.Database(ctx)
		if err != nil {
			return err
		}
		s.Health.Add("database", pool.Ping)
	}
	if err := s.openRedis(); err != nil {
		return err
	}
	s.Discovery = discovery.New(discovery.Options{
		Namespace: base.DiscoveryNamespace, DNSServer: base.DiscoveryDNSServer, Getenv: s.Getenv, InternalToken: base.InternalToken,
		Timeout: spec.DiscoveryTimeout,
	})
	if spec.Tokens {
		keys, err := auth.KeysFromConfig(base.JWTPublicKeys, s.Discovery, nil)
		if err != nil {
			return err
		}
		s.WatchRevocations(ctx, auth.NewVerifier(keys, nil))
	}
	s.Metrics = metrics.New(s.Stdout, base.Environment, spec.Name)
	s.Server = server.New(server.Options{
		Service: spec.Name, Prefix: spec.Prefix, Logger: s.Log, Health: s.Health,
		CORSOrigins: base.CORSOrigins, HSTS: base.Deployed(), ShutdownDrain: base.ShutdownDrain,
		MapError: spec.MapError,
		// The default ReadTimeout bounds every request, body included;
		// WebSockets are free of it once upgraded (server.ReadDeadline).
	})
	s.Echo = s.Server.Echo

	s.workers.start(ctx)
	defer s.workers.stop()
	if err := spec.Wire(ctx, s); err != nil {
		return err
	}
	ln, err := server.Listen(net.JoinHostPort(base.ListenHost, strconv.Itoa(base.Port)))
	if err != nil {
		return err
	}
	err = s.Server.Serve(ctx, ln)
	s.workers.afterServe()
	return err
}

func (s *Service[C]) openRedis() error {
	base := s.Config.Shared()
	if s.spec.Redis == NoRedis || base.RedisURL == "" {
		return nil // config refuses an empty REDIS_URL where Redis is required
	}
	opts, err := redis.ParseURL(base.RedisURL)
	if err != nil {
		return errors.New("REDIS_URL is malformed")
	}
	opts.PoolSize = max(opts.PoolSize, s.spec.RedisPoolSize)
	s.Redis = redis.NewClient(opts)
	s.closers = append(s.closers, func() { _ = s.Redis.Close() })
	if s.spec.Redis == RedisRequired {
		s.Health.Add("redis", func(ctx context.Context) error { return s.Redis.Ping(ctx).Err() })
	}
	return nil
}
