package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Environment variables naming the PostgreSQL and Redis servers the tests and
// the dev services use. When set, devenv only checks them and never starts
// anything.
const (
	EnvDatabaseURL = "PEERPREP_TEST_DATABASE_URL"
	EnvRedisURL    = "PEERPREP_TEST_REDIS_URL"
)

// Defaults used when the variables above are unset: the local servers.
const (
	DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	DefaultRedisURL    = "redis://127.0.0.1:6379/0"
)

const (
	checkTimeout = 2 * time.Second  // one connection attempt
	startTimeout = 20 * time.Second // from starting a server until it answers
)

const installHint = "install them (apt-get install postgresql redis-server), or with Docker run " +
	"`docker compose -f docker/compose.yaml up -d --wait postgres redis` and set " +
	EnvDatabaseURL + "=postgres://peerprep:peerprep@127.0.0.1:5432/peerprep?sslmode=disable, or point " +
	EnvDatabaseURL + " / " + EnvRedisURL + " at reachable servers"

// Deps are the servers in use after EnsureDeps.
type Deps struct {
	DatabaseURL string // an admin connection (database "postgres" by default)
	RedisURL    string
}

// refusedError marks a check that reached the server but was turned away
// (authentication, for instance): starting the server again would not help.
type refusedError struct{ err error }

func (e refusedError) Error() string { return e.err.Error() }
func (e refusedError) Unwrap() error { return e.err }

// dependency is one server devenv makes sure is reachable.
type dependency struct {
	name    string // "PostgreSQL"
	url     string
	envVar  string // the variable that overrides url
	fromEnv bool   // url came from envVar, so nothing is started
	check   func(ctx context.Context, url string) error
	// start starts the local installation; nil when there is none.
	start func(ctx context.Context) (string, error)
	// startCmd describes start to the user.
	startCmd string
	// wait is how long to wait after start; startTimeout unless a test says otherwise.
	wait time.Duration
}

// EnsureDeps makes sure PostgreSQL and Redis are reachable, starting local
// installations that are down, and returns the URLs to use.
func (e *Env) EnsureDeps(ctx context.Context) (Deps, error) {
	return e.ensure(ctx, true, true)
}

func (e *Env) ensure(ctx context.Context, needPostgres, needRedis bool) (Deps, error) {
	d := Deps{DatabaseURL: DefaultDatabaseURL, RedisURL: DefaultRedisURL}
	pg := dependency{name: "PostgreSQL", url: DefaultDatabaseURL, envVar: EnvDatabaseURL, check: checkPostgres}
	if v := e.Getenv(EnvDatabaseURL); v != "" {
		d.DatabaseURL, pg.url, pg.fromEnv = v, v, true
	} else if ver := localPostgresVersion("/etc/postgresql"); ver != "" {
		if bin, err := findCommand("pg_ctlcluster"); err == nil {
			args := []string{"--skip-systemctl-redirect", ver, "main", "start"}
			pg.startCmd = "pg_ctlcluster " + strings.Join(args, " ")
			pg.start = func(ctx context.Context) (string, error) { return runQuiet(ctx, bin, args...) }
		}
	}
	rd := dependency{name: "Redis", url: DefaultRedisURL, envVar: EnvRedisURL, check: checkRedis}
	if v := e.Getenv(EnvRedisURL); v != "" {
		d.RedisURL, rd.url, rd.fromEnv = v, v, true
	} else if bin, err := findCommand("redis-server"); err == nil {
		args := []string{"--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "", "--appendonly", "no"}
		rd.startCmd = `redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no`
		rd.start = func(ctx context.Context) (string, error) { return runQuiet(ctx, bin, args...) }
	}
	var errs []error
	if needPostgres {
		errs = append(errs, pg.ensure(ctx, e.Stdout))
	}
	if needRedis {
		errs = append(errs, rd.ensure(ctx, e.Stdout))
	}
	return d, errors.Join(errs...)
}

func (d dependency) ensure(ctx context.Context, w io.Writer) error {
	shown := redactURL(d.url)
	err := d.checkOnce(ctx)
	if err == nil {
		fmt.Fprintf(w, "==> %s is up at %s\n", d.name, shown)
		return nil
	}
	switch {
	case d.fromEnv:
		return fmt.Errorf("%s at %s (from %s) is not reachable: %w", d.name, shown, d.envVar, err)
	case errors.As(err, new(refusedError)):
		return fmt.Errorf("%s at %s is running but refused the connection: %w\n"+
			"    let the local server accept it (for PostgreSQL: pg_hba.conf \"trust\" for 127.0.0.1/32 and ::1/128, then reload), or set %s",
			d.name, shown, err, d.envVar)
	case d.start == nil:
		return fmt.Errorf("%s is not reachable at %s and no local installation was found (%v):\n    %s", d.name, shown, err, installHint)
	}
	fmt.Fprintf(w, "==> %s is not running at %s; starting it: %s\n", d.name, shown, d.startCmd)
	if out, err := d.start(ctx); err != nil {
		return fmt.Errorf("starting %s (%s): %w\n%s    start it yourself, or set %s to a reachable server",
			d.name, d.startCmd, err, indent(out), d.envVar)
	}
	wait := d.wait
	if wait == 0 {
		wait = startTimeout
	}
	deadline := time.Now().Add(wait)
	for {
		err = d.checkOnce(ctx)
		if err == nil {
			fmt.Fprintf(w, "==> %s is up at %s\n", d.name, shown)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s was started but did not answer at %s within %s: %w", d.name, shown, wait, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (d dependency) checkOnce(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	return d.check(ctx, d.url)
}

// checkPostgres opens (and closes) a real connection.
func checkPostgres(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			return refusedError{err}
		}
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return conn.Ping(ctx)
}

// checkRedis dials the server and sends PING.
func checkRedis(ctx context.Context, rawURL string) error {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return err
	}
	opts.DialTimeout = checkTimeout
	opts.ReadTimeout = checkTimeout
	opts.WriteTimeout = checkTimeout
	opts.MaxRetries = -1
	opts.DialerRetries = 1
	opts.PoolSize = 1
	opts.DisableIdentity = true
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	// go-redis logs failed dials itself; the caller reports them better.
	redis.SetLogger(quietLogger{})
	client := redis.NewClient(opts)
	defer client.Close()
	if err := client.Ping(ctx).Err(); err != nil {
		var rErr redis.Error
		if errors.As(err, &rErr) {
			return refusedError{err}
		}
		return err
	}
	return nil
}

// localPostgresVersion returns the newest cluster version configured under
// dir (Debian's /etc/postgresql/<version>/main), or "".
func localPostgresVersion(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var versions []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "main")); err == nil {
			versions = append(versions, e.Name())
		}
	}
	slices.SortFunc(versions, func(a, b string) int {
		x, errA := strconv.ParseFloat(a, 64)
		y, errB := strconv.ParseFloat(b, 64)
		if errA != nil || errB != nil || x == y {
			return strings.Compare(a, b)
		}
		if x < y {
			return -1
		}
		return 1
	})
	if len(versions) == 0 {
		return ""
	}
	return versions[len(versions)-1]
}

// findCommand looks name up in PATH and then in the sbin/bin directories a
// non-login shell may lack.
func findCommand(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// runQuiet runs a short command (a daemon's launcher) and returns its combined output.
func runQuiet(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = os.TempDir()          // a daemon that writes files in its working directory keeps them out of the repo
	cmd.WaitDelay = 2 * time.Second // a daemon that keeps our pipe open must not hang us
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// redactURL hides the password of a URL for printing.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func indent(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ") + "\n"
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}
