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
	user := mustLoad(t)[0]
	if user.Binary() != "user-service" || user.Port != 8101 || !user.Database || !user.Redis {
		t.Errorf("user row = %+v", user)
	}
	if got := (Service{Name: "collaboration"}).URLVar(); got != "COLLABORATION_SERVICE_URL" {
		t.Errorf("URLVar() = %s", got)
	}
}

func TestServiceEnv(t *testing.T) {
	t.Parallel()
	table := mustLoad(t)
	w := wiring{AdminDatabaseURL: DefaultDatabaseURL, RedisURL: DefaultRedisURL, InternalToken: "tok"}
	inherited := []string{"PATH=/usr/bin", "HOME=/root", "DATABASE_URL=postgres://elsewhere/prod", "PORT=9999", "USER_SERVICE_URL=http://stale", "LOG_LEVEL=debug"}

	t.Run("a database service is wired to its own database and every peer", func(t *testing.T) {
		t.Parallel()
		env, err := serviceEnv(inherited, table[0], table, w)
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
		matching := table[slices.IndexFunc(table, func(s Service) bool { return s.Name == "matching" })]
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

	t.Run("a chosen log level and database server carry through", func(t *testing.T) {
		t.Parallel()
		w := w
		w.LogLevel = "debug"
		w.AdminDatabaseURL = "postgres://admin:s3cret@db.internal:6543/postgres?sslmode=require"
		env, err := serviceEnv(nil, table[0], table, w)
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
		if s.Prefix != "/"+s.Binary()+"-api" || !slices.Contains(routed, s.Name) {
			t.Errorf("gateway.conf does not route %s (routes %v)", s.Prefix, routed)
		}
	}
}
