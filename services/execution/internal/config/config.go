// Package config is execution-service's configuration, read once from the
// environment.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/peerprep/peerprep/libs/config"
	"github.com/peerprep/peerprep/services/execution/runtimes"
)

// Service is the name execution-service runs and logs under.
const Service = "execution-service"

// Config is execution-service's configuration.
type Config struct {
	config.Base

	// PythonWasm and GojaWasm are the interpreters' modules
	// (PYTHON_WASM, GOJA_WASM). RUNTIMES_DIR=<dir> sets both to
	// <dir>/python.wasm and <dir>/goja.wasm; by default they are found in
	// the execution module's runtimes/ (a checkout after `go run
	// ./runtimes/prepare`), else in ImageRuntimes (the image's layout).
	PythonWasm, GojaWasm string
	// CacheDir keeps compiled modules across restarts (WASM_CACHE_DIR); empty
	// compiles in memory at every start.
	CacheDir string

	// Concurrency is how many runs one instance executes at once
	// (RUN_CONCURRENCY, default the number of CPUs); QueueSize how many more
	// may wait (RUN_QUEUE, default 4×Concurrency), each for at most
	// QueueWait (RUN_QUEUE_WAIT, default 5s) before a 429.
	Concurrency int
	QueueSize   int
	QueueWait   time.Duration
	// RunTime and SubmitTime are the wall-time limits of a run's and a
	// submit's batch of cases (RUN_TIME_LIMIT 2s, SUBMIT_TIME_LIMIT 10s).
	RunTime, SubmitTime time.Duration
	// MemoryMiB is the guest's linear-memory cap (RUN_MEMORY_MIB, 128).
	MemoryMiB int
	// RatePerMinute and RateBurst bound one user's runs across replicas
	// (RUN_RATE_PER_MINUTE 30, RUN_RATE_BURST 10).
	RatePerMinute, RateBurst int
	// CacheTTL is how long a question's tests, a session and a username are
	// reused (PEER_CACHE_TTL, default 30s).
	CacheTTL time.Duration
}

// Load reads the configuration through getenv.
func Load(getenv func(string) string) (Config, error) {
	base, err := config.LoadBase(Service, getenv, config.Needs{Database: true, Redis: true})
	c := Config{Base: base}
	errs := []error{err}
	c.PythonWasm, c.GojaWasm = getenv("PYTHON_WASM"), getenv("GOJA_WASM")
	if dir := getenv("RUNTIMES_DIR"); dir != "" {
		c.PythonWasm = or(c.PythonWasm, filepath.Join(dir, "python.wasm"))
		c.GojaWasm = or(c.GojaWasm, filepath.Join(dir, "goja.wasm"))
	}
	if c.PythonWasm == "" || c.GojaWasm == "" {
		dir, err := runtimes.ModuleDir()
		switch {
		case err == nil:
			c.PythonWasm = or(c.PythonWasm, filepath.Join(dir, runtimes.PythonWasm))
			c.GojaWasm = or(c.GojaWasm, filepath.Join(dir, runtimes.GojaWasm))
		case exists(filepath.Join(ImageRuntimes, "python.wasm")):
			c.PythonWasm = or(c.PythonWasm, filepath.Join(ImageRuntimes, "python.wasm"))
			c.GojaWasm = or(c.GojaWasm, filepath.Join(ImageRuntimes, "goja.wasm"))
		default:
			errs = append(errs, errors.New("set RUNTIMES_DIR (or PYTHON_WASM and GOJA_WASM): the interpreters were not found"))
		}
	}
	c.CacheDir = getenv("WASM_CACHE_DIR")
	if c.CacheDir == "" && !base.Deployed() {
		if d, err := os.UserCacheDir(); err == nil {
			c.CacheDir = filepath.Join(d, "peerprep", "wazero")
		}
	}
	c.Concurrency, err = positiveInt(getenv, "RUN_CONCURRENCY", runtime.NumCPU())
	errs = append(errs, err)
	c.QueueSize, err = positiveInt(getenv, "RUN_QUEUE", 4*max(c.Concurrency, 1))
	errs = append(errs, err)
	c.QueueWait, err = config.Duration(getenv, "RUN_QUEUE_WAIT", 5*time.Second)
	errs = append(errs, err)
	c.RunTime, err = config.Duration(getenv, "RUN_TIME_LIMIT", 2*time.Second)
	errs = append(errs, err)
	c.SubmitTime, err = config.Duration(getenv, "SUBMIT_TIME_LIMIT", 10*time.Second)
	errs = append(errs, err)
	if c.RunTime < 100*time.Millisecond || c.SubmitTime < 100*time.Millisecond {
		errs = append(errs, errors.New("RUN_TIME_LIMIT and SUBMIT_TIME_LIMIT must be at least 100ms"))
	}
	c.MemoryMiB, err = positiveInt(getenv, "RUN_MEMORY_MIB", 128)
	errs = append(errs, err)
	if err == nil && (c.MemoryMiB < 32 || c.MemoryMiB > 4096) {
		errs = append(errs, errors.New("RUN_MEMORY_MIB must be between 32 and 4096"))
	}
	c.RatePerMinute, err = positiveInt(getenv, "RUN_RATE_PER_MINUTE", 30)
	errs = append(errs, err)
	c.RateBurst, err = positiveInt(getenv, "RUN_RATE_BURST", 10)
	errs = append(errs, err)
	c.CacheTTL, err = config.Duration(getenv, "PEER_CACHE_TTL", 30*time.Second)
	errs = append(errs, err)
	return c, errors.Join(errs...)
}

// ImageRuntimes is where the service's image keeps the interpreters.
const ImageRuntimes = "/runtimes"

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func positiveInt(getenv func(string) string, name string, def int) (int, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > 1_000_000 {
		return 0, fmt.Errorf("%s must be a positive whole number, got %q", name, v)
	}
	return n, nil
}
