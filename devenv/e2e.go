package devenv

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/peerprep/peerprep/e2e"
)

// E2E runs the end-to-end journey for the current process.
func E2E(ctx context.Context) error { return run(ctx, (*Env).E2E) }

// E2E runs the two-user journey (package e2e) through the public address
// only, then the web app's browser tests: against PEERPREP_E2E_URL when set
// (a platform already running, e.g. `mage dev`), otherwise against a
// private platform it starts with PEERPREP_REPLICAS (default 2) instances
// of every service, its own databases (peerprep_e2e_*) and Redis keys
// (peerprep-e2e:*), on free ports.
func (e *Env) E2E(ctx context.Context) error {
	editorDir := filepath.Join(e.Root, filepath.FromSlash(e2e.EditorDir))
	if err := e2e.InstallEditor(ctx, editorDir, e.Stdout); err != nil {
		return err
	}
	if base := e.Getenv("PEERPREP_E2E_URL"); base != "" {
		e.logf("e2e: journey against %s", base)
		if err := e.journey(ctx, base, editorDir); err != nil {
			return err
		}
		return e.browserTests(ctx, base, "")
	}
	if err := e.BuildWeb(ctx); err != nil { // before the platform: it is slow, and npm ci may fail
		return err
	}
	return e.withTestPlatform(ctx, "e2e", func(ctx context.Context, pl *platform, exits chan exit) error {
		if err := e.journey(ctx, pl.PublicURL, editorDir); err != nil {
			return err
		}
		control, stop, err := e.startControl(ctx, pl, exits)
		if err != nil {
			return err
		}
		defer stop()
		return e.browserTests(ctx, pl.BrowserURL(), control)
	})
}

func (e *Env) journey(ctx context.Context, base, editorDir string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	start := time.Now()
	err := e2e.Journey(ctx, e2e.JourneyConfig{
		Base:      base,
		EditorDir: editorDir,
		Log:       e.Stdout,
	})
	if err != nil {
		return fmt.Errorf("e2e journey: %w", err)
	}
	e.logf("e2e: journey passed in %s", fmtDuration(time.Since(start)))
	return nil
}

// withTestPlatform starts a private platform in namespace ns, waits until
// every instance is healthy, runs fn and stops everything. The services'
// logs go to a file whose tail is printed when something fails; an
// instance exiting on its own fails the run.
func (e *Env) withTestPlatform(ctx context.Context, ns string, fn func(context.Context, *platform, chan exit) error) (err error) {
	replicas, err := e.replicas(2)
	if err != nil {
		return err
	}
	logPath := filepath.Join(os.TempDir(), "peerprep-"+ns+"-services.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	var failed []string // instances whose own lines explain err
	defer func() {
		if err != nil {
			e.printTail(logPath, 60, "")
			for _, label := range failed {
				e.printTail(logPath, 30, label)
			}
		}
	}()
	e.logf("%s: services log to %s", ns, logPath)

	pl, err := e.preparePlatform(ctx, platformConfig{
		Replicas:   replicas,
		PublicAddr: "127.0.0.1:0",
		DNSAddr:    "127.0.0.1:0",
		FreePorts:  true,
		Namespace:  ns,
		Stdout:     logFile,
		Stderr:     logFile,
	})
	if err != nil {
		return err
	}
	defer pl.close()

	// Ctrl-C stops the services before returning (mage would give up on
	// us after 5 s, leaving them running).
	sigs := interrupts()
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case s := <-sigs:
			e.logf("%s received, stopping", s)
			cancel()
		case <-ctx.Done():
		}
	}()

	exits := make(chan exit, 16*len(pl.procs))
	started, err := startAll(pl.procs, exits)
	defer func() {
		unclean := stopAll(started, nil, func(format string, args ...any) { fmt.Fprintf(logFile, format, args...) })
		if len(unclean) > 0 && err == nil {
			err = fmt.Errorf("not every service stopped cleanly: %s", strings.Join(unclean, "; "))
		}
	}()
	if err != nil {
		return err
	}
	rs, err := awaitStartup(ctx, started, exits)
	if err != nil {
		var x *startupExit
		if errors.As(err, &x) {
			failed = append(failed, x.label)
		}
		return err
	}
	var unhealthy []string
	for _, r := range rs {
		if !r.ok {
			failed = append(failed, r.label)
			unhealthy = append(unhealthy, r.label+" at "+r.svc.LocalURL()+": "+r.detail)
		}
	}
	if len(unhealthy) > 0 {
		return fmt.Errorf("not healthy after %s: %s", healthTimeout, strings.Join(unhealthy, "; "))
	}
	for _, p := range started {
		if err := waitRouted(ctx, p, pl.routed); err != nil {
			return err
		}
	}
	e.logf("%s: %d instance(s) of %d services healthy behind %s", ns, replicas, len(pl.procs)/replicas, pl.PublicURL)

	// An instance that dies on its own fails the run.
	died := make(chan error, 1)
	go func() {
		for x := range exits {
			if !x.requested {
				select {
				case died <- fmt.Errorf("%s exited on its own: %s", x.p.label, exitText(x.err)):
				default:
				}
				cancel()
			}
		}
	}()
	err = fn(ctx, pl, exits)
	select {
	case d := <-died:
		return errors.Join(d, err)
	default:
	}
	return err
}

