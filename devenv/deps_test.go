package devenv

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// fakeServer answers checks according to whether it has been started.
type fakeServer struct {
	up, refuses bool
	startErr    error
	startsAfter int // checks that still fail after start
	starts      int
}

func (f *fakeServer) check(context.Context, string) error {
	switch {
	case f.refuses:
		return refusedError{errors.New("password authentication failed")}
	case f.up && f.startsAfter == 0:
		return nil
	case f.up:
		f.startsAfter--
	}
	return errors.New("connection refused")
}

func (f *fakeServer) start(context.Context) (string, error) {
	f.starts++
	if f.startErr != nil {
		return "Error: You must run this program as the cluster owner", f.startErr
	}
	f.up = true
	return "", nil
}

func TestDependencyEnsure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		srv        fakeServer
		fromEnv    bool
		installed  bool
		wantErr    string // "" for success
		wantStarts int
	}{
		{name: "a running server is left alone", srv: fakeServer{up: true}, installed: true},
		{name: "a stopped local server is started and waited for", srv: fakeServer{startsAfter: 2}, installed: true, wantStarts: 1},
		{name: "a server from the environment is only checked", srv: fakeServer{}, fromEnv: true, installed: true,
			wantErr: "(from PEERPREP_TEST_DATABASE_URL) is not reachable"},
		{name: "no local installation says what to install", srv: fakeServer{},
			wantErr: "apt-get install postgresql redis-server"},
		{name: "a server that refuses is not restarted", srv: fakeServer{refuses: true}, installed: true,
			wantErr: "running but refused"},
		{name: "a failing start shows its output", srv: fakeServer{startErr: errors.New("exit status 1")}, installed: true,
			wantErr: "cluster owner", wantStarts: 1},
		{name: "a server that never answers times out", srv: fakeServer{startsAfter: 1 << 30}, installed: true,
			wantErr: "did not answer", wantStarts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := tt.srv
			d := dependency{
				name: "PostgreSQL", url: DefaultDatabaseURL, envVar: EnvDatabaseURL, fromEnv: tt.fromEnv,
				check: srv.check, startCmd: "pg_ctlcluster 15 main start", wait: 600 * time.Millisecond,
			}
			if tt.installed {
				d.start = srv.start
			}
			err := d.ensure(context.Background(), io.Discard)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("ensure() = %v, want success", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("ensure() = %v, want an error containing %q", err, tt.wantErr)
			}
			if srv.starts != tt.wantStarts {
				t.Errorf("started %d times, want %d", srv.starts, tt.wantStarts)
			}
		})
	}
}

func TestEnsureHonoursEnvironment(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1, and the URLs come from the environment, so
	// nothing is started and both failures are reported.
	env := map[string]string{
		EnvDatabaseURL: "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable",
		EnvRedisURL:    "redis://127.0.0.1:1/0",
	}
	e := &Env{Getenv: func(k string) string { return env[k] }, Stdout: io.Discard, Stderr: io.Discard}
	d, err := e.EnsureDeps(context.Background())
	if d.DatabaseURL != env[EnvDatabaseURL] || d.RedisURL != env[EnvRedisURL] {
		t.Errorf("EnsureDeps() = %+v, want the URLs from the environment", d)
	}
	if err == nil || !strings.Contains(err.Error(), EnvDatabaseURL) || !strings.Contains(err.Error(), EnvRedisURL) {
		t.Errorf("EnsureDeps() error = %v, want both servers reported", err)
	}
}

func TestLocalPostgresVersion(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{
		"9.6/main/postgresql.conf": "",
		"15/main/postgresql.conf":  "",
		"16/other/postgresql.conf": "", // no main cluster
	})
	if got := localPostgresVersion(root); got != "15" {
		t.Errorf("localPostgresVersion() = %q, want 15", got)
	}
	if got := localPostgresVersion(root + "/missing"); got != "" {
		t.Errorf("no installation: localPostgresVersion() = %q, want empty", got)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	if got := redactURL("postgres://u:secret@h/db"); strings.Contains(got, "secret") {
		t.Errorf("redactURL() = %s", got)
	}
}
