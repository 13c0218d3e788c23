package devenv

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	goredis "github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/server"
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
	replicas, err := e.replicas(1)
	if err != nil {
		return err
	}
	pl, err := e.preparePlatform(ctx, platformConfig{
		Replicas:     replicas,
		PublicAddr:   cmp.Or(e.Getenv("PEERPREP_GATEWAY_ADDR"), ":8080"),
		InternalAddr: internalGatewayAddr,
		Stdout:       e.Stdout,
		Stderr:       e.Stderr,
	})
	if err != nil {
		return err
	}
	defer pl.close()
	e.logf("local INTERNAL_API_TOKEN for this run: %s", pl.wiring.InternalToken)
	e.logf("gateway (local ALB) on %s; %d instance(s) per service", pl.PublicURL, replicas)
	return e.supervise(ctx, pl.procs, pl.out, pl.PublicURL, pl.routed)
}

// internalGatewayAddr is where services reach each other locally: it
// spreads calls over every instance, as Cloud Map's multivalue answers do.
const internalGatewayAddr = "127.0.0.1:8090"

// replicas is PEERPREP_REPLICAS: instances per service, 1–5 (def when unset).
func (e *Env) replicas(def int) (int, error) {
	v := e.Getenv("PEERPREP_REPLICAS")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 5 {
		return 0, fmt.Errorf("PEERPREP_REPLICAS must be 1–5, got %q", v)
	}
	return n, nil
}

// platformConfig says how to lay out a local platform.
type platformConfig struct {
	Replicas     int
	PublicAddr   string // the ALB stand-in: ":8080", or "127.0.0.1:0" for any free port
	InternalAddr string // the Cloud Map stand-in
	FreePorts    bool   // instances on free ports instead of 81xx, 82xx, …
	// Namespace, when set, gives the platform databases peerprep_<ns>_<name>
	// and the Redis key prefix peerprep-<ns>:, both emptied first, so a
	// test run starts from nothing and never touches `mage dev`'s data.
	Namespace      string
	Stdout, Stderr io.Writer // where the services' prefixed log lines go
}

// platform is a prepared local deployment: databases migrated and seeded,
// binaries built, gateways listening, service processes ready to start.
type platform struct {
	PublicURL        string
	public, internal *Gateway
	procs            []*process
	out              *sync.Mutex // one log line at a time from every service
	wiring           wiring
	closers          []func()
	unreached        atomic.Int64 // requests the gateways could not deliver to the instance they picked
}

