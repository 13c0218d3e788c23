package devenv

import (
	"cmp"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/peerprep/peerprep/deploy/config"
)

// Service is one row of the local service table.
type Service struct {
	Name     string // short name: "user"; the binary is "user-service"
	Dir      string // module directory, relative to the root
	Port     int    // local port of the first instance, 81xx
	Host     string // loopback address of the instance; "" is 127.0.0.1
	Prefix   string // ALB path prefix, "/user-service-api"; "" for the default route
	Priority int    // ALB listener rule priority
	Default  bool   // the ALB's default route: the web app, for paths no prefix claims
	Database bool   // owns a PostgreSQL database, peerprep_<name>
	Redis    bool   // uses Redis
}

// LoadServices reads the service table from deploy/services.yaml under
// root, the same file the infrastructure and the pipeline read. Rows whose
// <Dir>/cmd/<name>-service does not exist yet are skipped by Dev.
func LoadServices(root string) ([]Service, error) {
	topo, err := config.LoadTopology(filepath.Join(root, "deploy"))
	if err != nil {
		return nil, err
	}
	out := make([]Service, 0, len(topo.Services))
	for _, r := range topo.Services {
		name := strings.TrimSuffix(r.Name, "-service")
		out = append(out, Service{Name: name, Dir: "services/" + name, Port: r.LocalPort, Prefix: r.PathPrefix,
			Priority: r.ListenerPriority, Default: r.DefaultRoute, Database: r.Database, Redis: r.Redis})
	}
	return out, nil
}

// Binary is the executable's name, e.g. "user-service".
func (s Service) Binary() string { return s.Name + "-service" }

// DatabaseName is the service's own database, e.g. "peerprep_user".
func (s Service) DatabaseName() string { return defaultDatabasePrefix + s.Name }

// defaultDatabasePrefix names the databases of `mage dev`; the end-to-end
// targets use their own so they never touch a developer's data.
const defaultDatabasePrefix = "peerprep_"

// URLVar is the discovery override other services read, e.g. "USER_SERVICE_URL".
func (s Service) URLVar() string { return strings.ToUpper(s.Name) + "_SERVICE_URL" }

// LocalURL is where the service listens in local dev.
func (s Service) LocalURL() string { return "http://" + s.Addr() }

// Addr is the instance's host:port.
func (s Service) Addr() string { return net.JoinHostPort(s.IP(), strconv.Itoa(s.Port)) }

// IP is the instance's loopback address.
func (s Service) IP() string { return cmp.Or(s.Host, "127.0.0.1") }

// discoveryName is the service's name in the Cloud Map namespace.
func (s Service) discoveryName(namespace string) string { return s.Binary() + "." + namespace }

// BinaryPath is where Build puts the service's binary, relative to the root.
func (s Service) BinaryPath() string { return s.Dir + "/bin/" + s.Binary() }

// present reports whether the service's main package exists under root.
func (s Service) present(root string) bool {
	return hasGoFiles(filepath.Join(root, filepath.FromSlash(s.Dir), "cmd", s.Binary()))
}

// presentServices returns the rows of table that exist under root.
func presentServices(root string, table []Service) []Service {
	var out []Service
	for _, s := range table {
		if s.present(root) {
			out = append(out, s)
		}
	}
	return out
}

// wiring is what every local service is told about its surroundings.
type wiring struct {
	AdminDatabaseURL string // any database on the server; services get their own database on it
	RedisURL         string
	InternalToken    string
	LogLevel         string
	// DNSServer, when set, is the Cloud Map stand-in: every
	// <NAME>_SERVICE_URL names the service in Namespace, which the
	// services resolve there to the addresses of its instances.
	DNSServer      string
	Namespace      string
	DatabasePrefix string // "" = defaultDatabasePrefix
	RedisKeyPrefix string // "" = the services' default
	CORSOrigin     string // "" = http://localhost:8080
}

func (w wiring) databaseName(s Service) string {
	return cmp.Or(w.DatabasePrefix, defaultDatabasePrefix) + s.Name
}

// serviceDatabaseURL points the admin URL at the service's own database.
func serviceDatabaseURL(adminURL, database string) (string, error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", fmt.Errorf("database URL: %w", err)
	}
	u.Path = "/" + database
	u.RawPath = ""
	return u.String(), nil
}

// managedVar reports whether the dev target sets key itself; such variables
// are not inherited from the caller's environment, so a stray DATABASE_URL in
// a shell never reaches a service that should have none.
func managedVar(key string) bool {
	switch key {
	case "PORT", "ENVIRONMENT", "LOG_LEVEL", "DATABASE_URL", "REDIS_URL", "REDIS_KEY_PREFIX",
		"INTERNAL_API_TOKEN", "CORS_ALLOWED_ORIGINS", "LISTEN_HOST", "DISCOVERY_NAMESPACE", "DISCOVERY_DNS_SERVER":
		return true
	}
	return strings.HasSuffix(key, "_SERVICE_URL")
}

// serviceEnv is the environment of s in local dev: the inherited environment
// minus the managed variables, then the wiring. Every service learns the URL
// of every service in table.
func serviceEnv(inherited []string, s Service, table []Service, w wiring) ([]string, error) {
	var env []string
	for _, kv := range inherited {
		key, _, _ := strings.Cut(kv, "=")
		if !managedVar(key) {
			env = append(env, kv)
		}
	}
	logLevel := w.LogLevel
	if logLevel == "" {
		logLevel = "info"
	}
	env = append(env,
		"PORT="+strconv.Itoa(s.Port),
		"ENVIRONMENT=local",
		"LOG_LEVEL="+logLevel,
		// Its own loopback address only: the other instances of the
		// service listen on the same port at theirs.
		"LISTEN_HOST="+s.IP(),
	)
	if s.Database {
		dbURL, err := serviceDatabaseURL(w.AdminDatabaseURL, w.databaseName(s))
		if err != nil {
			return nil, err
		}
		env = append(env, "DATABASE_URL="+dbURL)
	}
	if s.Default {
		return env, nil // the web app calls no service and serves no internal route
	}
	env = append(env,
		"REDIS_URL="+w.RedisURL,
		"INTERNAL_API_TOKEN="+w.InternalToken,
		"CORS_ALLOWED_ORIGINS="+cmp.Or(w.CORSOrigin, "http://localhost:8080"),
	)
	if w.RedisKeyPrefix != "" {
		env = append(env, "REDIS_KEY_PREFIX="+w.RedisKeyPrefix)
	}
	if w.DNSServer != "" {
		env = append(env, "DISCOVERY_NAMESPACE="+w.Namespace, "DISCOVERY_DNS_SERVER="+w.DNSServer)
	}
	for _, other := range table {
		if other.Default {
			continue // browsers reach it, services never do
		}
		u := other.LocalURL()
		if w.DNSServer != "" {
			u = "http://" + net.JoinHostPort(other.discoveryName(w.Namespace), strconv.Itoa(other.Port))
		}
		env = append(env, other.URLVar()+"="+u)
	}
	return env, nil
}
