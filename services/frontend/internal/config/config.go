// Package config reads frontend-service's configuration from the
// environment: only the variables every service shares; the web app needs
// no runtime settings (it is served from the APIs' own origin).
package config

import "github.com/peerprep/peerprep/libs/config"

// Service is the name frontend-service runs and logs under.
const Service = "frontend-service"

// Config is frontend-service's configuration.
type Config struct {
	config.Base
}

// Load reads and validates the configuration through getenv.
func Load(getenv func(string) string) (Config, error) {
	base, err := config.LoadBase(Service, getenv, config.Needs{NoInternalAPI: true})
	base.CORSOrigins = nil // the app is served from its own origin only
	return Config{Base: base}, err
}
