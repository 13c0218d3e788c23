package setup

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/peerprep/peerprep/libs/redisgroup"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// Options configure a Worker. Zero values take the defaults named.
type Options struct {
	Store    Store
	Services Services
	Log      *slog.Logger
	Consumer string // this replica's name in the consumer group

	Timeout     time.Duration // give up on a match this long after pairing; default 10s
	ClaimIdle   time.Duration // take over a job untouched this long; default 3s
	ClaimEvery  time.Duration // look for such jobs this often; default 500ms
	Heartbeat   time.Duration // touch jobs in progress this often; default 1s
	Concurrency int           // jobs in progress at once; default 256

	// Ready, if set, is called when this replica has set a match up: for
	// metrics (the time from each ticket's enqueue to its match).
	Ready func(m Match)
}

// Worker runs the post-match steps of the jobs it reads or claims.
type Worker struct {
	o   Options
	log *slog.Logger
	sem chan struct{}

	mu       sync.Mutex
	inflight map[string]struct{} // entry ids
	wg       sync.WaitGroup
}

// NewWorker returns a Worker.
func NewWorker(o Options) *Worker {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.ClaimIdle <= 0 {
		o.ClaimIdle = 3 * time.Second
	}
	if o.ClaimEvery <= 0 {
		o.ClaimEvery = 500 * time.Millisecond
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 256
	}
	return &Worker{o: o, log: o.Log.With("consumer", o.Consumer), sem: make(chan struct{}, o.Concurrency), inflight: map[string]struct{}{}}
}

// Run reads and claims jobs until ctx is done, then stops the jobs in
// progress and releases them so another replica takes them over at once.
func (w *Worker) Run(ctx context.Context) {
	w.log.Info("match setup worker started")
	if err := w.o.Store.EnsureGroup(ctx); err != nil {
		w.log.Warn("creating the match jobs group failed; retrying as jobs are read", "error", err.Error())
	}
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	var loops sync.WaitGroup
	loops.Add(3)
	go func() { defer loops.Done(); w.every(ctx, w.o.ClaimEvery, func() { w.claim(ctx, jobCtx) }) }()
	go func() { defer loops.Done(); w.every(ctx, 10*time.Minute, func() { w.prune(ctx) }) }()
	go func() { defer loops.Done(); w.every(ctx, w.o.Heartbeat, func() { w.touch(ctx) }) }()
	w.read(ctx, jobCtx)
	loops.Wait()

	cancelJobs()
	w.wg.Wait()
	w.mu.Lock()
	left := make([]string, 0, len(w.inflight))
	for id := range w.inflight {
		left = append(left, id)
	}
	w.mu.Unlock()
	if len(left) > 0 {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if err := w.o.Store.Release(rctx, w.o.Consumer, left); err != nil {
			w.log.Warn("could not release unfinished match jobs; they are taken over after the claim delay", "error", err.Error(), "jobs", len(left))
		} else {
			w.log.Info("released unfinished match jobs to the other replicas", "jobs", len(left))
		}
	}
}

func (w *Worker) every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

func (w *Worker) read(ctx, jobCtx context.Context) {
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		// A short block: go-redis cannot interrupt a blocked read, and shutdown
		// hands the jobs over only after this returns.
		jobs, err := w.o.Store.ReadJobs(ctx, w.o.Consumer, 64, 250*time.Millisecond)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, ErrNoGroup) {
				w.log.Warn("match jobs group missing (Redis lost its data?); recreating it")
				err = w.o.Store.EnsureGroup(ctx)
			}
			if err != nil {
				w.log.Warn("reading match jobs failed", "error", err.Error())
			}
			redisgroup.Sleep(ctx, backoff)
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		for _, j := range jobs {
			w.start(ctx, jobCtx, j)
		}
	}
}

