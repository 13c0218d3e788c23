package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// deployDir is the repository's real deploy directory.
const deployDir = "../"

func TestRealEnvironmentsLoad(t *testing.T) {
	t.Parallel()
	names, err := Environments(deployDir)
	if err != nil || len(names) < 2 {
		t.Fatalf("environments %v %v", names, err)
	}
	topo, err := LoadTopology(deployDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		e, err := Load(deployDir, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(e.Services) != len(topo.Services) {
			t.Fatalf("%s: %d services, topology has %d", name, len(e.Services), len(topo.Services))
		}
		for _, s := range e.Services {
			routed := s.DefaultRoute || (s.PathPrefix != "" && s.ListenerPriority != 0)
			if !routed || e.HealthCheck.Path == "" {
				t.Errorf("%s/%s is not routed or health-checked", name, s.Name)
			}
			if s.Database && s.Environment["PGDATABASE"] != DatabaseName(s.Name) {
				t.Errorf("%s/%s: PGDATABASE %q", name, s.Name, s.Environment["PGDATABASE"])
			}
		}
	}
	prod, _ := Load(deployDir, "production")
	u, _ := prod.Service("user-service")
	if u.Autoscaling.RequestsPerTarget != 2000 || u.Autoscaling.CPUTarget != 70 || u.Secrets["JWT_SIGNING_KEY"] == "" || u.Secrets["INTERNAL_API_TOKEN"] == "" {
		t.Fatalf("merge of defaults and service settings: %+v", u)
	}
	c, _ := prod.Service("collaboration-service")
	if c.CPU != 1024 || c.Memory != 2048 || c.DesiredCount != 2 {
		t.Fatalf("per-service override: %+v", c)
	}
}

func TestFargateSizes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cpu, mem int
		ok       bool
	}{{256, 512, true}, {256, 4096, false}, {512, 3072, true}, {1024, 1024, false}, {4096, 30720, true}, {300, 1024, false}} {
		got := false
		for _, m := range FargateMemory(tc.cpu) {
			got = got || m == tc.mem
		}
		if got != tc.ok {
			t.Errorf("cpu %d memory %d: valid=%v, want %v", tc.cpu, tc.mem, got, tc.ok)
		}
	}
}

// withEdit copies the real configuration into a temp dir, applies edit to
// one file and loads production.
func withEdit(t *testing.T, file, old, new string) error {
	t.Helper()
	dir := t.TempDir()
	_ = os.MkdirAll(filepath.Join(dir, "environments"), 0o755)
	for _, f := range []string{"services.yaml", "environments/production.yaml"} {
		b, err := os.ReadFile(filepath.Join(deployDir, f))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if f == file {
			if !strings.Contains(s, old) {
				t.Fatalf("%s does not contain %q", f, old)
			}
			s = strings.Replace(s, old, new, 1)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Load(dir, "production")
	return err
}

func TestValidationRejects(t *testing.T) {
	t.Parallel()
	const env = "environments/production.yaml"
	cases := []struct {
		name, file, old, new, want string
	}{
		{"duplicate listener priority", "services.yaml", "listener_priority: 20", "listener_priority: 10", "listener_priority 10 is also"},
		{"duplicate path prefix", "services.yaml", "path_prefix: /question-service-api", "path_prefix: /user-service-api", "used twice"},
		{"prefix with trailing slash", "services.yaml", "path_prefix: /chat-service-api", "path_prefix: /chat-service-api/", "path_prefix"},
		{"health check without a path", "services.yaml", "path: /health/ready", "path: health", "health_check.path"},
		{"unknown field", "services.yaml", "redis: true\n    local_port: 8101", "redis: true\n    colour: blue\n    local_port: 8101", "colour"},
		{"invalid Fargate pair", env, "cpu: 1024\n    memory: 2048", "cpu: 1024\n    memory: 1024", "not a Fargate size"},
		{"plain-text secret", env, "LOG_LEVEL: info", "LOG_LEVEL: info\n    JWT_SIGNING_KEY: abc", "looks secret"},
		{"credentials in a URL", env, "LOG_LEVEL: info", "LOG_LEVEL: info\n    UPSTREAM: https://u:p@host", "credentials in a URL"},
		{"bad secret reference", env, "INTERNAL_API_TOKEN: peerprep/production/internal-api-token", "INTERNAL_API_TOKEN: \"not a name!\"", "Secrets Manager name"},
		{"fewer than two tasks", env, "min_count: 2", "min_count: 1", "need 2"},
		{"service missing from the environment", env, "  chat-service: {}\n", "", "no entry for chat-service"},
		{"unknown service in the environment", env, "  chat-service: {}\n", "  chat-service: {}\n  billing-service: {}\n", "billing-service"},
		{"bad retention", env, "log_retention_days: 30", "log_retention_days: 31", "retention"},
		{"two default routes", "services.yaml", "path_prefix: /user-service-api\n    listener_priority: 10", "default_route: true", "default_route is also"},
		{"default route with a prefix", "services.yaml", "default_route: true", "default_route: true\n    path_prefix: /web", "no path_prefix"},
		{"default route with a database", "services.yaml", "default_route: true", "default_route: true\n    database: true", "owns no database"},
		{"wrong namespace", env, "namespace: peerprep-prod.local", "namespace: prod.local", "namespace"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := withEdit(t, tc.file, tc.old, tc.new)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
