package setup

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

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

// Worker runs the post-match steps of the jobs it reads or claims: its
// handler of the jobs stream's redisgroup.Worker, which runs up to
// Concurrency jobs at once, touches them while in progress and, at
// shutdown, stops and releases them so another replica takes over at once.
type Worker struct {
	o   Options
	log *slog.Logger
	rw  redisgroup.Worker
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
	w := &Worker{o: o, log: o.Log.With("consumer", o.Consumer)}
	group, stream := o.Store.Jobs()
	w.rw = redisgroup.Worker{
		Group: group, Stream: stream, Consumer: o.Consumer, Delete: true, Log: w.log,
		HandleOne: w.process, Concurrency: o.Concurrency, Heartbeat: o.Heartbeat,
		// A short block: go-redis cannot interrupt a blocked read, and
		// shutdown hands the jobs over only after it returns.
		Batch: 64, Block: 250 * time.Millisecond, ClaimIdle: o.ClaimIdle, ClaimEvery: o.ClaimEvery, ClaimRounds: 1,
		PruneEvery: 10 * time.Minute, PruneIdle: time.Hour,
		Backoff: func(n int) time.Duration { return min(50*time.Millisecond<<min(n-1, 6), 2*time.Second) },
		OnError: func(err error, _ int) { w.log.Warn("reading match jobs failed", "error", err.Error()) },
	}
	return w
}

// Run reads and claims jobs until ctx is done, then stops the jobs in
// progress and releases them so another replica takes them over at once.
func (w *Worker) Run(ctx context.Context) {
	w.log.Info("match setup worker started")
	w.rw.Run(ctx)
}

// process runs the steps of one job; nil: it is settled (done, failed or
// gone) and may be acknowledged. An unsettled job stays pending in the
// group: it is released on shutdown or claimed again after ClaimIdle.
func (w *Worker) process(ctx context.Context, e redis.XMessage, claimed bool) error {
	j := Job{EntryID: e.ID, MatchID: redisgroup.Fields(e)["match"]}
	if claimed {
		w.log.Info("took over a match job another replica left unfinished", "match_id", j.MatchID)
	}
	m, err := w.o.Store.Match(ctx, j.MatchID)
	if errors.Is(err, ErrGone) || (err == nil && m.Status != StatusPending) {
		return nil
	}
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("reading a match failed", "match_id", j.MatchID, "error", err.Error())
		}
		return err
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
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err() // shutting down: the job is released
		}
		if errors.Is(err, ErrGone) {
			log.Warn("the match vanished (Redis lost its data?); dropping its job", "error", err.Error())
			return nil
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
			}
			return ferr
		}
		return nil
	}
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
	// One call for both users.
	exclude, err := w.o.Services.AttemptedQuestions(ctx, m.UserIDs[:])
	if err != nil {
		// History only makes the pick nicer; it must not block a match.
		w.log.Warn("attempted questions unavailable; not excluding them", "match_id", m.ID, "error", err.Error())
		exclude = nil
	}
	exclude = exclude[:min(len(exclude), maxExclude)]
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
