package devenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	healthTimeout   = 15 * time.Second // from start until /health/ready must say 200
	stopTimeout     = 30 * time.Second // from SIGTERM until a service is killed
	migrateTimeout  = 2 * time.Minute
	databaseTimeout = 10 * time.Second
)

// Dev runs every service in the table that exists, on its local port, wired
// to each other and to local PostgreSQL and Redis, until Ctrl-C.
func (e *Env) Dev(ctx context.Context) error {
	table, err := LoadServices(e.Root)
	if err != nil {
		return err
	}
	replicas, err := e.replicas()
	if err != nil {
		return err
	}
	svcs := presentServices(e.Root, table)
	if len(svcs) == 0 {
		return errors.New("no services to run yet: none of services/<name>/cmd/<name>-service exists")
	}
	for _, b := range mustBinaries(e.Root) {
		if !inTable(table, b) {
			e.logf("%s has no entry in deploy/services.yaml; it is built but not started", b.Output())
		}
	}
	var needPostgres, needRedis bool
	for _, s := range svcs {
		needPostgres = needPostgres || s.Database
		needRedis = needRedis || s.Redis
	}
	deps, err := e.ensure(ctx, needPostgres, needRedis)
	if err != nil {
		return err
	}
	if needPostgres {
		if err := e.createDatabases(ctx, deps.DatabaseURL, svcs); err != nil {
			return err
		}
	}
	if _, err := e.Build(ctx); err != nil {
		return err
	}

	w := wiring{
		AdminDatabaseURL: deps.DatabaseURL,
		RedisURL:         deps.RedisURL,
		InternalToken:    randomToken(),
		LogLevel:         e.Getenv("LOG_LEVEL"),
		DiscoveryURL:     "http://" + internalGatewayAddr,
	}
	var out sync.Mutex // one line at a time from every service
	procs := make([]*process, 0, len(svcs)*replicas)
	instances := map[string][]string{}
	for _, s := range svcs {
		for i := range replicas {
			inst := s
			inst.Port = s.Port + 100*i // 8101, 8201, …
			env, err := serviceEnv(e.Environ(), inst, table, w)
			if err != nil {
				return err
			}
			label := inst.Binary()
			if replicas > 1 {
				label = fmt.Sprintf("%s#%d", inst.Binary(), i+1)
			}
			instances[s.Name] = append(instances[s.Name], inst.LocalURL())
			procs = append(procs, &process{
				svc:    inst,
				first:  i == 0,
				bin:    filepath.Join(e.Root, filepath.FromSlash(s.BinaryPath())),
				dir:    filepath.Join(e.Root, filepath.FromSlash(s.Dir)),
				env:    env,
				stdout: newPrefixWriter(&out, e.Stdout, "["+label+"] "),
				stderr: newPrefixWriter(&out, e.Stderr, "["+label+"] "),
			})
		}
	}
	for _, p := range procs {
		if !p.svc.Database || !p.first {
			continue
		}
		e.logf("%s migrate", p.svc.Binary())
		if err := p.oneOff(ctx, "migrate"); err != nil {
			return fmt.Errorf("%s migrate: %w", p.svc.Binary(), err)
		}
		if p.svc.Name == "question" {
			e.logf("%s seed", p.svc.Binary())
			if err := p.oneOff(ctx, "seed"); err != nil {
				return fmt.Errorf("%s seed: %w", p.svc.Binary(), err)
			}
		}
	}
	e.logf("local INTERNAL_API_TOKEN for this run: %s", w.InternalToken)

	// The ALB stand-in for browsers and the Cloud Map stand-in between
	// services, both routing by deploy/services.yaml.
	gctx, stopGateways := context.WithCancel(ctx)
	defer stopGateways()
	public := NewGateway(true, instances, svcs)
	internal := NewGateway(false, instances, svcs)
	go public.CheckHealth(gctx)
	go internal.CheckHealth(gctx)
	addr := e.Getenv("PEERPREP_GATEWAY_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	for _, g := range []struct {
		addr string
		h    http.Handler
	}{{addr, public}, {internalGatewayAddr, internal}} {
		srv := &http.Server{Addr: g.addr, Handler: g.h, ReadHeaderTimeout: 5 * time.Second}
		ln, err := net.Listen("tcp", g.addr)
		if err != nil {
			return fmt.Errorf("gateway on %s: %w", g.addr, err)
		}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
	}
	e.logf("gateway (local ALB) on http://localhost%s; %d instance(s) per service", addr, replicas)
	return e.supervise(ctx, procs, &out)
}

