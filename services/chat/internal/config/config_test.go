package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	base := map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1/x", "REDIS_URL": "redis://127.0.0.1:6379/0"}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		check func(Config) bool
		err   string
	}{
		{"defaults", nil, func(c Config) bool {
			return c.SessionCacheTTL == 5*time.Second && c.RatePerSecond == 10 && c.RateBurst == 10 &&
				c.Persister && c.ClaimIdle == 15*time.Second && c.PresenceTTL == 15*time.Second
		}, ""},
		{"the persister can be turned off", map[string]string{"CHAT_PERSISTER": "false"}, func(c Config) bool { return !c.Persister }, ""},
		{"a word as persister is refused", map[string]string{"CHAT_PERSISTER": "maybe"}, nil, "CHAT_PERSISTER"},
		{"a zero rate is refused", map[string]string{"CHAT_RATE_PER_SECOND": "0"}, nil, "CHAT_RATE_PER_SECOND"},
		{"a tiny claim idle is refused", map[string]string{"CHAT_PERSIST_CLAIM_IDLE": "1ms"}, nil, "CHAT_PERSIST_CLAIM_IDLE"},
		{"a bad duration is refused", map[string]string{"CHAT_PRESENCE_TTL": "soon"}, nil, "CHAT_PRESENCE_TTL"},
		{"Redis is required", map[string]string{"REDIS_URL": ""}, nil, "REDIS_URL"},
	} {
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
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil || !tc.check(c) {
				t.Fatalf("Load = %+v, %v", c, err)
			}
		})
	}
}