// preparePlatform does everything up to starting the services.
func (e *Env) preparePlatform(ctx context.Context, cfg platformConfig) (_ *platform, err error) {
	table, err := LoadServices(e.Root)
	if err != nil {
		return nil, err
	}
	svcs := presentServices(e.Root, table)
	if len(svcs) == 0 {
		return nil, errors.New("no services to run yet: none of services/<name>/cmd/<name>-service exists")
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
		return nil, err
	}
	pl := &platform{out: &sync.Mutex{}}
	defer func() {
		if err != nil {
			pl.close()
		}
	}()
	pl.wiring = wiring{
		AdminDatabaseURL: deps.DatabaseURL,
		RedisURL:         deps.RedisURL,
		InternalToken:    randomToken(),
		LogLevel:         e.Getenv("LOG_LEVEL"),
	}
	if cfg.Namespace != "" {
		pl.wiring.DatabasePrefix = "peerprep_" + cfg.Namespace + "_"
		pl.wiring.RedisKeyPrefix = "peerprep-" + cfg.Namespace + ":"
		if err := e.resetNamespace(ctx, pl.wiring, svcs, needPostgres, needRedis); err != nil {
			return nil, err
		}
	}
	if needPostgres {
		if err := e.createDatabases(ctx, deps.DatabaseURL, pl.wiring, svcs); err != nil {
			return nil, err
		}
	}
	if _, err := e.Build(ctx); err != nil {
		return nil, err
	}

	// Listen first: the services must know where discovery is, and with
	// free ports the public address is only known now.
	publicLn, err := net.Listen("tcp", cfg.PublicAddr)
	if err != nil {
		return nil, fmt.Errorf("gateway on %s: %w", cfg.PublicAddr, err)
	}
	pl.closers = append(pl.closers, func() { _ = publicLn.Close() })
	internalLn, err := net.Listen("tcp", cfg.InternalAddr)
	if err != nil {
		return nil, fmt.Errorf("internal gateway on %s: %w", cfg.InternalAddr, err)
	}
	pl.closers = append(pl.closers, func() { _ = internalLn.Close() })
	pl.PublicURL = "http://" + localAddr(publicLn.Addr())
	pl.wiring.DiscoveryURL = "http://" + internalLn.Addr().String()
	pl.wiring.CORSOrigin = browserOrigins(publicLn.Addr())

	instances := map[string][]string{}
	ports := newPortPicker()
	for _, s := range svcs {
		for i := range cfg.Replicas {
			inst := s
			inst.Port = s.Port + 100*i // 8101, 8201, …
			if cfg.FreePorts {
				if inst.Port, err = ports.next(); err != nil {
					return nil, err
				}
			}
			env, err := serviceEnv(e.Environ(), inst, table, pl.wiring)
			if err != nil {
				return nil, err
			}
			label := inst.Binary()
			if cfg.Replicas > 1 {
				label = fmt.Sprintf("%s#%d", inst.Binary(), i+1)
			}
			instances[s.Name] = append(instances[s.Name], inst.LocalURL())
			pl.procs = append(pl.procs, &process{
				svc:    inst,
				label:  label,
				first:  i == 0,
				bin:    filepath.Join(e.Root, filepath.FromSlash(s.BinaryPath())),
				dir:    filepath.Join(e.Root, filepath.FromSlash(s.Dir)),
				env:    env,
				stdout: newPrefixWriter(pl.out, cfg.Stdout, "["+label+"] "),
				stderr: newPrefixWriter(pl.out, cfg.Stderr, "["+label+"] "),
			})
		}
	}
	for _, p := range pl.procs {
		if !p.svc.Database || !p.first {
			continue
		}
		e.logf("%s migrate", p.svc.Binary())
		if err := p.oneOff(ctx, "migrate"); err != nil {
			return nil, fmt.Errorf("%s migrate: %w", p.svc.Binary(), err)
		}
		if p.svc.Name == "question" {
			e.logf("%s seed", p.svc.Binary())
			if err := p.oneOff(ctx, "seed"); err != nil {
				return nil, fmt.Errorf("%s seed: %w", p.svc.Binary(), err)
			}
		}
	}

	// The ALB stand-in for browsers and the Cloud Map stand-in between
	// services, both routing by deploy/services.yaml.
	gctx, stopChecks := context.WithCancel(context.WithoutCancel(ctx))
	pl.closers = append(pl.closers, stopChecks)
	pl.public = NewGateway(true, instances, svcs)
	pl.internal = NewGateway(false, instances, svcs)
	gwLog := newPrefixWriter(pl.out, cfg.Stderr, "[gateway] ")
	for _, g := range []*Gateway{pl.public, pl.internal} {
		g.OnUnreached = func(instance string, err error) {
			pl.unreached.Add(1)
			fmt.Fprintf(gwLog, "%s unreachable (%v); request offered to another instance\n", instance, err)
		}
	}
	for _, g := range []struct {
		ln net.Listener
		g  *Gateway
	}{{publicLn, pl.public}, {internalLn, pl.internal}} {
		go g.g.CheckHealth(gctx)
		// As the services: a request's body is bounded as its headers are
		// (a slow body is not held), proxied WebSockets are not.
		srv := &http.Server{Handler: server.ReadDeadline(gatewayReadTimeout)(g.g), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(server.JSONErrors(srv, g.ln)) }()
		pl.closers = append(pl.closers, func() { _ = srv.Close() })
	}
	return pl, nil
}

// gatewayReadTimeout bounds reading one request through a gateway, as
// server.Options.ReadTimeout does in the services.
const gatewayReadTimeout = 30 * time.Second

// close stops the gateways.
func (pl *platform) close() {
	for i := len(pl.closers) - 1; i >= 0; i-- {
		pl.closers[i]()
	}
	pl.closers = nil
}

// routed reports whether the gateways that know the instance (both, or
// only the public one for the web app) route to it now.
func (pl *platform) routed(p *process) bool {
	return pl.public.Healthy(p.svc.LocalURL()) && (p.svc.Default || pl.internal.Healthy(p.svc.LocalURL()))
}

