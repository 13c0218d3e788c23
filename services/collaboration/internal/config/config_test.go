package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	base := map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1/x", "REDIS_URL": "redis://127.0.0.1:6379/0"}
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(Config) bool
	}{
		{"defaults", nil, "", func(c Config) bool {
			return c.IdleTimeout == 30*time.Minute && c.PersistInterval == 200*time.Millisecond && c.CompactEvery == 1000 &&
				c.InterviewPhase == 25*time.Minute
		}},
		{"short interview phases for tests", map[string]string{"INTERVIEW_PHASE": "3s"}, "", func(c Config) bool { return c.InterviewPhase == 3*time.Second }},
		{"interview phase too short", map[string]string{"INTERVIEW_PHASE": "100ms"}, "INTERVIEW_PHASE", nil},
		{"short idle timeout for tests", map[string]string{"SESSION_IDLE_TIMEOUT": "2s"}, "", func(c Config) bool { return c.IdleTimeout == 2*time.Second }},
		{"idle timeout not a duration", map[string]string{"SESSION_IDLE_TIMEOUT": "soon"}, "SESSION_IDLE_TIMEOUT", nil},
		{"idle timeout too short", map[string]string{"SESSION_IDLE_TIMEOUT": "10ms"}, "SESSION_IDLE_TIMEOUT", nil},
		{"compaction too frequent", map[string]string{"COMPACT_EVERY": "3"}, "COMPACT_EVERY", nil},
		{"update quota raised for load tests", map[string]string{"UPDATE_RATE": "1e9", "UPDATE_BURST": "2000"}, "", func(c Config) bool {
			return c.UpdateRate == 1e9 && c.UpdateBurst == 2000
		}},
		{"update rate not a number", map[string]string{"UPDATE_RATE": "fast"}, "UPDATE_RATE", nil},
		{"no Redis", map[string]string{"REDIS_URL": ""}, "REDIS_URL", nil},
		{"production without its secrets", map[string]string{"ENVIRONMENT": "production"}, "INTERNAL_API_TOKEN", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tc.env {
				env[k] = v
			}
			c, err := Load(func(k string) string { return env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(c) {
				t.Fatalf("%+v %v", c, err)
			}
		})
	}
}