// startupExit is an instance that exited on its own before it was healthy.
type startupExit struct {
	label, url, status string
}

func (x *startupExit) Error() string {
	return fmt.Sprintf("%s (%s) exited during start-up: %s", x.label, x.url, x.status)
}

// awaitStartup polls every instance's /health/ready (pollHealth) and fails
// at once, with a *startupExit, when one exits on its own meanwhile rather
// than reporting "no answer" when healthTimeout is up.
func awaitStartup(ctx context.Context, started []*process, exits <-chan exit) ([]healthResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	health := make(chan []healthResult, 1)
	go func() { health <- pollHealth(ctx, started) }()
	for {
		select {
		case rs := <-health:
			return rs, nil
		case x := <-exits:
			if !x.requested {
				return nil, &startupExit{label: x.p.label, url: x.p.svc.LocalURL(), status: exitText(x.err)}
			}
		}
	}
}

// printTail prints the last n lines of the file at path, leaving out
// health-probe access lines (every instance logs them at start-up and while
// draining: they would push out the lines that explain a failure). With
// label set, only that instance's lines (its service's, when the services
// write the file themselves).
func (e *Env) printTail(path string, n int, label string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if strings.Contains(l, `"route":"/health/`) || (label != "" && !ofInstance(l, label)) {
			continue
		}
		lines = append(lines, l)
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	what := path
	if label != "" {
		what = label + " in " + path
	}
	e.logf("last %d lines of %s (health probes left out):", len(lines), what)
	var mu sync.Mutex
	w := newPrefixWriter(&mu, e.Stdout, "    ")
	for _, l := range lines {
		_, _ = io.WriteString(w, l+"\n")
	}
	w.Flush()
}

// ofInstance reports whether log line l is the instance label's: prefixed
// with it, or (services writing the log file themselves) a JSON line of
// its service, whichever instance.
func ofInstance(l, label string) bool {
	service, _, _ := strings.Cut(label, "#")
	return strings.HasPrefix(l, "["+label+"] ") || strings.Contains(l, `"service":"`+service+`"`)
}

// E2ERolling runs the rolling-restart check for the current process.
func E2ERolling(ctx context.Context) error { return run(ctx, (*Env).E2ERolling) }

// E2ERolling starts a private platform (PEERPREP_REPLICAS, default and
// minimum 2), puts load on it through the gateway (e2e.StartLoad: users
// signing in and browsing, pairs holding matching and chat sockets), and
// restarts every instance of every service one at a time: SIGTERM, wait for
// the exit, start, wait until the gateway routes to it again. The report
// counts requests, non-2xx answers and sockets that did not reconnect; any
// of those, a lost match or a lost chat message fails the target.
func (e *Env) E2ERolling(ctx context.Context) error {
	if n, err := e.replicas(2); err != nil {
		return err
	} else if n < 2 {
		return errors.New("e2e:rolling needs PEERPREP_REPLICAS of at least 2: with one instance a restart is an outage")
	}
	return e.withTestPlatform(ctx, "rolling", func(ctx context.Context, pl *platform, exits chan exit) error {
		load, err := e2e.StartLoad(ctx, e2e.LoadConfig{
			Base:            pl.PublicURL,
			Browsers:        6,
			Pairs:           4,
			ChatFor:         6 * time.Second,
			ReconnectWithin: 10 * time.Second,
		})
		if err != nil {
			return err
		}
		start := time.Now()
		e.logf("rolling: load running (6 browsing users, 4 pairs matching and chatting); restarting every instance in turn")
		sleepCtx(ctx, 5*time.Second) // steady state first
		var restartErr error
		for _, p := range pl.procs {
			if ctx.Err() != nil {
				break
			}
			t := time.Now()
			if err := p.restart(ctx, exits, pl.routed); err != nil {
				restartErr = err
				break
			}
			e.logf("rolling: restarted %-26s in %s (SIGTERM, drain, exit, start, routed)", p.label, fmtDuration(time.Since(t)))
		}
		sleepCtx(ctx, 5*time.Second) // sockets reconnect, last sessions finish
		report := load.Stop()
		e.logf("rolling: %d instance restarts in %s under load; report:", len(pl.procs), fmtDuration(time.Since(start)))
		fmt.Fprint(e.Stdout, indent(report.String()))
		fmt.Fprint(e.Stdout, indent(fmt.Sprintf("gateway: %d request(s) found their instance gone and were offered to another one", pl.unreached.Load())))
		switch {
		case restartErr != nil:
			return restartErr
		case ctx.Err() != nil:
			return ctx.Err()
		case report.Failed():
			return errors.New("rolling restart: the load saw failures (report above)")
		}
		e.logf("rolling: zero failed requests, every socket reconnected, no match or message lost")
		return nil
	})
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