// browserOrigins are the origins a browser may load the app from on this
// machine: localhost (where a Secure cookie works over plain HTTP) and the
// loopback address. Services accept sockets from them.
func browserOrigins(a net.Addr) string {
	port := "80"
	if tcp, ok := a.(*net.TCPAddr); ok {
		port = strconv.Itoa(tcp.Port)
	}
	return "http://localhost:" + port + ",http://127.0.0.1:" + port
}

// BrowserURL is the platform's public address as a browser should use it:
// on localhost, the one host where Chromium keeps a Secure cookie over
// plain HTTP.
func (pl *platform) BrowserURL() string {
	u, err := url.Parse(pl.PublicURL)
	if err != nil {
		return pl.PublicURL
	}
	u.Host = net.JoinHostPort("localhost", u.Port())
	return u.String()
}

// localAddr turns a wildcard listener address into one a client can dial.
func localAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("localhost", strconv.Itoa(tcp.Port))
}

// process is one service instance run by Dev and the end-to-end targets.
type process struct {
	svc            Service
	label          string // user-service, or user-service#2 with replicas
	first          bool   // the instance that runs migrations
	bin, dir       string
	env            []string
	stdout, stderr *prefixWriter

	cmd      *exec.Cmd
	done     chan struct{} // closed when cmd has exited
	stopping atomic.Bool   // its exit was asked for: not a failure
	started  time.Time     // when cmd was started
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

// start runs `serve`; when it exits on its own, exits hears of it.
func (p *process) start(exits chan<- exit) error {
	p.cmd = exec.Command(p.bin, "serve")
	p.cmd.Dir, p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = p.dir, p.env, p.stdout, p.stderr
	// Own process group: Ctrl-C in the terminal reaches only us, and we stop
	// the services in order with SIGTERM.
	setProcAttr(p.cmd)
	p.stopping.Store(false)
	if err := p.cmd.Start(); err != nil {
		return err
	}
	p.started = time.Now()
	p.done = make(chan struct{})
	cmd, done := p.cmd, p.done
	go func() {
		err := cmd.Wait()
		p.stdout.Flush()
		p.stderr.Flush()
		requested := p.stopping.Load() // before done: restart resets it after
		close(done)
		exits <- exit{p, err, requested}
	}()
	return nil
}

func (p *process) signal(sig os.Signal) {
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		_ = p.cmd.Process.Kill() // platforms without SIGTERM
	}
}

