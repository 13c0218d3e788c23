package postgres

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
	"github.com/peerprep/peerprep/services/history/internal/feedback"
	"github.com/peerprep/peerprep/services/history/internal/postgres/migrations"
)

func newStores(t testing.TB) (*Store, *FeedbackStore) {
	t.Helper()
	pool := pgtest.New(t, migrations.FS)
	return New(pool), NewFeedback(pool)
}

func given(session, author, rated uuid.UUID, at time.Time, r int) feedback.Feedback {
	return feedback.Feedback{
		SessionID: session, AuthorID: author, RatedID: rated,
		Ratings: feedback.Ratings{ProblemSolving: r, Communication: r, CodeQuality: r},
		Comment: "clear thinking", CreatedAt: at, UpdatedAt: at,
	}
}

func TestFeedbackUpsertKeepsOnePerAuthorAndHonoursTheEditWindow(t *testing.T) {
	t.Parallel()
	_, s := newStores(t)
	ctx := context.Background()
	session, a, b := uuid.New(), uuid.New(), uuid.New()

	first, created, err := s.Upsert(ctx, given(session, a, b, base, 4), base.Add(-feedback.EditWindow))
	if err != nil || !created || first.ProblemSolving != 4 || !first.CreatedAt.Equal(base) {
		t.Fatalf("first: %+v created=%v err=%v", first, created, err)
	}
	later := base.Add(time.Hour)
	edit := given(session, a, b, later, 2)
	edit.Comment = ""
	got, created, err := s.Upsert(ctx, edit, later.Add(-feedback.EditWindow))
	if err != nil || created || got.ProblemSolving != 2 || got.Comment != "" || !got.CreatedAt.Equal(base) || !got.UpdatedAt.Equal(later) {
		t.Fatalf("edit: %+v created=%v err=%v", got, created, err)
	}
	tooLate := base.Add(feedback.EditWindow + time.Second)
	if _, _, err := s.Upsert(ctx, given(session, a, b, tooLate, 1), tooLate.Add(-feedback.EditWindow)); !errors.Is(err, feedback.ErrEditWindowClosed) {
		t.Fatalf("edit after the window: %v, want ErrEditWindowClosed", err)
	}

	x, err := s.Exchange(ctx, session, a)
	if err != nil || x.Given == nil || x.Given.ProblemSolving != 2 || x.Received != nil {
		t.Fatalf("a's exchange: %+v %v", x, err)
	}
	x, err = s.Exchange(ctx, session, b)
	if err != nil || x.Received == nil || x.Received.AuthorID != a || x.Given != nil {
		t.Fatalf("b's exchange: %+v %v", x, err)
	}
	if x, err := s.Exchange(ctx, session, uuid.New()); err != nil || x.Given != nil || x.Received != nil {
		t.Fatalf("a stranger's exchange: %+v %v", x, err)
	}
}

func TestFeedbackConcurrentFirstGivesCreateOnce(t *testing.T) {
	t.Parallel()
	_, s := newStores(t)
	session, a, b := uuid.New(), uuid.New(), uuid.New()
	const n = 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	creations := 0
	for i := range n {
		wg.Go(func() {
			_, created, err := s.Upsert(context.Background(), given(session, a, b, base, 1+i%5), base.Add(-feedback.EditWindow))
			if err != nil {
				t.Error(err)
			}
			if created {
				mu.Lock()
				creations++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if creations != 1 {
		t.Fatalf("%d calls created the feedback, want 1", creations)
	}
}

func TestFeedbackAveragesCountOnlyWhatTheUserReceived(t *testing.T) {
	t.Parallel()
	_, s := newStores(t)
	ctx := context.Background()
	me := uuid.New()
	if avg, err := s.Averages(ctx, me); err != nil || avg.Count != 0 || avg.ProblemSolving != 0 {
		t.Fatalf("no feedback: %+v %v", avg, err)
	}
	for i, r := range []feedback.Ratings{
		{ProblemSolving: 5, Communication: 4, CodeQuality: 3},
		{ProblemSolving: 3, Communication: 2, CodeQuality: 1},
	} {
		f := given(uuid.New(), uuid.New(), me, base.Add(time.Duration(i)*time.Minute), 0)
		f.Ratings = r
		if _, _, err := s.Upsert(ctx, f, base.Add(-feedback.EditWindow)); err != nil {
			t.Fatal(err)
		}
	}
	// Feedback me gave does not count.
	if _, _, err := s.Upsert(ctx, given(uuid.New(), me, uuid.New(), base, 1), base.Add(-feedback.EditWindow)); err != nil {
		t.Fatal(err)
	}
	avg, err := s.Averages(ctx, me)
	if err != nil || avg.Count != 2 || avg.ProblemSolving != 4 || avg.Communication != 3 || avg.CodeQuality != 2 {
		t.Fatalf("averages %+v %v", avg, err)
	}
}

func TestFeedbackPendingListsRecentSessionsWithoutTheUsersFeedback(t *testing.T) {
	t.Parallel()
	attempts, s := newStores(t)
	ctx := context.Background()
	me := uuid.New()
	old := fixture(me, -8*24*time.Hour, "easy")
	rated := fixture(me, -2*time.Hour, "easy")
	waiting := fixture(me, -time.Hour, "medium")
	newest := fixture(me, -time.Minute, "hard")
	newest.Question.Title = "Climbing Stairs"
	someoneElse := fixture(uuid.New(), 0, "easy")
	for _, a := range []attempt.Attempt{old, rated, waiting, newest, someoneElse} {
		mustInsert(t, attempts, a)
	}
	// The partner rating me does not take the session off my list.
	if _, _, err := s.Upsert(ctx, given(waiting.SessionID, waiting.PartnerID, me, base, 3), base.Add(-feedback.EditWindow)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Upsert(ctx, given(rated.SessionID, me, rated.PartnerID, base, 3), base.Add(-feedback.EditWindow)); err != nil {
		t.Fatal(err)
	}

	ps, err := s.Pending(ctx, me, base.Add(-feedback.PendingWindow), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].SessionID != newest.SessionID || ps[1].SessionID != waiting.SessionID {
		t.Fatalf("pending %+v, want the newest then the waiting session", ps)
	}
	if ps[0].QuestionTitle != "Climbing Stairs" || ps[0].PartnerID != newest.PartnerID || ps[0].AttemptID != newest.ID {
		t.Fatalf("pending[0] %+v", ps[0])
	}
	if ps, err := s.Pending(ctx, me, base.Add(-feedback.PendingWindow), 1); err != nil || len(ps) != 1 {
		t.Fatalf("limit 1: %d %v", len(ps), err)
	}
}
