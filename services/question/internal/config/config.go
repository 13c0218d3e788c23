// Package config reads question-service's configuration from the
// environment.
package config

import (
	"errors"
	"strconv"
	"time"

	"github.com/peerprep/peerprep/libs/config"
	"github.com/peerprep/peerprep/libs/internalapi"
)

// Service is the name question-service runs and logs under.
const Service = internalapi.QuestionService

// Config is question-service's configuration: the shared variables
// (DATABASE_URL required; JWT_PUBLIC_KEYS, or user-service's JWKS found
// through discovery, to verify access tokens) and the read cache's bounds.
type Config struct {
	config.Base
	// CacheSize is how many encoded questions each replica keeps for GET
	// /questions/{id} and random picks (QUESTION_CACHE_SIZE, default 10000;
	// 0 turns the cache off).
	CacheSize int
	// CacheTTL bounds how long a cached question is served without a
	// reread (QUESTION_CACHE_TTL, default 5m). Writes on any replica evict
	// at once; the TTL only guards against a missed change notice.
	CacheTTL time.Duration
}

// Load reads and validates the configuration through getenv.
func Load(getenv func(string) string) (Config, error) {
	base, err := config.LoadBase(Service, getenv, config.Needs{Database: true, RedisWhenDeployed: true})
	errs := []error{err}
	c := Config{Base: base, CacheSize: 10_000}
	if v := getenv("QUESTION_CACHE_SIZE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, errors.New("QUESTION_CACHE_SIZE must be a whole number of questions, 0 or more"))
		}
		c.CacheSize = n
	}
	c.CacheTTL, err = config.Duration(getenv, "QUESTION_CACHE_TTL", 5*time.Minute)
	errs = append(errs, err)
	return c, errors.Join(errs...)
}