// internalGatewayAddr is where services reach each other locally: it
// spreads calls over every instance, as Cloud Map's multivalue answers do.
const internalGatewayAddr = "127.0.0.1:8090"

// replicas is PEERPREP_REPLICAS: instances per service, 1–5.
func (e *Env) replicas() (int, error) {
	v := e.Getenv("PEERPREP_REPLICAS")
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 5 {
		return 0, fmt.Errorf("PEERPREP_REPLICAS must be 1–5, got %q", v)
	}
	return n, nil
}

// process is one service binary run by Dev.
type process struct {
	svc            Service
	first          bool // the instance that runs migrations
	bin, dir       string
	env            []string
	stdout, stderr *prefixWriter
	cmd            *exec.Cmd
}

// oneOff runs a subcommand of the service's binary to completion (migrate, seed).
func (p *process) oneOff(ctx context.Context, sub string) error {
	ctx, cancel := context.WithTimeout(ctx, migrateTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.bin, sub)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = p.dir, p.env, p.stdout, p.stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	p.stdout.Flush()
	p.stderr.Flush()
	return err
}

func (p *process) start() error {
	p.cmd = exec.Command(p.bin, "serve")
	p.cmd.Dir, p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = p.dir, p.env, p.stdout, p.stderr
	// Own process group: Ctrl-C in the terminal reaches only us, and we stop
	// the services in order with SIGTERM.
	setProcAttr(p.cmd)
	return p.cmd.Start()
}

func (p *process) signal(sig os.Signal) {
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		_ = p.cmd.Process.Kill() // platforms without SIGTERM
	}
}

type exit struct {
	p   *process
	err error
}

// supervise starts procs, prints their health, and on SIGINT/SIGTERM, on
// ctx's end or when one exits, stops them all with SIGTERM and waits.
func (e *Env) supervise(ctx context.Context, procs []*process, out *sync.Mutex) error {
	exited := make(chan exit, len(procs))
	var started []*process
	var startErr error
	for _, p := range procs {
		if err := p.start(); err != nil {
			startErr = fmt.Errorf("starting %s: %w", p.svc.Binary(), err)
			break
		}
		started = append(started, p)
		go func() {
			err := p.cmd.Wait()
			p.stdout.Flush()
			p.stderr.Flush()
			exited <- exit{p, err}
		}()
	}

	// mage's own SIGINT handler gives a target 5 s to return after Ctrl-C,
	// less than a service needs to drain. Ignore detaches that handler (it
	// undoes every earlier Notify for these signals) before ours is installed.
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	healthCtx, stopHealth := context.WithCancel(ctx)
	defer stopHealth()
	health := make(chan []healthResult, 1)
	if startErr == nil {
		go func() { health <- pollHealth(healthCtx, started) }()
	}

	running := len(started)
	failure := startErr
	if failure == nil {
	wait:
		for {
			select {
			case s := <-sigs:
				e.printLocked(out, "\n==> %s received, stopping services\n", s)
				break wait
			case <-ctx.Done():
				e.printLocked(out, "==> %v, stopping services\n", ctx.Err())
				break wait
			case x := <-exited:
				running--
				failure = fmt.Errorf("%s exited unexpectedly: %v", x.p.svc.Binary(), exitText(x.err))
				e.printLocked(out, "==> %v; stopping the others\n", failure)
				break wait
			case rs := <-health:
				e.printLocked(out, "%s", statusTable(rs))
			}
		}
	}
	stopHealth()

	// Stop everything still running: SIGTERM, then SIGKILL after stopTimeout
	// or on a second Ctrl-C.
	for _, p := range started {
		p.signal(syscall.SIGTERM) // one that already exited returns ErrProcessDone
	}
	if running > 0 {
		e.printLocked(out, "==> sent SIGTERM to %d service(s); waiting up to %s\n", running, stopTimeout)
	}
	timeout := time.NewTimer(stopTimeout)
	defer timeout.Stop()
	var unclean []string
	for running > 0 {
		select {
		case x := <-exited:
			running--
			if x.err != nil {
				unclean = append(unclean, fmt.Sprintf("%s: %s", x.p.svc.Binary(), exitText(x.err)))
			}
		case <-sigs:
			e.printLocked(out, "==> second interrupt: killing what is left\n")
			killAll(started)
		case <-timeout.C:
			e.printLocked(out, "==> services still running after %s: killing them\n", stopTimeout)
			killAll(started)
		}
	}
	if failure != nil {
		return failure
	}
	if len(unclean) > 0 {
		return fmt.Errorf("not every service stopped cleanly: %s", strings.Join(unclean, "; "))
	}
	e.printLocked(out, "==> all services stopped\n")
	return nil
}

