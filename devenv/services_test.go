package devenv

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// envMap turns KEY=VALUE pairs into a map, failing on a duplicate key.
func envMap(t *testing.T, env []string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := m[k]; dup {
			t.Errorf("%s set twice", k)
		}
		m[k] = v
	}
	return m
}

func TestServiceTable(t *testing.T) {
	t.Parallel()
	names, ports := map[string]bool{}, map[int]bool{}
	for _, s := range mustLoad(t) {
		if names[s.Name] || ports[s.Port] {
			t.Errorf("%s: name or port %d used twice", s.Name, s.Port)
		}
		names[s.Name], ports[s.Port] = true, true
		if s.Dir != "services/"+s.Name {
			t.Errorf("%s: dir %s, want services/%s", s.Name, s.Dir, s.Name)
		}
	}
	user := byName(t, mustLoad(t), "user")
	if user.Binary() != "user-service" || user.Port != 8101 || !user.Database || !user.Redis || user.Default {
		t.Errorf("user row = %+v", user)
	}
	web := byName(t, mustLoad(t), "frontend")
	if web.Binary() != "frontend-service" || !web.Default || web.Prefix != "" || web.Database || web.Redis {
		t.Errorf("frontend row = %+v", web)
	}
	if got := (Service{Name: "collaboration"}).URLVar(); got != "COLLABORATION_SERVICE_URL" {
		t.Errorf("URLVar() = %s", got)
	}
}

// byName is the row of the service called name.
func byName(t *testing.T, table []Service, name string) Service {
	t.Helper()
	i := slices.IndexFunc(table, func(s Service) bool { return s.Name == name })
	if i < 0 {
		t.Fatalf("no %s in the service table", name)
	}
	return table[i]
}

func TestServiceEnv(t *testing.T) {
	t.Parallel()
	table := mustLoad(t)
	user := byName(t, table, "user")
	w := wiring{AdminDatabaseURL: DefaultDatabaseURL, RedisURL: DefaultRedisURL, InternalToken: "tok"}
	inherited := []string{"PATH=/usr/bin", "HOME=/root", "DATABASE_URL=postgres://elsewhere/prod", "PORT=9999", "USER_SERVICE_URL=http://stale", "LOG_LEVEL=debug"}

	t.Run("a database service is wired to its own database and every peer", func(t *testing.T) {
		t.Parallel()
		env, err := serviceEnv(inherited, user, table, w)
		if err != nil {
			t.Fatal(err)
		}
		got := envMap(t, env)
		want := map[string]string{
			"PATH":                      "/usr/bin",
			"HOME":                      "/root",
			"PORT":                      "8101",
			"ENVIRONMENT":               "local",
			"LOG_LEVEL":                 "info",
			"LISTEN_HOST":               "127.0.0.1",
			"DATABASE_URL":              "postgres://postgres@127.0.0.1:5432/peerprep_user?sslmode=disable",
			"REDIS_URL":                 "redis://127.0.0.1:6379/0",
			"INTERNAL_API_TOKEN":        "tok",
			"CORS_ALLOWED_ORIGINS":      "http://localhost:8080",
			"USER_SERVICE_URL":          "http://127.0.0.1:8101",
			"QUESTION_SERVICE_URL":      "http://127.0.0.1:8102",
			"MATCHING_SERVICE_URL":      "http://127.0.0.1:8103",
			"HISTORY_SERVICE_URL":       "http://127.0.0.1:8104",
			"COLLABORATION_SERVICE_URL": "http://127.0.0.1:8105",
			"CHAT_SERVICE_URL":          "http://127.0.0.1:8106",
			"EXECUTION_SERVICE_URL":     "http://127.0.0.1:8107",
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %q, want %q", k, got[k], v)
			}
		}
		if len(got) != len(want) {
			t.Errorf("unexpected variables: %v", env)
		}
		if _, ok := got["JWT_SIGNING_KEY"]; ok {
			t.Error("JWT_SIGNING_KEY is set; user-service must generate and store its own")
		}
	})

	t.Run("a service without a database gets no DATABASE_URL, not even the caller's", func(t *testing.T) {
		t.Parallel()
		matching := byName(t, table, "matching")
		env, err := serviceEnv(inherited, matching, table, w)
		if err != nil {
			t.Fatal(err)
		}
		got := envMap(t, env)
		if v, ok := got["DATABASE_URL"]; ok {
			t.Errorf("DATABASE_URL = %q, want unset", v)
		}
		if got["PORT"] != "8103" || got["REDIS_URL"] != DefaultRedisURL {
			t.Errorf("PORT = %q, REDIS_URL = %q", got["PORT"], got["REDIS_URL"])
		}
	})

	t.Run("with the Cloud Map stand-in, services are named in its namespace at their ports", func(t *testing.T) {
		t.Parallel()
		w := w
		w.DNSServer, w.Namespace = "127.0.0.1:8090", "dev.peerprep.local"
		second := byName(t, table, "matching")
		second.Host = "127.0.0.2"
		env, err := serviceEnv(inherited, second, table, w)
		if err != nil {
			t.Fatal(err)
		}
		got := envMap(t, env)
		for k, want := range map[string]string{
			"LISTEN_HOST":          "127.0.0.2",
			"PORT":                 "8103",
			"DISCOVERY_NAMESPACE":  "dev.peerprep.local",
			"DISCOVERY_DNS_SERVER": "127.0.0.1:8090",
			"USER_SERVICE_URL":     "http://user-service.dev.peerprep.local:8101",
		} {
			if got[k] != want {
				t.Errorf("%s = %q, want %q", k, got[k], want)
			}
		}
	})

	t.Run("a chosen log level and database server carry through", func(t *testing.T) {
		t.Parallel()
		w := w
		w.LogLevel = "debug"
		w.AdminDatabaseURL = "postgres://admin:s3cret@db.internal:6543/postgres?sslmode=require"
		env, err := serviceEnv(nil, user, table, w)
		if err != nil {
			t.Fatal(err)
		}
		got := envMap(t, env)
		if got["LOG_LEVEL"] != "debug" {
			t.Errorf("LOG_LEVEL = %q", got["LOG_LEVEL"])
		}
		if want := "postgres://admin:s3cret@db.internal:6543/peerprep_user?sslmode=require"; got["DATABASE_URL"] != want {
			t.Errorf("DATABASE_URL = %q, want %q", got["DATABASE_URL"], want)
		}
	})

	t.Run("the web app gets no secrets and no service addresses", func(t *testing.T) {
		t.Parallel()
		env, err := serviceEnv(inherited, byName(t, table, "frontend"), table, w)
		if err != nil {
			t.Fatal(err)
		}
		got := envMap(t, env)
		for _, k := range []string{"INTERNAL_API_TOKEN", "REDIS_URL", "DATABASE_URL", "USER_SERVICE_URL", "CORS_ALLOWED_ORIGINS"} {
			if v, ok := got[k]; ok {
				t.Errorf("%s = %q, want unset", k, v)
			}
		}
		if got["PORT"] != "8100" {
			t.Errorf("PORT = %q", got["PORT"])
		}
	})

	t.Run("no service is told where the web app is", func(t *testing.T) {
		t.Parallel()
		env, err := serviceEnv(nil, user, table, w)
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := envMap(t, env)["FRONTEND_SERVICE_URL"]; ok {
			t.Errorf("FRONTEND_SERVICE_URL = %q", v)
		}
	})
}

