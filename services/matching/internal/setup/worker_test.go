package setup_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/redisq"
	"github.com/peerprep/peerprep/services/matching/internal/setup"
)

// services is a scriptable setup.Services.
type services struct {
	mu        sync.Mutex
	attempted map[string][]string
	questions []string // of every topic and difficulty
	sessions  map[string]string
	calls     atomic.Int32
	// failSession, when set, decides the error of each session call.
	failSession func(n int32, ctx context.Context) error
	unknown     string // a user id user-service does not know
}

func newServices() *services {
	return &services{attempted: map[string][]string{}, questions: []string{"q1", "q2", "q3"}, sessions: map[string]string{}}
}

func (s *services) AttemptedQuestions(_ context.Context, userIDs []string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, u := range userIDs {
		for _, q := range s.attempted[u] {
			if !slices.Contains(out, q) {
				out = append(out, q)
			}
		}
	}
	return out, nil
}

func (s *services) RandomQuestion(_ context.Context, _, _ string, exclude []string) (string, error) {
	for _, q := range s.questions {
		if !slices.Contains(exclude, q) {
			return q, nil
		}
	}
	return "", setup.ErrNoQuestion
}

func (s *services) CreateSession(ctx context.Context, in setup.NewSession) (string, error) {
	matchID := in.MatchID
	n := s.calls.Add(1)
	if s.failSession != nil {
		if err := s.failSession(n, ctx); err != nil {
			return "", err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.sessions[matchID]; ok {
		return id, nil
	}
	s.sessions[matchID] = uuid.NewString()
	return s.sessions[matchID], nil
}

func (s *services) Username(_ context.Context, userID string) (string, error) {
	if userID == s.unknown {
		return "", setup.ErrUnknownUser
	}
	return "name-" + userID[:4], nil
}

type fixture struct {
	store *redisq.Store
	svc   *services
	rdb   *redis.Client
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	rdb, prefix := redistest.New(t)
	return fixture{store: redisq.New(rdb, prefix, redisq.Options{RelaxAfter: time.Hour, MatchTimeout: time.Hour}), svc: newServices(), rdb: rdb}
}

func (f fixture) worker(t *testing.T, consumer string, o setup.Options) (stop func()) {
	t.Helper()
	o.Store, o.Services, o.Consumer = f.store, f.svc, consumer
	if o.ClaimEvery == 0 {
		o.ClaimEvery = 50 * time.Millisecond
	}
	w := setup.NewWorker(o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// pair queues two compatible tickets and returns them.
func (f fixture) pair(t *testing.T) (a, b match.Ticket) {
	t.Helper()
	ctx := context.Background()
	c := match.Criteria{Difficulty: "easy", Topic: "arrays"}
	a, err := f.store.Enqueue(ctx, uuid.NewString(), uuid.NewString(), c, match.Ticket{})
	if err != nil {
		t.Fatal(err)
	}
	b, err = f.store.Enqueue(ctx, uuid.NewString(), uuid.NewString(), c, match.Ticket{})
	if err != nil || !b.Pairing {
		t.Fatalf("not paired: %+v %v", b, err)
	}
	return a, b
}

// settled waits until ticket id leaves the pairing state.
func (f fixture) settled(t *testing.T, id string, within time.Duration) match.Ticket {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		tk, err := f.store.Ticket(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !tk.Pairing {
			return tk
		}
		if time.Now().After(deadline) {
			t.Fatalf("ticket still pairing after %v", within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWorkerSetsUpMatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, b := f.pair(t)
	c, d := f.pair(t)
	f.svc.attempted[a.UserID] = []string{"q1"}
	f.svc.attempted[b.UserID] = []string{"q2"}
	// Every question attempted by one or the other: any question will do.
	f.svc.attempted[c.UserID] = []string{"q1", "q2"}
	f.svc.attempted[d.UserID] = []string{"q3"}
	f.worker(t, "w1", setup.Options{})
	ta, tb := f.settled(t, a.ID, 3*time.Second), f.settled(t, b.ID, 3*time.Second)
	if ta.Status != match.StatusMatched || tb.Status != match.StatusMatched {
		t.Fatalf("%+v / %+v", ta, tb)
	}
	if ta.Match.QuestionID != "q3" || ta.Match.SessionID == "" || *ta.Match != (match.MatchInfo{
		ID: tb.Match.ID, SessionID: tb.Match.SessionID, QuestionID: "q3", Partner: match.Partner{ID: b.UserID, Username: "name-" + b.UserID[:4]},
	}) {
		t.Fatalf("match %+v / %+v", ta.Match, tb.Match)
	}

	if tc := f.settled(t, c.ID, 3*time.Second); tc.Status != match.StatusMatched || tc.Match.QuestionID == "" {
		t.Fatalf("%+v", tc)
	}
}

func TestWorkerRetriesThenSucceeds(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.svc.failSession = func(n int32, _ context.Context) error {
		if n <= 3 {
			return errors.New("collaboration-service: HTTP 503")
		}
		return nil
	}
	f.worker(t, "w1", setup.Options{})
	a, _ := f.pair(t)
	if ta := f.settled(t, a.ID, 5*time.Second); ta.Status != match.StatusMatched {
		t.Fatalf("%+v", ta)
	}
	if n := f.svc.calls.Load(); n != 4 {
		t.Fatalf("%d session calls, want 4", n)
	}
}

func TestWorkerGivesUp(t *testing.T) {
	t.Parallel()
	t.Run("after the timeout", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.svc.failSession = func(int32, context.Context) error { return errors.New("down") }
		f.worker(t, "w1", setup.Options{Timeout: 500 * time.Millisecond})
		a, b := f.pair(t)
		start := time.Now()
		ta, tb := f.settled(t, a.ID, 3*time.Second), f.settled(t, b.ID, 3*time.Second)
		if ta.Status != match.StatusFailed || tb.Status != match.StatusFailed || ta.Reason == "" {
			t.Fatalf("%+v / %+v", ta, tb)
		}
		if el := time.Since(start); el < 400*time.Millisecond {
			t.Fatalf("gave up after %v", el)
		}
	})
	t.Run("at once when an account is gone", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		a, b := f.pair(t)
		f.svc.unknown = b.UserID
		f.worker(t, "w1", setup.Options{Timeout: time.Minute})
		if ta := f.settled(t, a.ID, 2*time.Second); ta.Status != match.StatusFailed || f.svc.calls.Load() != 0 {
			t.Fatalf("%+v, %d session calls", ta, f.svc.calls.Load())
		}
	})
}

// TestWorkerTakesOverACrashedConsumer: a consumer reads the job and dies
// without a word; another claims it once it has been idle ClaimIdle.
func TestWorkerTakesOverACrashedConsumer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if err := f.store.EnsureGroup(ctx); err != nil {
		t.Fatal(err)
	}
	a, _ := f.pair(t)
	jobs, err := f.store.ReadJobs(ctx, "crashed", 10, 0)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("%v %v", jobs, err)
	}
	start := time.Now()
	f.worker(t, "survivor", setup.Options{ClaimIdle: 300 * time.Millisecond})
	if ta := f.settled(t, a.ID, 3*time.Second); ta.Status != match.StatusMatched {
		t.Fatalf("%+v", ta)
	}
	if el := time.Since(start); el < 250*time.Millisecond {
		t.Fatalf("claimed after %v, before the job was idle", el)
	}
	// Acknowledged right after the tickets settle.
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		p, err := f.rdb.XPending(ctx, f.store.Key("jobs"), redisq.Group).Result()
		if err == nil && p.Count == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job left pending: %+v %v", p, err)
		}
	}
}

// TestWorkerHandsOverOnShutdown: a worker stopped mid-step releases its
// job, and another worker takes it at once even with a long ClaimIdle.
func TestWorkerHandsOverOnShutdown(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	entered := make(chan struct{}, 1)
	f.svc.failSession = func(n int32, ctx context.Context) error {
		if n == 1 {
			entered <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	stopFirst := f.worker(t, "first", setup.Options{ClaimIdle: time.Hour})
	a, _ := f.pair(t)
	select {
	case <-entered:
	case <-time.After(3 * time.Second):
		t.Fatal("the first worker never asked for the session")
	}
	f.worker(t, "second", setup.Options{ClaimIdle: time.Hour})
	stopFirst()
	if ta := f.settled(t, a.ID, 3*time.Second); ta.Status != match.StatusMatched {
		t.Fatalf("%+v", ta)
	}
}