func killAll(procs []*process) {
	for _, p := range procs {
		_ = p.cmd.Process.Kill() // an exited process returns ErrProcessDone
	}
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

func (e *Env) printLocked(mu *sync.Mutex, format string, args ...any) {
	mu.Lock()
	defer mu.Unlock()
	fmt.Fprintf(e.Stdout, format, args...)
}

type healthResult struct {
	svc    Service
	ok     bool
	detail string // why not, when !ok
}

// pollHealth polls every process's /health/ready until it answers 200 or
// healthTimeout passes.
func pollHealth(ctx context.Context, procs []*process) []healthResult {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	results := make([]healthResult, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Go(func() { results[i] = waitHealthy(ctx, p.svc) })
	}
	wg.Wait()
	return results
}

func waitHealthy(ctx context.Context, s Service) healthResult {
	client := &http.Client{Timeout: time.Second}
	url := s.LocalURL() + "/health/ready"
	last := "no answer"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return healthResult{svc: s, detail: err.Error()}
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return healthResult{svc: s, ok: true}
			}
			last = resp.Status
		}
		select {
		case <-ctx.Done():
			return healthResult{svc: s, detail: last}
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func statusTable(rs []healthResult) string {
	var b bytes.Buffer
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tURL\tHEALTHY")
	for _, r := range rs {
		healthy := "yes"
		if !r.ok {
			healthy = "no (" + r.detail + " after " + healthTimeout.String() + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.svc.Binary(), r.svc.LocalURL(), healthy)
	}
	tw.Flush()
	b.WriteString("\nPress Ctrl-C to stop.\n\n")
	return b.String()
}

// createDatabases creates peerprep_<name> for every service that owns a
// database and does not have it yet.
func (e *Env) createDatabases(ctx context.Context, adminURL string, svcs []Service) error {
	ctx, cancel := context.WithTimeout(ctx, databaseTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connecting to PostgreSQL to create databases: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, s := range svcs {
		if !s.Database {
			continue
		}
		name := s.DatabaseName()
		var exists bool
		err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
		if err != nil {
			return fmt.Errorf("looking up database %s: %w", name, err)
		}
		if exists {
			continue
		}
		_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created meanwhile
			err = nil
		}
		if err != nil {
			return fmt.Errorf("creating database %s: %w", name, err)
		}
		e.logf("created database %s", name)
	}
	return nil
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on supported platforms
	return hex.EncodeToString(b)
}

func mustBinaries(root string) []Binary {
	bins, _ := Binaries(root) // Build reports the error
	return bins
}

func inTable(table []Service, b Binary) bool {
	for _, s := range table {
		if s.Binary() == b.Name && s.Dir == b.ModuleDir {
			return true
		}
	}
	return false
}

// prefixWriter writes each complete line with a prefix, holding partial
// lines back until they are complete (or flushed) so lines of different
// services never interleave.
type prefixWriter struct {
	mu     *sync.Mutex
	out    io.Writer
	prefix string
	buf    []byte
}

// maxLine is the longest partial line held back before it is written anyway.
const maxLine = 64 << 10

func newPrefixWriter(mu *sync.Mutex, out io.Writer, prefix string) *prefixWriter {
	return &prefixWriter{mu: mu, out: out, prefix: prefix}
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	rest := w.buf
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		w.emit(rest[:i+1])
		rest = rest[i+1:]
	}
	if len(rest) >= maxLine {
		w.emit(append(rest, '\n'))
		rest = nil
	}
	w.buf = w.buf[:copy(w.buf, rest)]
	return len(p), nil
}

// Flush writes a trailing partial line.
func (w *prefixWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(append(w.buf, '\n'))
		w.buf = w.buf[:0]
	}
}

func (w *prefixWriter) emit(line []byte) {
	_, _ = io.WriteString(w.out, w.prefix)
	_, _ = w.out.Write(line)
}
