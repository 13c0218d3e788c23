package config

import (
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	base := map[string]string{"DATABASE_URL": "postgres://x/y", "ENVIRONMENT": "test"}
	with := func(kv ...string) func(string) string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := Load(with())
	if err != nil || c.CacheSize != 10_000 || c.CacheTTL != 5*time.Minute || c.Service != Service {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	c, err = Load(with("QUESTION_CACHE_SIZE", "0", "QUESTION_CACHE_TTL", "30s"))
	if err != nil || c.CacheSize != 0 || c.CacheTTL != 30*time.Second {
		t.Fatalf("overrides: %+v, %v", c, err)
	}
	for _, bad := range [][]string{{"QUESTION_CACHE_SIZE", "-1"}, {"QUESTION_CACHE_SIZE", "many"}, {"QUESTION_CACHE_TTL", "soon"}, {"DATABASE_URL", ""}} {
		if _, err := Load(with(bad...)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
