package run

import (
	"context"
	"sync/atomic"
	"time"
)

// Gate lets at most n runs execute at once; up to queue more wait, each
// for at most wait, and the rest are refused with ErrBusy at once.
type Gate struct {
	slots   chan struct{}
	waiting atomic.Int64
	queue   int64
	wait    time.Duration
}

// NewGate returns a gate of n slots and a queue of queue waiters.
func NewGate(n, queue int, wait time.Duration) *Gate {
	return &Gate{slots: make(chan struct{}, max(n, 1)), queue: int64(queue), wait: wait}
}

// Enter takes a slot, waiting in the queue if there is room; release gives
// it back.
func (g *Gate) Enter(ctx context.Context) (release func(), err error) {
	release = func() { <-g.slots }
	select {
	case g.slots <- struct{}{}:
		return release, nil
	default:
	}
	if g.waiting.Add(1) > g.queue {
		g.waiting.Add(-1)
		return nil, ErrBusy
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Running is how many runs hold a slot.
func (g *Gate) Running() int { return len(g.slots) }
