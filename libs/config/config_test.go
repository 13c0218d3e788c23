package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadBase(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		env     map[string]string
		needs   Needs
		wantErr string
		check   func(t *testing.T, b Base)
	}{
		{"local defaults and a generated internal token", map[string]string{}, Needs{}, "", func(t *testing.T, b Base) {
			if b.Port != 8000 || b.Environment != Local || b.ShutdownDrain != 5*time.Second || len(b.InternalToken) != 64 || b.Generated[0] != "INTERNAL_API_TOKEN" {
				t.Fatalf("%+v", b)
			}
		}},
		{"production refuses to start without the internal token", map[string]string{"ENVIRONMENT": "production"}, Needs{}, "INTERNAL_API_TOKEN is required", nil},
		{"database required when needed", map[string]string{}, Needs{Database: true}, "DATABASE_URL (or PGHOST", nil},
		{"redis URL must be redis://", map[string]string{"REDIS_URL": "http://x"}, Needs{Redis: true}, "REDIS_URL must be", nil},
		{"redis when deployed: required in production", map[string]string{"ENVIRONMENT": "production", "INTERNAL_API_TOKEN": "0123456789abcdef"}, Needs{RedisWhenDeployed: true}, "REDIS_URL is required", nil},
		{"redis when deployed: optional locally", map[string]string{}, Needs{RedisWhenDeployed: true}, "", func(t *testing.T, b Base) {}},
		{"bad port", map[string]string{"PORT": "http"}, Needs{}, "PORT must be", nil},
		{"bad environment", map[string]string{"ENVIRONMENT": "prod"}, Needs{}, "ENVIRONMENT must be", nil},
		{"bad drain", map[string]string{"SHUTDOWN_DRAIN": "5"}, Needs{}, "SHUTDOWN_DRAIN must be", nil},
		{"the web app needs no internal token, even in production", map[string]string{"ENVIRONMENT": "production", "INTERNAL_API_TOKEN": "x"}, Needs{NoInternalAPI: true}, "", func(t *testing.T, b Base) {
			if b.InternalToken != "" || len(b.Generated) != 0 {
				t.Fatalf("%+v", b)
			}
		}},
		{"short internal token", map[string]string{"INTERNAL_API_TOKEN": "short"}, Needs{}, "at least 16", nil},
		{"origins are split and trimmed", map[string]string{"CORS_ALLOWED_ORIGINS": "http://a, http://b,"}, Needs{}, "", func(t *testing.T, b Base) {
			if len(b.CORSOrigins) != 2 || b.CORSOrigins[1] != "http://b" {
				t.Fatalf("%q", b.CORSOrigins)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := LoadBase("x-service", env(tc.env), tc.needs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, b)
		})
	}
}
