package remote

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/setup"
)

const token = "remote-test-internal-token-0123456789"

// deps starts the fake other services: every UUID is a user, and the
// question bank has fake.QuestionsPer questions per topic and difficulty.
func deps(t *testing.T) (*fake.Server, *internalapi.Client) {
	t.Helper()
	f := fake.Start(t, token)
	f.AnyUser.Store(true)
	f.SeedBank()
	env := f.Env()
	return f, internalapi.New(discovery.New(discovery.Options{Getenv: func(k string) string { return env[k] }, InternalToken: token, Timeout: time.Second}))
}

func clients(t *testing.T) (*Services, *fake.Server) {
	t.Helper()
	f, c := deps(t)
	return NewServices(c), f
}

func TestServices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, deps := clients(t)
	u := uuid.NewString()

	t.Run("usernames, and a deleted user is unknown", func(t *testing.T) {
		if name, err := s.Username(ctx, u); err != nil || name != fake.Username(u) {
			t.Fatal(name, err)
		}
		gone := uuid.NewString()
		deps.DeleteUser(gone)
		if _, err := s.Username(ctx, gone); !errors.Is(err, setup.ErrUnknownUser) {
			t.Fatal(err)
		}
		// A name is looked up once for many matches; an unknown user is
		// asked about again (not cached).
		before := deps.Calls(internalapi.UserService)
		for range 3 {
			if name, err := s.Username(ctx, u); err != nil || name != fake.Username(u) {
				t.Fatal(name, err)
			}
		}
		if _, err := s.Username(ctx, gone); !errors.Is(err, setup.ErrUnknownUser) {
			t.Fatal(err)
		}
		if n := deps.Calls(internalapi.UserService) - before; n != 1 {
			t.Fatalf("%d user-service calls for three cached names and one unknown user, want 1", n)
		}
	})
	t.Run("attempted questions", func(t *testing.T) {
		deps.SetAttempted(u, "a", "b")
		v := uuid.NewString()
		deps.SetAttempted(v, "b", "c")
		before := deps.Calls(internalapi.HistoryService)
		if ids, err := s.AttemptedQuestions(ctx, []string{u, v}); err != nil || len(ids) != 3 {
			t.Fatal(ids, err)
		}
		if n := deps.Calls(internalapi.HistoryService) - before; n != 1 {
			t.Fatalf("%d history-service calls for two users, want 1", n)
		}
	})
	t.Run("a random question honours exclude and is ErrNoQuestion when all are excluded", func(t *testing.T) {
		all := []string{fake.QuestionID("trees", "hard", 0), fake.QuestionID("trees", "hard", 1), fake.QuestionID("trees", "hard", 2)}
		id, err := s.RandomQuestion(ctx, "hard", "trees", all[:2])
		if err != nil || id != all[2] {
			t.Fatal(id, err)
		}
		if _, err := s.RandomQuestion(ctx, "hard", "trees", all); !errors.Is(err, setup.ErrNoQuestion) {
			t.Fatal(err)
		}
	})
	t.Run("a bad request is permanent", func(t *testing.T) {
		_, err := s.RandomQuestion(ctx, "extreme", "trees", nil)
		var pe *setup.PermanentError
		if !errors.As(err, &pe) || pe.Reason == "" {
			t.Fatal(err)
		}
	})
	t.Run("sessions are idempotent by match id and retried on 503", func(t *testing.T) {
		mid := uuid.NewString()
		var n atomic.Int32
		hook := func(r *http.Request) int {
			if r.Header.Get("Idempotency-Key") != mid {
				return http.StatusBadRequest
			}
			if n.Add(1) == 1 {
				return http.StatusServiceUnavailable
			}
			return 0
		}
		deps.SessionHook.Store(&hook)
		defer deps.SessionHook.Store(nil)
		users := [2]string{uuid.NewString(), uuid.NewString()}
		first, err := s.CreateSession(ctx, setup.NewSession{MatchID: mid, UserIDs: users, QuestionID: "q", Language: "go"})
		if err != nil || first == "" {
			t.Fatal(first, err)
		}
		again, err := s.CreateSession(ctx, setup.NewSession{MatchID: mid, UserIDs: users, QuestionID: "q", Language: "go"})
		if err != nil || again != first || n.Load() != 3 {
			t.Fatalf("%s %v after %d calls", again, err, n.Load())
		}
	})
}

