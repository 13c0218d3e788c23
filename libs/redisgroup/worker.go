package redisgroup

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Worker works off one stream through a consumer group: every replica runs
// one as its own consumer, so each entry goes to one of them. In a loop it
// claims entries idle for ClaimIdle (their consumer died, or its handler
// failed), reads new ones, hands both to Handle and, once Handle succeeds,
// acknowledges them (and deletes them, with Delete); now and then it
// forgets consumers gone for PruneIdle. On errors it backs off; a missing
// group is created again.
type Worker struct {
	Group    Group
	Stream   string
	Consumer string // this replica's name in the group

	// Handle handles a batch; claimed says it was taken over from a
	// consumer that held it too long. An error leaves the batch pending,
	// to be claimed again after ClaimIdle. Handle gets ctx, which ends at
	// shutdown: work that must finish detaches from it.
	Handle func(ctx context.Context, msgs []redis.XMessage, claimed bool) error
	// OnError is told each failed round and how many failed in a row.
	OnError func(err error, failures int)

	Delete      bool          // delete entries once acknowledged
	Batch       int64         // entries per read or claim; default 256
	Block       time.Duration // how long a read waits for entries; default 1s
	Gather      time.Duration // after a short batch, wait this long so more gather; default none
	ClaimIdle   time.Duration // default 30s
	ClaimEvery  time.Duration // default min(ClaimIdle/2, 5s)
	ClaimRounds int           // claim batches per round at most; default 100
	PruneEvery  time.Duration // default 1 min
	PruneIdle   time.Duration // default 1 h
	// Backoff is the wait after failures rounds failed in a row; default
	// 200 ms per failure, at most 3 s.
	Backoff func(failures int) time.Duration
	// AckTimeout bounds acknowledging a handled batch, which goes on after
	// ctx ends so a handled batch is not handled again; default 10 s.
	AckTimeout time.Duration
}

func (w *Worker) defaults() {
	if w.Batch <= 0 {
		w.Batch = 256
	}
	if w.Block <= 0 {
		w.Block = time.Second
	}
	if w.ClaimIdle <= 0 {
		w.ClaimIdle = 30 * time.Second
	}
	if w.ClaimEvery <= 0 {
		w.ClaimEvery = min(w.ClaimIdle/2, 5*time.Second)
	}
	if w.ClaimRounds <= 0 {
		w.ClaimRounds = 100
	}
	if w.PruneEvery <= 0 {
		w.PruneEvery = time.Minute
	}
	if w.PruneIdle <= 0 {
		w.PruneIdle = time.Hour
	}
	if w.Backoff == nil {
		w.Backoff = func(n int) time.Duration { return min(time.Duration(n)*200*time.Millisecond, 3*time.Second) }
	}
	if w.AckTimeout <= 0 {
		w.AckTimeout = 10 * time.Second
	}
}

// Run works until ctx ends. A batch being handled then is finished and
// acknowledged; nothing new is read.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	_ = w.Group.Ensure(ctx, w.Stream) // failures show, and are retried, in the loop
	lastClaim, lastPrune := time.Time{}, time.Now()
	failures := 0
	for ctx.Err() == nil {
		var err error
		if time.Since(lastClaim) >= w.ClaimEvery {
			lastClaim = time.Now()
			err = w.claim(ctx)
		}
		if err == nil {
			err = w.readNew(ctx)
		}
		if err == nil && time.Since(lastPrune) > w.PruneEvery {
			lastPrune = time.Now()
			_, _ = w.Group.Prune(ctx, w.Stream, w.Consumer, w.PruneIdle)
		}
		if IsNoGroup(err) {
			err = w.Group.Ensure(ctx, w.Stream)
		}
		if err == nil || ctx.Err() != nil {
			failures = 0
			continue
		}
		failures++
		if w.OnError != nil {
			w.OnError(err, failures)
		}
		Sleep(ctx, w.Backoff(failures))
	}
}

func (w *Worker) readNew(ctx context.Context) error {
	res, err := w.Group.Read(ctx, w.Consumer, ">", w.Batch, w.Block, w.Stream)
	if err != nil {
		return err
	}
	n := 0
	for _, s := range res {
		n += len(s.Messages)
		if err := w.handle(ctx, s.Messages, false); err != nil {
			return err
		}
	}
	if n < int(w.Batch) && w.Gather > 0 {
		// A short batch means the stream is drained: let a few more
		// entries gather rather than paying a round for each.
		Sleep(ctx, w.Gather)
	}
	return nil
}

func (w *Worker) claim(ctx context.Context) error {
	return w.Group.Claim(ctx, w.Stream, w.Consumer, w.ClaimIdle, w.Batch, w.ClaimRounds, func(msgs []redis.XMessage) error {
		return w.handle(ctx, msgs, true)
	})
}

func (w *Worker) handle(ctx context.Context, msgs []redis.XMessage, claimed bool) error {
	if len(msgs) == 0 {
		return nil
	}
	if err := w.Handle(ctx, msgs, claimed); err != nil {
		return err
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.AckTimeout)
	defer cancel()
	if w.Delete {
		return w.Group.AckDel(actx, w.Stream, ids...)
	}
	return w.Group.Ack(actx, w.Stream, ids...)
}
