// Package config is collaboration-service's configuration, read once from
// the environment.
package config

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/peerprep/peerprep/libs/config"
	"github.com/peerprep/peerprep/libs/internalapi"
)

// Service is this service's name.
const Service = internalapi.CollaborationService

// Config is collaboration-service's configuration.
type Config struct {
	config.Base
	IdleTimeout     time.Duration // SESSION_IDLE_TIMEOUT: a session nobody is connected to ends after this; default 30m
	PersistInterval time.Duration // PERSIST_INTERVAL: how often streamed updates are stored in PostgreSQL; default 200ms
	CompactEvery    int           // COMPACT_EVERY: updates between requests for a client's full document; default 1000
	// UPDATE_RATE and UPDATE_BURST: each user's editor updates, a token a
	// second and at most (an update costs one token plus one per KiB);
	// defaults 50 and 1000 (docstream.Limits). Load tests raise them.
	UpdateRate, UpdateBurst float64
	// SOCKETS_PER_USER: editor sockets one user may have open in one
	// session, across replicas; default 5.
	SocketsPerUser int
	InterviewPhase time.Duration // INTERVIEW_PHASE: each of a mock interview's two phases; default 25m
}

// Load reads the configuration through getenv.
func Load(getenv func(string) string) (Config, error) {
	base, err := config.LoadBase(Service, getenv, config.Needs{Database: true, Redis: true})
	c := Config{Base: base}
	errs := []error{err}
	c.IdleTimeout, err = config.Duration(getenv, "SESSION_IDLE_TIMEOUT", 30*time.Minute)
	errs = append(errs, err)
	if err == nil && c.IdleTimeout < time.Second {
		errs = append(errs, errors.New("SESSION_IDLE_TIMEOUT must be at least 1s"))
	}
	c.PersistInterval, err = config.Duration(getenv, "PERSIST_INTERVAL", 200*time.Millisecond)
	errs = append(errs, err)
	if err == nil && c.PersistInterval < 10*time.Millisecond {
		errs = append(errs, errors.New("PERSIST_INTERVAL must be at least 10ms"))
	}
	c.InterviewPhase, err = config.Duration(getenv, "INTERVIEW_PHASE", 25*time.Minute)
	errs = append(errs, err)
	if err == nil && c.InterviewPhase < time.Second {
		errs = append(errs, errors.New("INTERVIEW_PHASE must be at least 1s"))
	}
	c.CompactEvery = 1000
	if v := getenv("COMPACT_EVERY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 {
			errs = append(errs, fmt.Errorf("COMPACT_EVERY must be a number of updates of at least 10, got %q", v))
		}
		c.CompactEvery = n
	}
	c.SocketsPerUser = 5
	if v := getenv("SOCKETS_PER_USER"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("SOCKETS_PER_USER must be a number of at least 1, got %q", v))
		}
		c.SocketsPerUser = n
	}
	for _, v := range []struct {
		name string
		into *float64
	}{{"UPDATE_RATE", &c.UpdateRate}, {"UPDATE_BURST", &c.UpdateBurst}} {
		if s := getenv(v.name); s != "" {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || f < 1 {
				errs = append(errs, fmt.Errorf("%s must be a number of at least 1, got %q", v.name, s))
			}
			*v.into = f
		}
	}
	return c, errors.Join(errs...)
}
