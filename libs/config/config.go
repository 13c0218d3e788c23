// Package config parses the environment variables every PeerPrep service
// shares (ARCHITECTURE §3) into a validated struct. Services embed Base in
// their own Config and add what is theirs.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Environments a service may run in.
const (
	Local      = "local"
	Test       = "test"
	Staging    = "staging"
	Production = "production"
)

// Base is the configuration common to every service.
type Base struct {
	Service            string // "user-service"
	Port               int
	Environment        string
	LogLevel           string
	DatabaseURL        string
	RedisURL           string
	RedisKeyPrefix     string
	DiscoveryNamespace string
	// DiscoveryDNSServer is the "host:port" discovery asks instead of the
	// system resolver (the local platform's Cloud Map stand-in); "" in AWS.
	DiscoveryDNSServer string
	// ListenHost is the address to listen on, "" for every interface (in
	// AWS); locally each instance of a service has its own loopback
	// address, as each task has its own IP.
	ListenHost    string
	InternalToken string
	JWTPublicKeys string // optional static keys instead of the JWKS
	CORSOrigins   []string
	ShutdownDrain time.Duration

	// Generated lists secrets made up because the environment lacked them
	// (local and test only); main logs their names, never their values.
	Generated []string
}

// Needs says which shared variables a service requires.
type Needs struct {
	Database bool
	Redis    bool
	// RedisWhenDeployed: Redis is required in staging and production only
	// (a service that reads token revocations from it and nothing else).
	RedisWhenDeployed bool
	// NoInternalAPI is for a service that neither serves nor calls
	// /internal/ routes (the web app): it needs no INTERNAL_API_TOKEN.
	NoInternalAPI bool
}

// Deployed reports whether this is staging or production, where secrets
// must come from the environment.
func (b Base) Deployed() bool { return b.Environment == Staging || b.Environment == Production }

// LoadBase reads the shared variables through getenv.
func LoadBase(service string, getenv func(string) string, needs Needs) (Base, error) {
	b := Base{
		Service:            service,
		Environment:        or(getenv("ENVIRONMENT"), Local),
		LogLevel:           or(getenv("LOG_LEVEL"), "info"),
		DatabaseURL:        getenv("DATABASE_URL"),
		RedisURL:           getenv("REDIS_URL"),
		RedisKeyPrefix:     or(getenv("REDIS_KEY_PREFIX"), "peerprep:"),
		DiscoveryNamespace: getenv("DISCOVERY_NAMESPACE"),
		DiscoveryDNSServer: getenv("DISCOVERY_DNS_SERVER"),
		ListenHost:         getenv("LISTEN_HOST"),
		InternalToken:      getenv("INTERNAL_API_TOKEN"),
		JWTPublicKeys:      getenv("JWT_PUBLIC_KEYS"),
	}
	var errs []error
	switch b.Environment {
	case Local, Test, Staging, Production:
	default:
		errs = append(errs, fmt.Errorf("ENVIRONMENT must be local, test, staging or production, got %q", b.Environment))
	}
	port, err := strconv.Atoi(or(getenv("PORT"), "8000"))
	if err != nil || port < 0 || port > 65535 {
		errs = append(errs, errors.New("PORT must be a port number"))
	}
	b.Port = port
	b.ShutdownDrain, err = Duration(getenv, "SHUTDOWN_DRAIN", 5*time.Second)
	if err != nil {
		errs = append(errs, err)
	}
	for o := range strings.SplitSeq(getenv("CORS_ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			b.CORSOrigins = append(b.CORSOrigins, o)
		}
	}
	// In AWS the password comes from RDS's managed secret as PGPASSWORD and
	// the rest as PGHOST/PGDATABASE/…, which pgx reads when the URL is empty.
	if needs.Database && b.DatabaseURL == "" && getenv("PGHOST") == "" {
		errs = append(errs, errors.New("DATABASE_URL (or PGHOST and the other libpq variables) is required"))
	}
	if needs.Redis || (needs.RedisWhenDeployed && (b.Deployed() || b.RedisURL != "")) {
		if b.RedisURL == "" {
			errs = append(errs, errors.New("REDIS_URL is required"))
		} else if u, err := url.Parse(b.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			errs = append(errs, errors.New("REDIS_URL must be a redis:// or rediss:// URL"))
		}
	}
	switch {
	case needs.NoInternalAPI:
		b.InternalToken = ""
	case b.InternalToken == "":
		if b.Deployed() {
			errs = append(errs, errors.New("INTERNAL_API_TOKEN is required in "+b.Environment))
		} else {
			b.InternalToken = RandomSecret()
			b.Generated = append(b.Generated, "INTERNAL_API_TOKEN")
		}
	case len(b.InternalToken) < 16:
		errs = append(errs, errors.New("INTERNAL_API_TOKEN must be at least 16 characters"))
	}
	return b, errors.Join(errs...)
}

// Duration reads a Go duration ("30s", "10m") with a default.
func Duration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s must be a duration like 30s or 10m, got %q", name, v)
	}
	return d, nil
}

// RandomSecret makes a 256-bit hex secret.
func RandomSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Shared returns the shared part of a service's configuration (a service's
// Config embeds Base, so it has this method too).
func (b Base) Shared() Base { return b }
