package match

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"
)

// SweepStore runs the time-driven transitions. Every replica sweeps; each
// call is one atomic script, so concurrent sweeps never act twice.
type SweepStore interface {
	// Relax lets tickets that have waited RELAX_AFTER match any difficulty
	// and pairs them where possible; it handles at most limit tickets and
	// says whether more are due.
	Relax(ctx context.Context, limit int) (n int, more bool, err error)
	// Expire times out tickets that waited MATCH_TIMEOUT.
	Expire(ctx context.Context, limit int) (n int, more bool, err error)
	// Epoch names the current Redis data set, making one if Redis has none
	// (it lost its data).
	Epoch(ctx context.Context) (int64, error)
}

// Sweeper runs the sweeps on a timer and notices when Redis lost its data.
type Sweeper struct {
	store    SweepStore
	interval time.Duration
	log      *slog.Logger
	// OnEpoch is called when the epoch changes after the first sweep: the
	// tickets of old are gone.
	onEpoch func(ctx context.Context, old, cur int64)
	epoch   int64
	also    []func(context.Context) error
}

// Also adds a sweep run after relaxing and expiring tickets, every time
// (e.g. the no-show checks). Call it before Run.
func (s *Sweeper) Also(fn func(context.Context) error) { s.also = append(s.also, fn) }

// sweepBatch bounds the tickets one script call handles, so a backlog never
// blocks Redis for long.
const sweepBatch = 100

// NewSweeper returns a Sweeper; onEpoch may be nil.
func NewSweeper(store SweepStore, interval time.Duration, log *slog.Logger, onEpoch func(ctx context.Context, old, cur int64)) *Sweeper {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sweeper{store: store, interval: interval, log: log, onEpoch: onEpoch}
}

// SweepInterval is how often a replica sweeps for the given settings: a
// tenth of the shorter duration, between 20 ms and 500 ms.
func SweepInterval(relaxAfter, timeout time.Duration) time.Duration {
	d := min(relaxAfter, timeout) / 10
	return min(max(d, 20*time.Millisecond), 500*time.Millisecond)
}

// Run sweeps until ctx is done.
func (s *Sweeper) Run(ctx context.Context) {
	for {
		if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("sweep failed", "error", err.Error())
		}
		// Jitter keeps replicas from sweeping in lockstep.
		wait := s.interval/2 + rand.N(s.interval/2+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// Sweep checks the epoch, then relaxes and expires every due ticket.
func (s *Sweeper) Sweep(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	e, err := s.store.Epoch(ctx)
	if err != nil {
		return err
	}
	if s.epoch != 0 && e != s.epoch {
		s.log.Warn("Redis lost its data: tickets of the previous data set are gone", "old_epoch", s.epoch, "epoch", e)
		if s.onEpoch != nil {
			s.onEpoch(ctx, s.epoch, e)
		}
	}
	s.epoch = e
	for _, step := range []func(context.Context, int) (int, bool, error){s.store.Relax, s.store.Expire} {
		for {
			_, more, err := step(ctx, sweepBatch)
			if err != nil {
				return err
			}
			if !more {
				break
			}
		}
	}
	for _, fn := range s.also {
		if err := fn(ctx); err != nil {
			return err
		}
	}
	return nil
}
