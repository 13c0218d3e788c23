// Package config is user-service's configuration, read once from the
// environment.
package config

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/config"
)

// Service is the name user-service runs and logs under.
const Service = "user-service"

// Config is user-service's configuration.
type Config struct {
	config.Base
	SigningKey string // JWT_SIGNING_KEY: PEM or base64 Ed25519; required in staging/production
	// ExtraPublicKeys (JWT_EXTRA_PUBLIC_KEYS) are published in the JWKS and
	// accepted besides the signing key's: the next key before a rotation,
	// the previous one until its tokens have expired.
	ExtraPublicKeys auth.StaticKeys
	RefreshTTL      time.Duration // REFRESH_TOKEN_TTL, default 720h
	InsecureCookie  bool          // COOKIE_INSECURE=true drops the Secure attribute (plain-HTTP local use only)
	// SignupsPerIP (SIGNUPS_PER_IP_PER_HOUR) is how many accounts one client
	// address may create in an hour: 10 in staging/production; 200 locally,
	// where every test user signs up from 127.0.0.1.
	SignupsPerIP int
}

// Load reads the configuration through getenv.
func Load(getenv func(string) string) (Config, error) {
	base, err := config.LoadBase(Service, getenv, config.Needs{Database: true, Redis: true})
	c := Config{Base: base, SigningKey: getenv("JWT_SIGNING_KEY")}
	errs := []error{err}
	c.RefreshTTL, err = config.Duration(getenv, "REFRESH_TOKEN_TTL", 30*24*time.Hour)
	errs = append(errs, err)
	if c.SigningKey == "" && c.Deployed() {
		errs = append(errs, errors.New("JWT_SIGNING_KEY is required in "+c.Environment))
	}
	if v := getenv("JWT_EXTRA_PUBLIC_KEYS"); strings.TrimSpace(v) != "" {
		keys, err := auth.ParseStaticKeys(v)
		if err != nil {
			errs = append(errs, errors.New("JWT_EXTRA_PUBLIC_KEYS: "+err.Error()))
		}
		c.ExtraPublicKeys = keys
	}
	c.SignupsPerIP = 200
	if c.Deployed() {
		c.SignupsPerIP = 10
	}
	if v := getenv("SIGNUPS_PER_IP_PER_HOUR"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, errors.New("SIGNUPS_PER_IP_PER_HOUR must be a positive whole number"))
		}
		c.SignupsPerIP = n
	}
	c.InsecureCookie = getenv("COOKIE_INSECURE") == "true"
	if c.InsecureCookie && c.Deployed() {
		errs = append(errs, errors.New("COOKIE_INSECURE is not allowed in "+c.Environment))
	}
	return c, errors.Join(errs...)
}
