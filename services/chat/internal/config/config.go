// Package config is chat-service's configuration, read once from the
// environment.
package config

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/peerprep/peerprep/libs/config"
)

// Service is the name chat-service runs and logs under.
const Service = "chat-service"

// Config is chat-service's configuration.
type Config struct {
	config.Base

	// SessionCacheTTL is how long a collaboration session lookup is reused
	// (CHAT_SESSION_CACHE_TTL, default 5s).
	SessionCacheTTL time.Duration
	// RatePerSecond and RateBurst bound the messages one user may send
	// across every socket and replica (CHAT_RATE_PER_SECOND default 10,
	// CHAT_RATE_BURST default 10).
	RatePerSecond int
	RateBurst     int
	// Persister runs the worker that copies messages from Redis to
	// PostgreSQL (CHAT_PERSISTER, default true). Any replica's worker
	// persists any room; a replica may run without one.
	Persister bool
	// ClaimIdle is how long a message read by a persistence worker may stay
	// unacknowledged before another replica claims it with XAUTOCLAIM
	// (CHAT_PERSIST_CLAIM_IDLE, default 15s).
	ClaimIdle time.Duration
	// PresenceTTL is how long a replica's sockets keep counting for
	// presence after its last heartbeat (CHAT_PRESENCE_TTL, default 15s);
	// heartbeats run at a third of it.
	PresenceTTL time.Duration
	// SocketsPerUser is how many sockets one user may have open in one
	// room, across replicas (CHAT_SOCKETS_PER_USER, default 5).
	SocketsPerUser int
}

// Load reads the configuration through getenv.
func Load(getenv func(string) string) (Config, error) {
	base, err := config.LoadBase(Service, getenv, config.Needs{Database: true, Redis: true})
	c := Config{Base: base, Persister: true}
	errs := []error{err}
	c.SessionCacheTTL, err = config.Duration(getenv, "CHAT_SESSION_CACHE_TTL", 5*time.Second)
	errs = append(errs, err)
	c.ClaimIdle, err = config.Duration(getenv, "CHAT_PERSIST_CLAIM_IDLE", 15*time.Second)
	errs = append(errs, err)
	if err == nil && c.ClaimIdle < 100*time.Millisecond {
		errs = append(errs, errors.New("CHAT_PERSIST_CLAIM_IDLE must be at least 100ms"))
	}
	c.PresenceTTL, err = config.Duration(getenv, "CHAT_PRESENCE_TTL", 15*time.Second)
	errs = append(errs, err)
	if err == nil && c.PresenceTTL < 300*time.Millisecond {
		errs = append(errs, errors.New("CHAT_PRESENCE_TTL must be at least 300ms"))
	}
	c.RatePerSecond, err = positiveInt(getenv, "CHAT_RATE_PER_SECOND", 10)
	errs = append(errs, err)
	c.RateBurst, err = positiveInt(getenv, "CHAT_RATE_BURST", 10)
	errs = append(errs, err)
	c.SocketsPerUser, err = positiveInt(getenv, "CHAT_SOCKETS_PER_USER", 5)
	errs = append(errs, err)
	switch v := getenv("CHAT_PERSISTER"); v {
	case "", "true", "1":
	case "false", "0":
		c.Persister = false
	default:
		errs = append(errs, fmt.Errorf("CHAT_PERSISTER must be true or false, got %q", v))
	}
	return c, errors.Join(errs...)
}

func positiveInt(getenv func(string) string, name string, def int) (int, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > 1_000_000 {
		return 0, fmt.Errorf("%s must be a positive whole number, got %q", name, v)
	}
	return n, nil
}