// stop sends SIGTERM and waits for the exit, killing the process after
// timeout.
func (p *process) stop(timeout time.Duration) {
	p.stopping.Store(true)
	p.signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// restart stops the instance with SIGTERM, starts it again and waits until
// it answers /health/ready and routed says the gateways send it traffic.
func (p *process) restart(ctx context.Context, exits chan<- exit, routed func(*process) bool) error {
	p.stop(stopTimeout)
	if err := p.start(exits); err != nil {
		return fmt.Errorf("starting %s again: %w", p.label, err)
	}
	hctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	if r := waitHealthy(hctx, p.svc); !r.ok {
		return fmt.Errorf("%s not healthy after restart: %s", p.label, r.detail)
	}
	return waitRouted(ctx, p, routed)
}

// waitRouted waits up to healthTimeout until routed(p): the gateways have
// seen the instance healthy and send it traffic.
func waitRouted(ctx context.Context, p *process, routed func(*process) bool) error {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	for !routed(p) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s is healthy but the gateway did not route to it within %s", p.label, healthTimeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

type exit struct {
	p         *process
	err       error
	requested bool // stop or restart asked for it
}

// startAll starts procs; exits gets one value per process exit.
func startAll(procs []*process, exits chan<- exit) ([]*process, error) {
	var started []*process
	for _, p := range procs {
		if err := p.start(exits); err != nil {
			return started, fmt.Errorf("starting %s: %w", p.svc.Binary(), err)
		}
		started = append(started, p)
	}
	return started, nil
}

// stopAll sends SIGTERM to every process still running and waits, killing
// what is left after stopTimeout or when kill fires. It returns the
// processes that did not exit cleanly.
func stopAll(procs []*process, kill <-chan os.Signal, note func(format string, args ...any)) (unclean []string) {
	var running []*process
	for _, p := range procs {
		select {
		case <-p.done:
		default:
			p.stopping.Store(true)
			p.signal(syscall.SIGTERM)
			running = append(running, p)
		}
	}
	if len(running) == 0 {
		return nil
	}
	note("==> sent SIGTERM to %d service(s); waiting up to %s\n", len(running), stopTimeout)
	timeout := time.NewTimer(stopTimeout)
	defer timeout.Stop()
	for _, p := range running {
	wait:
		for {
			select {
			case <-p.done:
				break wait
			case <-kill:
				note("==> second interrupt: killing what is left\n")
				killAll(running)
			case <-timeout.C:
				note("==> services still running after %s: killing them\n", stopTimeout)
				killAll(running)
			}
		}
		if st := p.cmd.ProcessState; st != nil && !st.Success() {
			unclean = append(unclean, fmt.Sprintf("%s: %s", p.label, st.String()))
		}
	}
	return unclean
}

// restartPolicy spaces the restarts of an instance that keeps crashing, as
// ECS throttles a task that keeps failing: 1 s, doubling to 30 s, and back
// to 1 s once an instance has run for a minute.
type restartPolicy struct {
	min, max, stable time.Duration
	delay            map[*process]time.Duration
}

func newRestartPolicy() *restartPolicy {
	return &restartPolicy{min: time.Second, max: 30 * time.Second, stable: time.Minute, delay: map[*process]time.Duration{}}
}

// next is how long to wait before starting p again after it crashed
// having run for ranFor.
func (r *restartPolicy) next(p *process, ranFor time.Duration) time.Duration {
	d, ok := r.delay[p]
	switch {
	case !ok || ranFor >= r.stable:
		d = r.min
	default:
		d = min(2*d, r.max)
	}
	r.delay[p] = d
	return d
}

// supervise starts procs, prints their health, and on SIGINT/SIGTERM or on
// ctx's end stops them all with SIGTERM and waits. An instance that exits
// on its own before every one is up fails the whole run (a bad config is
// told at once); once they are up, one that crashes is started again after
// a backoff (restartPolicy), and the log says so, as ECS would. gateway,
// when set, is the public address the table shows each service at, and
// routed says whether it sends an instance traffic: an instance is shown
// healthy once it answers and is routed.
func (e *Env) supervise(ctx context.Context, procs []*process, out *sync.Mutex, gateway string, routed func(*process) bool) error {
	exits := make(chan exit, 4*len(procs))
	started, failure := startAll(procs, exits)
	up := false // every instance answered once: crashes are restarted from now on
	policy := newRestartPolicy()
	restarts := make(chan *process)
	loopCtx, endLoop := context.WithCancel(ctx)
	defer endLoop()
	restartIn := func(p *process, d time.Duration) {
		time.AfterFunc(d, func() {
			select {
			case restarts <- p:
			case <-loopCtx.Done():
			}
		})
	}

	sigs := interrupts()
	defer signal.Stop(sigs)

	healthCtx, stopHealth := context.WithCancel(ctx)
	defer stopHealth()
	health := make(chan []healthResult, 1)
	if failure == nil {
		go func() {
			rs := pollHealth(healthCtx, started)
			for i, p := range started {
				if rs[i].ok && routed != nil {
					if err := waitRouted(healthCtx, p, routed); err != nil {
						rs[i].ok, rs[i].detail = false, "healthy, but the gateway does not route to it"
					}
				}
			}
			health <- rs
		}()
	}
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
			case x := <-exits:
				if x.requested {
					continue
				}
				if !up {
					failure = fmt.Errorf("%s exited unexpectedly: %v", x.p.label, exitText(x.err))
					e.printLocked(out, "==> %v; stopping the others\n", failure)
					break wait
				}
				d := policy.next(x.p, time.Since(x.p.started))
				e.printLocked(out, "==> %s exited unexpectedly (%v); restarting it in %s\n", x.p.label, exitText(x.err), d)
				restartIn(x.p, d)
			case p := <-restarts:
				if err := p.start(exits); err != nil {
					d := policy.next(p, 0)
					e.printLocked(out, "==> starting %s again failed (%v); retrying in %s\n", p.label, err, d)
					restartIn(p, d)
					continue
				}
				e.printLocked(out, "==> %s restarted\n", p.label)
			case rs := <-health:
				up = true
				e.printLocked(out, "%s", statusTable(rs, gateway))
			}
		}
	}
	endLoop()
	stopHealth()
	unclean := stopAll(started, sigs, func(format string, args ...any) { e.printLocked(out, format, args...) })
	if failure != nil {
		return failure
	}
	if len(unclean) > 0 {
		return fmt.Errorf("not every service stopped cleanly: %s", strings.Join(unclean, "; "))
	}
	e.printLocked(out, "==> all services stopped\n")
	return nil
}

