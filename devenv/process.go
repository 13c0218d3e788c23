package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	stopTimeout    = 30 * time.Second // from SIGTERM until a service is killed
	migrateTimeout = 2 * time.Minute  // a one-off subcommand (migrate, seed)
)

// process is one service instance run by Dev and the end-to-end targets.
type process struct {
	svc            Service
	label          string // user-service, or user-service#2 with replicas
	first          bool   // the instance that runs migrations
	bin, dir       string
	env            []string
	stdout, stderr io.Writer // a file the process writes itself, or a *prefixWriter

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
	p.flush()
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
		p.flush()
		requested := p.stopping.Load() // before done: restart resets it after
		close(done)
		exits <- exit{p, err, requested}
	}()
	return nil
}

// flush writes out the partial last lines a prefixWriter holds back.
func (p *process) flush() {
	for _, w := range []io.Writer{p.stdout, p.stderr} {
		if pw, ok := w.(*prefixWriter); ok {
			pw.Flush()
		}
	}
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