func TestPresentServices(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{
		"services/user/cmd/user-service/main.go": "package main\n",
		"services/question/go.mod":               "module q\n",
	})
	got := presentServices(root, mustLoad(t))
	if len(got) != 1 || got[0].Name != "user" {
		t.Errorf("presentmustLoad(t) = %+v, want only user", got)
	}
}

func mustLoad(t *testing.T) []Service {
	t.Helper()
	svcs, err := LoadServices("..")
	if err != nil {
		t.Fatal(err)
	}
	return svcs
}

// TestComposeFollowsServices: docker/compose.yaml runs every service of
// deploy/services.yaml under its Cloud Map-like alias, and the nginx
// gateway routes every prefix.
func TestComposeFollowsServices(t *testing.T) {
	t.Parallel()
	root, err := FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	table, err := LoadServices(root)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "docker", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Networks any `yaml:"networks"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatal(err)
	}
	conf, err := os.ReadFile(filepath.Join(root, "docker", "gateway.conf"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`location ~ \^/\(([a-z|]+)\)-service-api`).FindSubmatch(conf)
	if m == nil {
		t.Fatal("gateway.conf has no service-prefix location")
	}
	routed := strings.Split(string(m[1]), "|")
	for _, s := range table {
		c, ok := compose.Services[s.Binary()]
		if !ok {
			t.Errorf("compose.yaml has no service %s", s.Binary())
			continue
		}
		if alias := s.Binary() + ".peerprep-local.local"; !strings.Contains(fmt.Sprint(c.Networks), alias) {
			t.Errorf("%s lacks the network alias %s: %v", s.Binary(), alias, c.Networks)
		}
		if s.Default {
			if !regexp.MustCompile(`location / \{\s+set \$frontend http://` + regexp.QuoteMeta(s.Binary()) + `\.peerprep-local\.local:8000;`).Match(conf) {
				t.Errorf("gateway.conf does not send the default route to %s", s.Binary())
			}
			continue
		}
		if s.Prefix != "/"+s.Binary()+"-api" || !slices.Contains(routed, s.Name) {
			t.Errorf("gateway.conf does not route %s (routes %v)", s.Prefix, routed)
		}
	}
}
