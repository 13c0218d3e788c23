package service

import (
	"context"
	"sync"
)

// Phase is when a background worker is told to stop.
type Phase int

const (
	// UntilSIGTERM workers stop as soon as shutdown begins (their context
	// ends with run's): work another replica takes over, sweeps, metrics.
	UntilSIGTERM Phase = iota + 1
	// UntilDrained workers keep running through the drain and stop once
	// the server has stopped and its OnShutdown and OnStopped hooks have
	// run: fan-out to sockets still open, persisting what they held.
	UntilDrained
)

// workers are a service's background goroutines, each stopped in its phase.
type workers struct {
	wg                 sync.WaitGroup
	sigterm, drained   context.Context
	stopSIG, stopDrain context.CancelFunc
	mu                 sync.Mutex
	stopped            []func(context.Context)
}

func (w *workers) start(ctx context.Context) {
	w.sigterm, w.stopSIG = context.WithCancel(ctx)
	w.drained, w.stopDrain = context.WithCancel(context.WithoutCancel(ctx))
}

// afterServe runs the OnStopped hooks once the server has stopped.
func (w *workers) afterServe() {
	w.mu.Lock()
	hooks := w.stopped
	w.stopped = nil
	w.mu.Unlock()
	for _, fn := range hooks {
		fn(w.drained)
	}
}

// stop ends every worker and waits for all of them.
func (w *workers) stop() {
	w.stopSIG()
	w.stopDrain()
	w.wg.Wait()
}

// Go runs fn in the background until phase: fn must return when its
// context ends. Run waits for every worker before it returns.
func (s *Service[C]) Go(phase Phase, fn func(ctx context.Context)) {
	ctx := s.workers.drained
	if phase == UntilSIGTERM {
		ctx = s.workers.sigterm
	}
	s.workers.wg.Go(func() { fn(ctx) })
}

// OnStopped registers fn to run once the server has stopped (drained, and
// the OnShutdown hooks done), before the UntilDrained workers are stopped.
func (s *Service[C]) OnStopped(fn func(ctx context.Context)) {
	s.workers.mu.Lock()
	s.workers.stopped = append(s.workers.stopped, fn)
	s.workers.mu.Unlock()
}