func (w *Worker) claim(ctx, jobCtx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	jobs, err := w.o.Store.ClaimStale(cctx, w.o.Consumer, w.o.ClaimIdle, 32)
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, ErrNoGroup) {
			w.log.Warn("claiming stale match jobs failed", "error", err.Error())
		}
		return
	}
	for _, j := range jobs {
		w.log.Info("took over a match job another replica left unfinished", "match_id", j.MatchID)
		w.start(ctx, jobCtx, j)
	}
}

// prune forgets consumers of replicas gone for an hour.
func (w *Worker) prune(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if n, err := w.o.Store.PruneConsumers(cctx, time.Hour); err != nil && ctx.Err() == nil {
		w.log.Warn("pruning idle consumers failed", "error", err.Error())
	} else if n > 0 {
		w.log.Info("forgot consumers of replicas long gone", "consumers", n)
	}
}

func (w *Worker) touch(ctx context.Context) {
	w.mu.Lock()
	ids := make([]string, 0, len(w.inflight))
	for id := range w.inflight {
		ids = append(ids, id)
	}
	w.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := w.o.Store.Touch(cctx, w.o.Consumer, ids); err != nil && ctx.Err() == nil {
		w.log.Warn("touching match jobs failed", "error", err.Error())
	}
}

// start runs j unless this replica already runs it.
func (w *Worker) start(ctx, jobCtx context.Context, j Job) {
	w.mu.Lock()
	if _, dup := w.inflight[j.EntryID]; dup {
		w.mu.Unlock()
		return
	}
	w.inflight[j.EntryID] = struct{}{}
	w.mu.Unlock()
	select {
	case w.sem <- struct{}{}:
	case <-ctx.Done():
		return // stays in inflight: released on the way out
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer func() { <-w.sem }()
		if w.process(jobCtx, j) {
			w.mu.Lock()
			delete(w.inflight, j.EntryID)
			w.mu.Unlock()
		}
	}()
}

// process runs the steps of one job and reports whether it is settled (done,
// failed or gone, and acknowledged). An unsettled job stays pending in the
// group: it is released on shutdown or claimed again after ClaimIdle.
func (w *Worker) process(ctx context.Context, j Job) bool {
	m, err := w.o.Store.Match(ctx, j.MatchID)
	if errors.Is(err, ErrGone) || (err == nil && m.Status != StatusPending) {
		return w.ack(ctx, j)
	}
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("reading a match failed", "match_id", j.MatchID, "error", err.Error())
			w.forget(j)
		}
		return false
	}
	log := w.log.With("match_id", m.ID)
	deadline := m.CreatedAt.Add(w.o.Timeout)
	backoff := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithDeadline(ctx, deadline)
		res, err := w.attempt(actx, &m)
		if err == nil {
			err = w.o.Store.Finish(ctx, m.ID, res)
		}
		cancel()
		if err == nil {
			log.Info("match ready", "session_id", res.SessionID, "question_id", res.QuestionID, "attempts", attempt,
				"setup_ms", time.Since(m.CreatedAt).Milliseconds())
			if w.o.Ready != nil {
				w.o.Ready(m)
			}
			return w.ack(ctx, j)
		}
		if ctx.Err() != nil {
			return false // shutting down: Run releases the job
		}
		if errors.Is(err, ErrGone) {
			log.Warn("the match vanished (Redis lost its data?); dropping its job", "error", err.Error())
			return w.ack(ctx, j)
		}
		var perm *PermanentError
		permanent := errors.As(err, &perm)
		if left := time.Until(deadline); !permanent && left > 0 {
			wait := min(backoff, left)
			log.Warn("match setup failed; retrying", "error", err.Error(), "attempt", attempt, "retry_in", wait.String())
			redisgroup.Sleep(ctx, wait)
			backoff = min(2*backoff, time.Second)
			continue
		}
		reason := "the session could not be set up in time; please queue again"
		if permanent {
			reason = perm.Reason
		}
		log.Warn("match setup gave up; both tickets failed", "error", err.Error(), "attempts", attempt, "reason", reason)
		if ferr := w.o.Store.Fail(ctx, m.ID, reason); ferr != nil && !errors.Is(ferr, ErrGone) {
			if ctx.Err() == nil {
				log.Warn("marking a match failed did not work; it will be retried", "error", ferr.Error())
				w.forget(j)
			}
			return false
		}
		return w.ack(ctx, j)
	}
}

