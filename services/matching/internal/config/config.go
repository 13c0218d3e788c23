// Package config is matching-service's configuration, read once from the
// environment.
package config

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/peerprep/peerprep/libs/config"
)

// Service is the name matching-service runs and logs under.
const Service = "matching-service"

// Config is matching-service's configuration.
type Config struct {
	config.Base
	RelaxAfter   time.Duration // RELAX_AFTER: a waiting ticket may then match any difficulty; default 10s
	MatchTimeout time.Duration // MATCH_TIMEOUT: a ticket still waiting then times out; default 30s
	SetupTimeout time.Duration // MATCH_SETUP_TIMEOUT: post-match steps give up (both tickets failed) after; default 10s
	// TicketsPerMinute: tickets one user may ask for, across replicas, in
	// a burst and then per minute (TICKETS_PER_MINUTE, default 10; 100
	// create/cancel cycles took 2.2 s before).
	TicketsPerMinute int
	// InviteTTL: how long an invite may be accepted (INVITE_TTL, default 24h).
	InviteTTL time.Duration
	// InvitesPerHour: invites one user may create, across replicas, in a
	// burst and then per hour (INVITES_PER_HOUR, default 20).
	InvitesPerHour int
}

// Load reads the configuration through getenv.
func Load(getenv func(string) string) (Config, error) {
	base, err := config.LoadBase(Service, getenv, config.Needs{Redis: true})
	c := Config{Base: base}
	errs := []error{err}
	c.RelaxAfter, err = config.Duration(getenv, "RELAX_AFTER", 10*time.Second)
	errs = append(errs, err)
	c.MatchTimeout, err = config.Duration(getenv, "MATCH_TIMEOUT", 30*time.Second)
	errs = append(errs, err)
	if err == nil && c.MatchTimeout <= 0 {
		errs = append(errs, errors.New("MATCH_TIMEOUT must be positive"))
	}
	c.SetupTimeout, err = config.Duration(getenv, "MATCH_SETUP_TIMEOUT", 10*time.Second)
	errs = append(errs, err)
	if err == nil && c.SetupTimeout <= 0 {
		errs = append(errs, errors.New("MATCH_SETUP_TIMEOUT must be positive"))
	}
	c.TicketsPerMinute = 10
	if v := getenv("TICKETS_PER_MINUTE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("TICKETS_PER_MINUTE must be a number of at least 1, got %q", v))
		}
		c.TicketsPerMinute = n
	}
	c.InviteTTL, err = config.Duration(getenv, "INVITE_TTL", 24*time.Hour)
	errs = append(errs, err)
	if err == nil && c.InviteTTL <= 0 {
		errs = append(errs, errors.New("INVITE_TTL must be positive"))
	}
	c.InvitesPerHour = 20
	if v := getenv("INVITES_PER_HOUR"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("INVITES_PER_HOUR must be a number of at least 1, got %q", v))
		}
		c.InvitesPerHour = n
	}
	return c, errors.Join(errs...)
}