// fakeLister serves the topic list from a field and counts calls.
type fakeLister struct {
	mu    sync.Mutex
	calls int
	fail  bool
	list  []internalapi.Topic
}

func (f *fakeLister) Topics(context.Context) ([]internalapi.Topic, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail {
		return nil, &internalapi.Error{Service: "question-service", Status: 503}
	}
	return append([]internalapi.Topic(nil), f.list...), nil
}

func TestTopicsCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	fc := &fakeLister{fail: true}
	tp := NewTopics(fc, time.Minute, clock, nil)

	if _, err := tp.Lookup(ctx, "arrays", "easy"); !errors.Is(err, match.ErrUnavailable) {
		t.Fatalf("nothing cached and question-service down: %v", err)
	}
	fc.fail = false
	fc.list = []internalapi.Topic{{Slug: "arrays", ByDifficulty: map[string]int{"easy": 2, "hard": 0}}, {Slug: "trees"}}
	check := func(slug, d string, want match.TopicInfo) {
		t.Helper()
		got, err := tp.Lookup(ctx, slug, d)
		if err != nil || got != want {
			t.Fatalf("%s/%s: %+v %v, want %+v", slug, d, got, err, want)
		}
	}
	check("arrays", "easy", match.TopicInfo{Known: true, HasQuestions: true})
	check("arrays", "hard", match.TopicInfo{Known: true})
	check("trees", "hard", match.TopicInfo{Known: true, HasQuestions: true}) // counts not reported
	if fc.calls != 2 {
		t.Fatalf("%d calls, want the list fetched once after the failure", fc.calls)
	}
	// Unknown topics refetch at most every few seconds.
	check("graphs", "easy", match.TopicInfo{})
	check("graphs", "easy", match.TopicInfo{})
	if fc.calls != 2 {
		t.Fatalf("%d calls", fc.calls)
	}
	now = now.Add(6 * time.Second)
	fc.list = append(fc.list, internalapi.Topic{Slug: "graphs"})
	check("graphs", "easy", match.TopicInfo{Known: true, HasQuestions: true})
	// Past the TTL it refetches; when that fails the stale list serves.
	now = now.Add(2 * time.Minute)
	fc.fail = true
	check("arrays", "easy", match.TopicInfo{Known: true, HasQuestions: true})
	if fc.calls != 4 {
		t.Fatalf("%d calls", fc.calls)
	}
}

func TestSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	deps, c := deps(t)
	s := NewSessions(c)
	services := NewServices(c)
	a, b := uuid.NewString(), uuid.NewString()

	if id, err := s.Current(ctx, a); err != nil || id != "" {
		t.Fatalf("before any session: %q %v", id, err)
	}
	sid, err := services.CreateSession(ctx, setup.NewSession{MatchID: uuid.NewString(), UserIDs: [2]string{a, b}, QuestionID: "q", Language: "python"})
	if err != nil {
		t.Fatal(err)
	}
	if id, err := s.Current(ctx, a); err != nil || id != sid {
		t.Fatalf("in a session: %q %v, want %s", id, err, sid)
	}
	deps.Leave(a)
	if id, err := s.Current(ctx, a); err != nil || id != "" {
		t.Fatalf("after leaving: %q %v", id, err)
	}
	deps.SetDown("collaboration-service", http.StatusServiceUnavailable)
	if _, err := s.Current(ctx, b); !errors.Is(err, match.ErrUnavailable) {
		t.Fatalf("collaboration down: %v", err)
	}
}
