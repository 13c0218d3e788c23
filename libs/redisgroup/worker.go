package redisgroup

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Worker works off streams through a consumer group: every replica runs
// one as its own consumer, so each entry goes to one of them. In a loop it
// claims entries idle for ClaimIdle (their consumer died, or its handler
// failed), reads new ones, hands both to the handler and, once handled,
// acknowledges them (and deletes them, with Delete); now and then it
// forgets consumers gone for PruneIdle and runs its Tasks. On errors it
// backs off; a missing group is created again.
//
// The streams are one Stream, read with a blocking read, or Streams: the
// streams to work off now (say, of the sessions this replica hosts), read
// without blocking every Poll.
//
// The handler is one of three: Handle takes a batch of one stream,
// HandleStreams a batch of many, and HandleOne one entry in a goroutine of
// its own, up to Concurrency at once. Entries in progress with HandleOne
// are touched every Heartbeat, so no one claims them; when Run ends they
// are stopped and released, so another consumer takes them over at once.
type Worker struct {
	Group    Group
	Consumer string // this replica's name in the group

	Stream    string
	Streams   func() []string
	Poll      time.Duration // with Streams: the wait between rounds; default 200 ms
	StreamTTL time.Duration // with Streams: a stream created with its group expires after this; 0: never

	// Handle handles a batch; claimed says it was taken over from a
	// consumer that held it too long. An error leaves the batch pending,
	// to be claimed again after ClaimIdle. Handle gets ctx, which ends at
	// shutdown: work that must finish detaches from it.
	Handle func(ctx context.Context, msgs []redis.XMessage, claimed bool) error
	// HandleStreams is Handle for batches of many streams (with Streams).
	HandleStreams func(ctx context.Context, batch []redis.XStream, claimed bool) error
	// HandleOne handles one entry; nil acknowledges it. An error leaves it
	// pending: claimed again after ClaimIdle, or released at once when
	// Run ends. Its ctx ends only after Run's loop stopped.
	HandleOne   func(ctx context.Context, m redis.XMessage, claimed bool) error
	Concurrency int           // with HandleOne: entries in progress at once; default 256
	Heartbeat   time.Duration // with HandleOne: how often entries in progress are touched; default 1 s

	// DrainOnStop: when ctx ends, the entries this consumer still holds and
	// the new ones of the streams are handled (within AckTimeout), so a
	// clean shutdown leaves nothing for others to claim.
	DrainOnStop bool
	// Tasks run in the loop, each every Every: domain chores such as
	// sweeping streams no one works off.
	Tasks []Task

	// OnError is told each failed round and how many failed in a row.
	OnError func(err error, failures int)
	// Log gets the worker's own news (claims, releases, prunes); default none.
	Log *slog.Logger

	Delete      bool          // delete entries once acknowledged
	Batch       int64         // entries per read or claim (per stream); default 256
	Block       time.Duration // how long a read of Stream waits for entries; default 1s
	Gather      time.Duration // after a short batch, wait this long so more gather; default none
	ClaimIdle   time.Duration // default 30s
	ClaimEvery  time.Duration // default min(ClaimIdle/2, 5s)
	ClaimRounds int           // claim batches per stream and round at most; default 100
	ReadRounds  int           // with Streams: reads per round while a stream returns a full batch; default 20
	PruneEvery  time.Duration // default 1 min
	PruneIdle   time.Duration // default 1 h
	// Backoff is the wait after failures rounds failed in a row; default
	// 200 ms per failure, at most 3 s.
	Backoff func(failures int) time.Duration
	// AckTimeout bounds acknowledging a handled batch, which goes on after
	// ctx ends so a handled batch is not handled again; default 10 s.
	AckTimeout time.Duration

	once sync.Once
	jobs jobs
}

// Task is a chore a Worker runs in its loop every Every.
type Task struct {
	Every time.Duration
	Do    func(ctx context.Context)
}

func (w *Worker) defaults() { w.once.Do(w.setDefaults) }

func (w *Worker) setDefaults() {
	w.Batch = cmp.Or(w.Batch, 256)
	w.Block = cmp.Or(w.Block, time.Second)
	w.Poll = cmp.Or(w.Poll, 200*time.Millisecond)
	w.ClaimIdle = cmp.Or(w.ClaimIdle, 30*time.Second)
	w.ClaimEvery = cmp.Or(w.ClaimEvery, min(w.ClaimIdle/2, 5*time.Second))
	w.ClaimRounds = cmp.Or(w.ClaimRounds, 100)
	w.ReadRounds = cmp.Or(w.ReadRounds, 20)
	w.PruneEvery = cmp.Or(w.PruneEvery, time.Minute)
	w.PruneIdle = cmp.Or(w.PruneIdle, time.Hour)
	if w.Backoff == nil {
		w.Backoff = func(n int) time.Duration { return min(time.Duration(n)*200*time.Millisecond, 3*time.Second) }
	}
	w.AckTimeout = cmp.Or(w.AckTimeout, 10*time.Second)
	w.Concurrency = cmp.Or(w.Concurrency, 256)
	w.Heartbeat = cmp.Or(w.Heartbeat, time.Second)
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
}

