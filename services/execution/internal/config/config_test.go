package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/peerprep/peerprep/services/execution/internal/config"
)

func env(m map[string]string) func(string) string {
	base := map[string]string{"ENVIRONMENT": "test", "DATABASE_URL": "postgres://x/y", "REDIS_URL": "redis://127.0.0.1:6379/0", "INTERNAL_API_TOKEN": "0123456789abcdef0123"}
	for k, v := range m {
		base[k] = v
	}
	return func(k string) string { return base[k] }
}

func TestLoad(t *testing.T) {
	c, err := config.Load(env(map[string]string{"RUNTIMES_DIR": "/opt/rt", "RUN_CONCURRENCY": "3"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.PythonWasm != "/opt/rt/python.wasm" || c.GojaWasm != "/opt/rt/goja.wasm" || c.Concurrency != 3 || c.QueueSize != 12 ||
		c.RunTime != 2*time.Second || c.SubmitTime != 10*time.Second || c.MemoryMiB != 128 || c.RatePerMinute != 30 || c.RateBurst != 10 {
		t.Errorf("config %+v", c)
	}
	// In a checkout the interpreters are found in the module.
	if c, err := config.Load(env(nil)); err != nil || !strings.HasSuffix(c.GojaWasm, "runtimes/build/goja.wasm") {
		t.Errorf("default paths: %q, %v", c.GojaWasm, err)
	}
}

func TestLoadRejects(t *testing.T) {
	for _, bad := range []map[string]string{
		{"RUN_CONCURRENCY": "0"},
		{"RUN_MEMORY_MIB": "8"},
		{"RUN_TIME_LIMIT": "1ms"},
		{"RUN_RATE_BURST": "x"},
	} {
		if _, err := config.Load(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
