package run_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/peerprep/peerprep/services/execution/internal/run"
)

func TestGate(t *testing.T) {
	t.Parallel()
	g := run.NewGate(1, 1, 200*time.Millisecond)
	ctx := context.Background()
	release, err := g.Enter(ctx)
	if err != nil || g.Running() != 1 {
		t.Fatalf("first: %v, running %d", err, g.Running())
	}
	// One may wait; a second waiter is refused at once.
	waited := make(chan error, 1)
	go func() {
		rel, err := g.Enter(ctx)
		if err == nil {
			rel()
		}
		waited <- err
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if _, err := g.Enter(ctx); !errors.Is(err, run.ErrBusy) || time.Since(start) > 50*time.Millisecond {
		t.Errorf("over the queue: %v after %s, want ErrBusy at once", err, time.Since(start))
	}
	release()
	if err := <-waited; err != nil {
		t.Errorf("the waiter: %v", err)
	}
	// A waiter gives up after the wait.
	release, _ = g.Enter(ctx)
	defer release()
	start = time.Now()
	if _, err := g.Enter(ctx); !errors.Is(err, run.ErrBusy) || time.Since(start) < 150*time.Millisecond {
		t.Errorf("after the wait: %v after %s", err, time.Since(start))
	}
}
