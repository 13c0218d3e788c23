package peers

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
)

const token = "peers-test-internal-token-012345"

func discFor(url string) *discovery.Client {
	vars := map[string]string{"QUESTION_SERVICE_URL": url, "USER_SERVICE_URL": url}
	return discovery.New(discovery.Options{Getenv: func(k string) string { return vars[k] }, InternalToken: token, Retries: -1})
}

func TestQuestions(t *testing.T) {
	t.Parallel()
	p := fake.New(token)
	known := internalapi.Question{ID: uuid.NewString(), Slug: "two-sum", Title: "Two Sum", Difficulty: "easy", Topics: []string{"array"}}
	odd := internalapi.Question{ID: uuid.NewString(), Title: "Odd", Difficulty: "legendary"}
	p.AddQuestion(known)
	p.AddQuestion(odd)
	url := p.Serve(t)
	qs := NewQuestions(discFor(url))
	ctx := context.Background()

	got, err := qs.Question(ctx, uuid.MustParse(known.ID))
	if err != nil || got.Title != "Two Sum" || got.Slug != "two-sum" || got.Difficulty != "easy" || len(got.Topics) != 1 {
		t.Fatalf("known question: %+v %v", got, err)
	}
	if _, err := qs.Question(ctx, uuid.New()); !errors.Is(err, attempt.ErrQuestionNotFound) {
		t.Fatalf("unknown question: %v, want ErrQuestionNotFound", err)
	}
	if _, err := qs.Question(ctx, uuid.MustParse(odd.ID)); err == nil || errors.Is(err, attempt.ErrQuestionNotFound) {
		t.Fatalf("malformed answer: %v, want a retryable error", err)
	}
	p.SetDown(internalapi.QuestionService, http.StatusServiceUnavailable)
	if _, err := qs.Question(ctx, uuid.MustParse(known.ID)); err == nil || errors.Is(err, attempt.ErrQuestionNotFound) {
		t.Fatalf("down: %v, want a retryable error", err)
	}
	wrongToken := NewQuestions(discovery.New(discovery.Options{Getenv: func(string) string { return url }, InternalToken: "wrong-token-wrong-token", Retries: -1}))
	if _, err := wrongToken.Question(ctx, uuid.MustParse(known.ID)); err == nil || errors.Is(err, attempt.ErrQuestionNotFound) {
		t.Fatalf("refused token: %v, want a retryable error", err)
	}
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestUsernamesAreCached(t *testing.T) {
	t.Parallel()
	p := fake.New(token)
	ann, bob, gone := uuid.New(), uuid.New(), uuid.New()
	p.SetUser(ann.String(), "ann")
	p.SetUser(bob.String(), "bob")
	clk := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	u := NewUsers(discFor(p.Serve(t)), UsersOptions{TTL: time.Minute, FailureTTL: 5 * time.Second, Now: clk.now})
	ctx := context.Background()

	got := u.Usernames(ctx, []uuid.UUID{ann, bob, gone})
	if got[ann].Name != "ann" || got[bob].Name != "bob" || !got[gone].Deleted || len(got) != 3 {
		t.Fatalf("first lookup %v", got)
	}
	if calls := p.Calls(internalapi.UserService); calls != 3 {
		t.Fatalf("%d calls, want 3", calls)
	}
	p.SetUser(ann.String(), "ann_renamed")
	u.Usernames(ctx, []uuid.UUID{ann, bob, gone})
	if calls := p.Calls(internalapi.UserService); calls != 3 {
		t.Fatalf("cached answers looked up again: %d calls", calls)
	}
	clk.add(2 * time.Minute)
	if got := u.Usernames(ctx, []uuid.UUID{ann}); got[ann].Name != "ann_renamed" {
		t.Fatalf("after the TTL: %v, want the new name", got)
	}

	t.Run("a failure is left out and not retried at once", func(t *testing.T) {
		p.SetDown(internalapi.UserService, http.StatusServiceUnavailable)
		clk.add(2 * time.Minute) // everything expired
		before := p.Calls(internalapi.UserService)
		if got := u.Usernames(ctx, []uuid.UUID{bob}); len(got) != 0 {
			t.Fatalf("down: %v, want nothing", got)
		}
		u.Usernames(ctx, []uuid.UUID{bob})
		if calls := p.Calls(internalapi.UserService) - before; calls != 1 {
			t.Fatalf("%d calls while the failure is remembered, want 1", calls)
		}
		p.SetDown(internalapi.UserService, 0)
		clk.add(6 * time.Second)
		if got := u.Usernames(ctx, []uuid.UUID{bob}); got[bob].Name != "bob" {
			t.Fatalf("after the failure TTL: %v", got)
		}
	})
}

func TestUsernamesWaitOnlyAsLongAsTheCaller(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"x","username":"late"}`))
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	u := NewUsers(discFor(slow.URL), UsersOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if got := u.Usernames(ctx, []uuid.UUID{uuid.New()}); len(got) != 0 {
		t.Fatalf("got %v", got)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("waited %v past the caller's deadline", d)
	}
}

func TestUsernameCacheIsBounded(t *testing.T) {
	t.Parallel()
	p := fake.New(token)
	var ids []uuid.UUID
	for range 50 {
		id := uuid.New()
		p.SetUser(id.String(), "u")
		ids = append(ids, id)
	}
	u := NewUsers(discFor(p.Serve(t)), UsersOptions{MaxEntries: 10})
	for _, id := range ids {
		u.Usernames(context.Background(), []uuid.UUID{id})
	}
	n := u.cache.Len()
	if n > 10 {
		t.Fatalf("%d cache entries, bound is 10", n)
	}
}