// streams are the streams to work off now.
func (w *Worker) streams() []string {
	if w.Streams != nil {
		return w.Streams()
	}
	return []string{w.Stream}
}

// Run works until ctx ends. A batch being handled then is finished and
// acknowledged; nothing new is read (but see DrainOnStop and HandleOne).
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	var stopJobs func()
	if w.HandleOne != nil {
		stopJobs = w.jobs.start(ctx, w)
	}
	tasks := w.Tasks
	if w.Streams == nil {
		tasks = append([]Task{{Every: w.PruneEvery, Do: w.prune}}, tasks...)
	}
	lastTask := make([]time.Time, len(tasks))
	for i := range lastTask {
		lastTask[i] = time.Now()
	}
	var lastClaim time.Time
	var recent []string // the streams of the last round
	failures := 0
	for ctx.Err() == nil {
		recent = w.streams()
		var err error
		if time.Since(lastClaim) >= w.ClaimEvery {
			lastClaim = time.Now()
			err = w.Claim(ctx, w.ClaimIdle, recent...)
		}
		if err == nil {
			err = w.read(ctx, ">", true, recent)
			// With Streams, the next round is Poll away; with one stream,
			// read stopped at a short batch: the stream is drained, so let a
			// few more entries gather rather than paying a round for each.
			pause := w.Gather
			if w.Streams != nil {
				pause = w.Poll
			}
			Sleep(ctx, pause)
		}
		for i, t := range tasks {
			if ctx.Err() == nil && time.Since(lastTask[i]) >= t.Every {
				lastTask[i] = time.Now()
				t.Do(ctx)
			}
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
	if stopJobs != nil {
		stopJobs()
	}
	if w.DrainOnStop {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.AckTimeout)
		defer cancel()
		streams := slices.Compact(slices.Sorted(slices.Values(slices.Concat(recent, w.streams()))))
		for _, from := range []string{"0", ">"} {
			if err := w.Drain(dctx, from, streams...); err != nil {
				w.Log.Warn("handling held and new entries at shutdown failed", "error", err.Error())
			}
		}
	}
}

func (w *Worker) prune(ctx context.Context) {
	if n, err := w.Group.Prune(ctx, w.Stream, w.Consumer, w.PruneIdle); n > 0 {
		w.Log.Info("forgot consumers of replicas long gone", "consumers", n)
	} else if err != nil && ctx.Err() == nil {
		w.Log.Warn("pruning idle consumers failed", "error", err.Error())
	}
}

const streamsPerRead = 64

// Drain handles, now and without blocking, the entries of the streams
// after from: new ones (">") or those this consumer holds ("0"). Missing
// streams are skipped. It is for a stream that must be handled at once:
// its session is released or ends.
func (w *Worker) Drain(ctx context.Context, from string, streams ...string) error {
	w.defaults()
	return w.read(ctx, from, false, streams)
}

// read reads and handles the streams' entries after from, in reads of
// streamsPerRead streams, again while a stream returns a whole batch
// (ReadRounds at most, so one busy stream cannot hold a round). Streams
// missing are created with their group when create, else skipped.
func (w *Worker) read(ctx context.Context, from string, create bool, streams []string) error {
	var errs []error
	for chunk := range slices.Chunk(streams, streamsPerRead) {
		for range w.ReadRounds {
			got, err := w.readChunk(ctx, from, create, chunk)
			if err == nil {
				err = w.handle(ctx, got, false)
			}
			if err != nil {
				errs = append(errs, err)
				break
			}
			if from == "0" || !w.full(got) {
				break
			}
		}
	}
	return errors.Join(errs...)
}

// readChunk reads; the loop's read of one Stream (create) waits up to
// Block for entries, every other read returns at once.
func (w *Worker) readChunk(ctx context.Context, from string, create bool, streams []string) ([]redis.XStream, error) {
	block := time.Duration(-1)
	if create && w.Streams == nil {
		block = w.Block
	}
	res, err := w.Group.Read(ctx, w.Consumer, from, w.Batch, block, streams...)
	if !IsNoGroup(err) {
		return res, err
	}
	if create {
		if w.Streams == nil {
			w.Log.Warn("consumer group missing (Redis lost its data?); creating it again", "group", w.Group.name)
		}
		if err := w.Group.EnsureTTL(ctx, w.StreamTTL, streams...); err != nil {
			return nil, err
		}
		return w.Group.Read(ctx, w.Consumer, from, w.Batch, block, streams...)
	}
	res, err = nil, nil
	for _, s := range streams {
		one, oerr := w.Group.Read(ctx, w.Consumer, from, w.Batch, -1, s)
		if oerr != nil && !IsNoGroup(oerr) {
			err = oerr
		}
		res = append(res, one...)
	}
	return res, err
}

func (w *Worker) full(got []redis.XStream) bool {
	for _, s := range got {
		if len(s.Messages) >= int(w.Batch) {
			return true
		}
	}
	return false
}

