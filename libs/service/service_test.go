package service

import (
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/peerprep/peerprep/libs/config"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/servicetest"
)

type testConfig struct{ config.Base }

func loadTest(needs config.Needs) func(func(string) string) (testConfig, error) {
	return func(getenv func(string) string) (testConfig, error) {
		b, err := config.LoadBase("test-service", getenv, needs)
		return testConfig{b}, err
	}
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var testMigrations = fstest.MapFS{
	"0001_things.sql": {Data: []byte("-- +goose Up\nCREATE TABLE things (id int PRIMARY KEY);\n-- +goose Down\nDROP TABLE things;\n")},
}

func TestCommandsAreDispatched(t *testing.T) {
	t.Parallel()
	ran := ""
	spec := Spec[testConfig]{
		Name: "test-service", Load: loadTest(config.Needs{}),
		Commands: []Command[testConfig]{{Name: "seed", Args: "<n>", Usage: "load things", Run: func(_ context.Context, s *Service[testConfig], args []string) error {
			ran = strings.Join(args, ",")
			return nil
		}}},
		Wire: func(context.Context, *Service[testConfig]) error { t.Fatal("wired for a command"); return nil },
	}
	cases := []struct {
		name string
		args []string
		want string // in the error; "" for success
	}{
		{"unknown command is refused with the usage", []string{"frobnicate"}, "unknown command \"frobnicate\""},
		{"serve takes no arguments", []string{"serve", "now"}, "serve takes no arguments"},
		{"migrate takes no arguments", []string{"migrate", "now"}, "migrate takes no arguments"},
		{"a service's own command gets its arguments", []string{"seed", "1", "2"}, ""},
	}
	for _, tc := range cases {
		err := Run(context.Background(), tc.args, env(map[string]string{"ENVIRONMENT": "test"}), io.Discard, spec)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	if ran != "1,2" {
		t.Fatalf("seed ran with %q", ran)
	}
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"help"}, env(nil), &out, spec); err != nil ||
		!strings.Contains(out.String(), "seed <n>") || !strings.Contains(out.String(), "healthcheck") {
		t.Fatalf("help: %v\n%s", err, out.String())
	}
}

func TestHealthcheckNeedsOnlyPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	spec := Spec[testConfig]{Name: "test-service", Load: func(func(string) string) (testConfig, error) {
		t.Fatal("healthcheck loaded the configuration")
		return testConfig{}, nil
	}}
	// Nothing listens: the probe fails, having tried the port it was given.
	err = Run(context.Background(), []string{"healthcheck"}, env(map[string]string{"PORT": port, "ENVIRONMENT": "nonsense"}), io.Discard, spec)
	if err == nil || !strings.Contains(err.Error(), port) {
		t.Fatalf("healthcheck = %v", err)
	}
}

func TestMigrateNeedsOnlyTheDatabase(t *testing.T) {
	t.Parallel()
	spec := Spec[testConfig]{
		Name: "test-service", Migrations: testMigrations, Redis: RedisRequired,
		// serve would need Redis and the internal token in production.
		Load: loadTest(config.Needs{Database: true, Redis: true}),
	}
	url := pgtest.NewURL(t, nil)
	prod := env(map[string]string{"ENVIRONMENT": "production", "DATABASE_URL": url})
	var out bytes.Buffer
	for range 2 { // a second run finds nothing to do
		if err := Run(context.Background(), []string{"migrate"}, prod, &out, spec); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	if !strings.Contains(out.String(), `"msg":"migrations applied"`) {
		t.Fatalf("log: %s", out.String())
	}
	if err := Run(context.Background(), []string{"serve"}, prod, io.Discard, spec); err == nil || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Fatalf("serve in production without Redis = %v", err)
	}
	if err := Run(context.Background(), []string{"migrate"}, env(map[string]string{"ENVIRONMENT": "production"}), io.Discard, spec); err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("migrate without a database = %v", err)
	}

	out.Reset()
	spec.Migrations = nil
	if err := Run(context.Background(), []string{"migrate"}, env(map[string]string{"ENVIRONMENT": "production"}), &out, spec); err != nil || !strings.Contains(out.String(), "nothing to migrate") {
		t.Fatalf("migrate without a database: %v %s", err, out.String())
	}
}

func TestLocalServeMigratesFirst(t *testing.T) {
	t.Parallel()
	url := pgtest.NewURL(t, nil)
	spec := Spec[testConfig]{
		Name: "test-service", Migrations: testMigrations, Load: loadTest(config.Needs{Database: true}),
		Wire: func(ctx context.Context, s *Service[testConfig]) error {
			_, err := s.DB.Exec(ctx, "INSERT INTO things VALUES (1)")
			return err
		},
	}
	in := servicetest.Start(t, servicetest.RunFunc(func(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
		return Run(ctx, args, getenv, stdout, spec)
	}), map[string]string{"ENVIRONMENT": "local", "DATABASE_URL": url})
	if err := in.Stop(); err != nil {
		t.Fatal(err)
	}
}

// TestWorkersStopInTheirPhase: an UntilSIGTERM worker stops when shutdown
// begins; an UntilDrained one only after the OnShutdown and OnStopped hooks;
// Run returns only once both have returned.
func TestWorkersStopInTheirPhase(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var events []string
	note := func(e string) { mu.Lock(); events = append(events, e); mu.Unlock() }
	spec := Spec[testConfig]{
		Name: "test-service", Load: loadTest(config.Needs{}),
		Wire: func(ctx context.Context, s *Service[testConfig]) error {
			s.Go(UntilSIGTERM, func(ctx context.Context) {
				<-ctx.Done()
				time.Sleep(20 * time.Millisecond) // the hook below must not wait for this one
				note("sigterm worker stopped")
			})
			s.Go(UntilDrained, func(ctx context.Context) {
				<-ctx.Done()
				time.Sleep(50 * time.Millisecond) // Run must wait for it
				note("drained worker stopped")
			})
			s.OnShutdown(func(context.Context) { time.Sleep(100 * time.Millisecond); note("shutdown hook") })
			s.OnStopped(func(context.Context) { note("stopped hook") })
			return nil
		},
	}
	in := servicetest.Start(t, servicetest.RunFunc(func(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
		return Run(ctx, args, getenv, stdout, spec)
	}), nil)
	if err := in.Stop(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"sigterm worker stopped", "shutdown hook", "stopped hook", "drained worker stopped"}
	if strings.Join(events, "|") != strings.Join(want, "|") {
		t.Fatalf("order %q, want %q", events, want)
	}
}

func TestWireFailureStopsWorkers(t *testing.T) {
	t.Parallel()
	stopped := make(chan struct{})
	spec := Spec[testConfig]{
		Name: "test-service", Load: loadTest(config.Needs{}),
		Wire: func(ctx context.Context, s *Service[testConfig]) error {
			s.Go(UntilDrained, func(ctx context.Context) { <-ctx.Done(); close(stopped) })
			return context.Canceled
		},
	}
	if err := Run(context.Background(), nil, env(map[string]string{"ENVIRONMENT": "test"}), io.Discard, spec); err == nil {
		t.Fatal("a failed wiring served")
	}
	select {
	case <-stopped:
	default:
		t.Fatal("Run returned before its worker")
	}
}