// forget drops j from this replica's jobs without acknowledging it, so its
// heartbeat stops and any replica claims it after ClaimIdle.
func (w *Worker) forget(j Job) {
	w.mu.Lock()
	delete(w.inflight, j.EntryID)
	w.mu.Unlock()
}

func (w *Worker) ack(ctx context.Context, j Job) bool {
	if err := w.o.Store.Ack(ctx, j.EntryID); err != nil {
		// The match is settled; a replica that claims the job again sees
		// that and acknowledges it.
		w.log.Warn("acknowledging a match job failed", "match_id", j.MatchID, "error", err.Error())
		w.forget(j)
		return false
	}
	return true
}

// attempt runs every step once. It records the chosen question in m.
func (w *Worker) attempt(ctx context.Context, m *Match) (Result, error) {
	var (
		wg       sync.WaitGroup
		names    [2]string
		nameErrs [2]error
	)
	for i, id := range m.UserIDs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			names[i], nameErrs[i] = w.o.Services.Username(ctx, id)
		}()
	}
	qerr := w.chooseQuestion(ctx, m)
	wg.Wait()
	for _, err := range nameErrs {
		if errors.Is(err, ErrUnknownUser) {
			return Result{}, &PermanentError{Reason: "one of the two accounts no longer exists; please queue again", Err: err}
		}
		if err != nil {
			return Result{}, err
		}
	}
	if qerr != nil {
		return Result{}, qerr
	}
	n := NewSession{MatchID: m.ID, UserIDs: m.UserIDs, QuestionID: m.QuestionID, Language: m.Language, Mode: m.Mode}
	if m.Mode == match.ModeMock {
		n.InterviewerID = ChooseInterviewer(*m)
	}
	sid, err := w.o.Services.CreateSession(ctx, n)
	if err != nil {
		return Result{}, err
	}
	return Result{SessionID: sid, QuestionID: m.QuestionID, Usernames: names, InterviewerID: n.InterviewerID}, nil
}

// maxExclude is the most question ids sent to question-service to exclude.
const maxExclude = 1000

// chooseQuestion picks a question of the match's topic and difficulty that
// neither user attempted, or any of them when they attempted all, and
// records it; a question recorded earlier (by another replica) wins.
func (w *Worker) chooseQuestion(ctx context.Context, m *Match) error {
	if m.QuestionID != "" {
		return nil
	}
	var (
		wg       sync.WaitGroup
		attempts [2][]string
	)
	for i, id := range m.UserIDs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids, err := w.o.Services.AttemptedQuestions(ctx, id)
			if err != nil {
				// History only makes the pick nicer; it must not block a match.
				w.log.Warn("attempted questions unavailable; not excluding them", "match_id", m.ID, "error", err.Error())
				return
			}
			attempts[i] = ids
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	var exclude []string
	for _, ids := range attempts {
		for _, id := range ids {
			if !seen[id] && len(exclude) < maxExclude {
				seen[id] = true
				exclude = append(exclude, id)
			}
		}
	}
	qid, err := w.o.Services.RandomQuestion(ctx, m.Difficulty, m.Topic, exclude)
	if errors.Is(err, ErrNoQuestion) && len(exclude) > 0 {
		qid, err = w.o.Services.RandomQuestion(ctx, m.Difficulty, m.Topic, nil)
	}
	if errors.Is(err, ErrNoQuestion) {
		return &PermanentError{Reason: "no question is available for this topic and difficulty", Err: err}
	}
	if err != nil {
		return err
	}
	recorded, err := w.o.Store.SetQuestion(ctx, m.ID, qid)
	if err != nil {
		return err
	}
	m.QuestionID = recorded
	return nil
}