// Claim takes over, and handles, the entries of the streams pending for
// at least idle (0: all of them, whoever holds them). Missing streams are
// skipped with Streams; Stream's group is created again.
func (w *Worker) Claim(ctx context.Context, idle time.Duration, streams ...string) error {
	w.defaults()
	var errs []error
	for _, s := range streams {
		err := w.Group.Claim(ctx, s, w.Consumer, idle, w.Batch, w.ClaimRounds, func(msgs []redis.XMessage) error {
			return w.handle(ctx, []redis.XStream{{Stream: s, Messages: msgs}}, true)
		})
		if IsNoGroup(err) {
			err = nil // a missing stream of Streams; the read creates Stream's group
			if w.Streams == nil {
				err = w.Group.Ensure(ctx, s)
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (w *Worker) handle(ctx context.Context, batch []redis.XStream, claimed bool) error {
	batch = slices.DeleteFunc(slices.Clone(batch), func(s redis.XStream) bool { return len(s.Messages) == 0 })
	if len(batch) == 0 {
		return nil
	}
	switch {
	case w.HandleOne != nil:
		for _, s := range batch {
			for _, m := range s.Messages {
				if !w.jobs.run(ctx, w, s.Stream, m, claimed) {
					return nil // stopping
				}
			}
		}
		return nil
	case w.HandleStreams != nil:
		if err := w.HandleStreams(ctx, batch, claimed); err != nil {
			return err
		}
	default:
		for _, s := range batch {
			if err := w.Handle(ctx, s.Messages, claimed); err != nil {
				return err
			}
		}
	}
	return w.ack(ctx, batch)
}

// ack acknowledges (and with Delete deletes) the entries, even after ctx
// ended: they are handled.
func (w *Worker) ack(ctx context.Context, batch []redis.XStream) error {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.AckTimeout)
	defer cancel()
	if w.Delete {
		for _, s := range batch {
			if err := w.Group.AckDel(actx, s.Stream, ids(s.Messages)...); err != nil {
				return err
			}
		}
		return nil
	}
	_, err := w.Group.rdb.Pipelined(actx, func(p redis.Pipeliner) error {
		for _, s := range batch {
			p.XAck(actx, s.Stream, w.Group.name, ids(s.Messages)...)
		}
		return nil
	})
	return groupErr("acknowledge", err)
}

func ids(msgs []redis.XMessage) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

// jobs are the entries a Worker with HandleOne has in progress.
type jobs struct {
	ctx    context.Context // the jobs': ends after Run's loop
	sem    chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	active map[string]string // entry id → stream
}

// start starts the heartbeat; the func it returns stops every job, waits
// for them and releases those unfinished.
func (j *jobs) start(ctx context.Context, w *Worker) (stop func()) {
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	j.ctx, j.sem, j.active = jctx, make(chan struct{}, w.Concurrency), map[string]string{}
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		t := time.NewTicker(w.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				j.touch(ctx, w)
			}
		}
	}()
	return func() {
		<-beat
		cancel()
		j.wg.Wait()
		left := j.held()
		if len(left) == 0 {
			return
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		n := 0
		for stream, ids := range left {
			if err := w.Group.Release(rctx, stream, w.Consumer, ids...); err != nil {
				w.Log.Warn("could not release unfinished entries; they are taken over after the claim delay", "error", err.Error(), "entries", len(ids))
				continue
			}
			n += len(ids)
		}
		if n > 0 {
			w.Log.Info("released unfinished entries to the other consumers", "entries", n)
		}
	}
}

func (j *jobs) held() map[string][]string {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := map[string][]string{}
	for id, s := range j.active {
		out[s] = append(out[s], id)
	}
	return out
}

func (j *jobs) touch(ctx context.Context, w *Worker) {
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	for stream, ids := range j.held() {
		if err := w.Group.Touch(cctx, stream, w.Consumer, ids...); err != nil && ctx.Err() == nil {
			w.Log.Warn("touching entries in progress failed", "error", err.Error())
		}
	}
}

func (j *jobs) forget(id string) {
	j.mu.Lock()
	delete(j.active, id)
	j.mu.Unlock()
}

// run starts handling m unless it is in progress already, once a slot is
// free; false: ctx ended first (m stays held, to be released).
func (j *jobs) run(ctx context.Context, w *Worker, stream string, m redis.XMessage, claimed bool) bool {
	j.mu.Lock()
	if _, dup := j.active[m.ID]; dup {
		j.mu.Unlock()
		return true
	}
	j.active[m.ID] = stream
	j.mu.Unlock()
	select {
	case j.sem <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		defer func() { <-j.sem }()
		if err := w.HandleOne(j.ctx, m, claimed); err != nil {
			if j.ctx.Err() == nil {
				j.forget(m.ID) // no heartbeat: claimed again after ClaimIdle
			}
			return // stopping: released by stop
		}
		if err := w.ack(j.ctx, []redis.XStream{{Stream: stream, Messages: []redis.XMessage{m}}}); err != nil {
			// Handled; whoever claims it again sees that and acknowledges it.
			w.Log.Warn("acknowledging an entry failed", "stream", stream, "entry", m.ID, "error", err.Error())
		}
		j.forget(m.ID)
	}()
	return true
}
