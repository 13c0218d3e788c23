// Package config reads history-service's configuration from the environment.
package config

import (
	"errors"
	"time"

	"github.com/peerprep/peerprep/libs/config"
	"github.com/peerprep/peerprep/libs/internalapi"
)

// Service is the name history-service runs and logs under.
const Service = internalapi.HistoryService

// Config is history-service's configuration.
type Config struct {
	config.Base
	// SnapshotRetryInterval is how often pending question snapshots are
	// retried (SNAPSHOT_RETRY_INTERVAL, default 10s).
	SnapshotRetryInterval time.Duration
	// SnapshotRetryBackoff is the delay before a pending snapshot's first
	// retry; it doubles per failure up to 10m (SNAPSHOT_RETRY_BACKOFF,
	// default 5s).
	SnapshotRetryBackoff time.Duration
	// UserCacheTTL is how long a partner's username is reused
	// (USER_CACHE_TTL, default 2m).
	UserCacheTTL time.Duration
}

// Load reads and validates the configuration through getenv.
func Load(getenv func(string) string) (Config, error) {
	base, err := config.LoadBase(Service, getenv, config.Needs{Database: true, RedisWhenDeployed: true})
	errs := []error{err}
	c := Config{Base: base}
	c.SnapshotRetryInterval, err = config.Duration(getenv, "SNAPSHOT_RETRY_INTERVAL", 10*time.Second)
	errs = append(errs, err)
	if err == nil && c.SnapshotRetryInterval < 10*time.Millisecond {
		errs = append(errs, errors.New("SNAPSHOT_RETRY_INTERVAL must be at least 10ms"))
	}
	c.SnapshotRetryBackoff, err = config.Duration(getenv, "SNAPSHOT_RETRY_BACKOFF", 5*time.Second)
	errs = append(errs, err)
	c.UserCacheTTL, err = config.Duration(getenv, "USER_CACHE_TTL", 2*time.Minute)
	errs = append(errs, err)
	return c, errors.Join(errs...)
}
