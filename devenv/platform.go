package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peerprep/peerprep/libs/server"
)

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
	if err := e.prepareServices(ctx, svcs); err != nil {
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
