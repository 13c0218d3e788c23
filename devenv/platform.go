package devenv

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peerprep/peerprep/libs/server"
)

// platformConfig says how to lay out a local platform.
type platformConfig struct {
	Replicas   int
	PublicAddr string // the ALB stand-in: ":8080", or "127.0.0.1:0" for any free port
	DNSAddr    string // the Cloud Map stand-in's DNS server (UDP)
	// FreePorts: each service on a free port instead of its 81xx. Its
	// instances share the port, each on its own loopback address
	// (127.0.0.1, 127.0.0.2, …), as each task has its own IP in AWS.
	FreePorts bool
	// Namespace, when set, gives the platform databases peerprep_<ns>_<name>
	// and the Redis key prefix peerprep-<ns>:, both emptied first, so a
	// test run starts from nothing and never touches `mage dev`'s data.
	Namespace string
	// Stdout, Stderr are where the services' log lines go. An *os.File
	// (the terminal, a log file) is handed to the services as theirs:
	// nothing re-writes their lines (JSON lines name their service).
	// Another writer gets each line prefixed with the instance's label.
	Stdout, Stderr io.Writer
}

// platform is a prepared local deployment: databases migrated and seeded,
// binaries built, gateways listening, service processes ready to start.
type platform struct {
	PublicURL string
	public    *Gateway
	cloudMap  *cloudMap
	procs     []*process
	out       *sync.Mutex // one log line at a time from every service
	wiring    wiring
	closers   []func()
	unreached atomic.Int64 // requests the gateway could not deliver to the instance it picked
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
	if err := e.prepareServices(ctx, svcs); err != nil {
		return nil, err
	}

	// Listen first: with free ports the public address is only known now.
	publicLn, err := net.Listen("tcp", cfg.PublicAddr)
	if err != nil {
		return nil, fmt.Errorf("gateway on %s: %w", cfg.PublicAddr, err)
	}
	pl.closers = append(pl.closers, func() { _ = publicLn.Close() })
	pl.PublicURL = "http://" + localAddr(publicLn.Addr())
	pl.wiring.CORSOrigin = browserOrigins(publicLn.Addr())

	// Where each service listens: its own port, one loopback address per
	// instance. The table the services learn each other's ports from
	// says the same.
	if cfg.FreePorts {
		ports := newPortPicker()
		table = slices.Clone(table)
		for i := range table {
			if table[i].Port, err = ports.next(); err != nil {
				return nil, err
			}
		}
		svcs = presentServices(e.Root, table)
	}
	type placed struct {
		Service
		replica int
	}
	var all []placed
	for _, s := range svcs {
		for i := range cfg.Replicas {
			inst := s
			if i > 0 {
				inst.Host = "127.0.0." + strconv.Itoa(1+i)
			}
			all = append(all, placed{inst, i})
		}
	}
	pl.wiring.Namespace = cmp.Or(cfg.Namespace, "dev") + ".peerprep.local"
	healthy := func(s Service) bool { return pl.public.Healthy(s.LocalURL()) }
	var insts []Service
	for _, p := range all {
		insts = append(insts, p.Service)
	}
	if pl.cloudMap, err = startCloudMap(cfg.DNSAddr, pl.wiring.Namespace, insts, healthy); err != nil {
		return nil, fmt.Errorf("the Cloud Map stand-in (DNS) on %s: %w", cfg.DNSAddr, err)
	}
	pl.closers = append(pl.closers, pl.cloudMap.close)
	pl.wiring.DNSServer = pl.cloudMap.addr

	instances := map[string][]string{}
	direct := logFile(cfg.Stdout) != nil && logFile(cfg.Stderr) != nil
	for _, inst := range all {
		env, err := serviceEnv(e.Environ(), inst.Service, table, pl.wiring)
		if err != nil {
			return nil, err
		}
		label := inst.Binary()
		if cfg.Replicas > 1 {
			label = fmt.Sprintf("%s#%d", inst.Binary(), inst.replica+1)
		}
		instances[inst.Name] = append(instances[inst.Name], inst.LocalURL())
		p := &process{
			svc:    inst.Service,
			label:  label,
			first:  inst.replica == 0,
			bin:    filepath.Join(e.Root, filepath.FromSlash(inst.BinaryPath())),
			dir:    filepath.Join(e.Root, filepath.FromSlash(inst.Dir)),
			env:    env,
			stdout: cfg.Stdout,
			stderr: cfg.Stderr,
		}
		if !direct {
			p.stdout = newPrefixWriter(pl.out, cfg.Stdout, "["+label+"] ")
			p.stderr = newPrefixWriter(pl.out, cfg.Stderr, "["+label+"] ")
		}
		pl.procs = append(pl.procs, p)
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

	// The ALB stand-in for browsers, routing by deploy/services.yaml. Its
	// health checks are also what the Cloud Map stand-in answers by.
	gctx, stopChecks := context.WithCancel(context.WithoutCancel(ctx))
	pl.closers = append(pl.closers, stopChecks)
	pl.public = NewGateway(true, instances, svcs)
	gwLog := newPrefixWriter(pl.out, cfg.Stderr, "[gateway] ")
	pl.public.OnUnreached = func(instance string, err error) {
		pl.unreached.Add(1)
		fmt.Fprintf(gwLog, "%s unreachable (%v); request offered to another instance\n", instance, err)
	}
	go pl.public.CheckHealth(gctx)
	// As the services: a request's body is bounded as its headers are (a
	// slow body is not held), proxied WebSockets are not.
	srv := &http.Server{Handler: server.ReadDeadline(gatewayReadTimeout)(pl.public), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(server.JSONErrors(srv, publicLn)) }()
	pl.closers = append(pl.closers, func() { _ = srv.Close() })
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

// routed reports whether the gateway routes to the instance now (and so
// the Cloud Map stand-in answers with it).
func (pl *platform) routed(p *process) bool {
	return pl.public.Healthy(p.svc.LocalURL())
}

// instanceURL is the base URL of a ready instance of the service named
// name (the first one when none is ready).
func (pl *platform) instanceURL(name string) string {
	var first string
	for _, p := range pl.procs {
		if p.svc.Name != name {
			continue
		}
		if pl.routed(p) {
			return p.svc.LocalURL()
		}
		first = cmp.Or(first, p.svc.LocalURL())
	}
	return first
}

// logFile is w when it is a file the services can write to themselves.
func logFile(w io.Writer) *os.File {
	f, _ := w.(*os.File)
	return f
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