// interrupts takes over SIGINT and SIGTERM. mage's own SIGINT handler gives
// a target 5 s to return after Ctrl-C, less than a service needs to drain;
// Ignore detaches that handler (it undoes every earlier Notify for these
// signals) before ours is installed.
func interrupts() chan os.Signal {
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	return sigs
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
	label  string // the instance: user-service, user-service#2
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
		wg.Go(func() {
			results[i] = waitHealthy(ctx, p.svc)
			results[i].label = p.label
		})
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

// statusTable has a row per service: its instances' ports, where it is
// reached (through the gateway when there is one) and how many are healthy.
func statusTable(rs []healthResult, gateway string) string {
	type row struct {
		svc     Service
		ports   []string
		healthy int
		bad     []string
	}
	var rows []*row
	byName := map[string]*row{}
	for _, r := range rs {
		rw := byName[r.svc.Name]
		if rw == nil {
			rw = &row{svc: r.svc}
			byName[r.svc.Name] = rw
			rows = append(rows, rw)
		}
		port := strconv.Itoa(r.svc.Port)
		rw.ports = append(rw.ports, port)
		if r.ok {
			rw.healthy++
		} else {
			rw.bad = append(rw.bad, port+": "+r.detail)
		}
	}
	var b bytes.Buffer
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tINSTANCES\tURL\tHEALTHY")
	for _, rw := range rows {
		url := rw.svc.LocalURL()
		if gateway != "" {
			url = gateway + rw.svc.Prefix
		}
		healthy := fmt.Sprintf("%d/%d", rw.healthy, len(rw.ports))
		if len(rw.bad) > 0 {
			healthy += " (" + strings.Join(rw.bad, "; ") + " after " + healthTimeout.String() + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", rw.svc.Binary(), "127.0.0.1:"+strings.Join(rw.ports, ","), url, healthy)
	}
	tw.Flush()
	b.WriteString("\nPress Ctrl-C to stop.\n\n")
	return b.String()
}

// createDatabases creates the database (w.databaseName) of every service that owns one
// database and does not have it yet.
func (e *Env) createDatabases(ctx context.Context, adminURL string, w wiring, svcs []Service) error {
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
		name := w.databaseName(s)
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

// resetNamespace drops the namespace's databases and deletes its Redis
// keys, so a test platform starts from nothing.
func (e *Env) resetNamespace(ctx context.Context, w wiring, svcs []Service, postgres, redis bool) error {
	ctx, cancel := context.WithTimeout(ctx, databaseTimeout)
	defer cancel()
	if postgres {
		conn, err := pgx.Connect(ctx, w.AdminDatabaseURL)
		if err != nil {
			return fmt.Errorf("connecting to PostgreSQL to drop test databases: %w", err)
		}
		defer conn.Close(context.WithoutCancel(ctx))
		for _, s := range svcs {
			if !s.Database {
				continue
			}
			// WITH (FORCE): a killed earlier run may have left connections.
			if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{w.databaseName(s)}.Sanitize()+" WITH (FORCE)"); err != nil {
				return fmt.Errorf("dropping database %s: %w", w.databaseName(s), err)
			}
		}
	}
	if redis {
		opts, err := goredis.ParseURL(w.RedisURL)
		if err != nil {
			return fmt.Errorf("REDIS_URL: %w", err)
		}
		rdb := goredis.NewClient(opts)
		defer rdb.Close()
		iter := rdb.Scan(ctx, 0, w.RedisKeyPrefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
			if len(keys) == 1000 {
				if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
					return fmt.Errorf("deleting test keys in Redis: %w", err)
				}
				keys = keys[:0]
			}
		}
		if err := iter.Err(); err != nil {
			return fmt.Errorf("listing test keys in Redis: %w", err)
		}
		if len(keys) > 0 {
			if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
				return fmt.Errorf("deleting test keys in Redis: %w", err)
			}
		}
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
