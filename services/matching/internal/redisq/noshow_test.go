package redisq

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/setup"
)

// TestRequeueAtTheFront: a finished match schedules its no-show check,
// which one claimer gets; the partner who joined is queued again with the
// criteria of their ticket, once, ahead of a ticket that waited longer,
// and as a newer state than their matched ticket.
func TestRequeueAtTheFront(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := slow
	o.NoShowAfter = 50 * time.Millisecond
	st, _ := replicas(t, 2, o)
	s := st[0]
	c := match.Criteria{Difficulty: "easy", Topic: "arrays", Language: "go", Mode: match.ModeMock, StartAsInterviewer: true}
	a := enqueue(t, s, c)
	b := enqueue(t, s, match.Criteria{Difficulty: "easy", Topic: "arrays", Mode: match.ModeMock})
	m := matchOf(t, s, b.ID)
	if err := s.Finish(ctx, m.ID, setup.Result{SessionID: uuid.NewString(), QuestionID: "q", Usernames: [2]string{"a", "b"}, InterviewerID: a.UserID}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Match(ctx, m.ID); got.SessionID == "" {
		t.Fatalf("match without its session id: %+v", got)
	}
	// Waits longer than the requeued ticket will, in a language it does
	// not share with it.
	waiting := enqueue(t, s, match.Criteria{Difficulty: "easy", Topic: "arrays", Language: "python", Mode: match.ModeMock})
	if ids, _ := s.ClaimNoShows(ctx, 10, time.Minute); len(ids) != 0 {
		t.Fatalf("claimed %v before it was due", ids)
	}
	time.Sleep(60 * time.Millisecond)
	got := make(chan []string, 2)
	for _, r := range st {
		go func() { ids, _ := r.ClaimNoShows(ctx, 10, time.Minute); got <- ids }()
	}
	if x, y := <-got, <-got; len(x)+len(y) != 1 || append(x, y...)[0] != m.ID {
		t.Fatalf("claims %v and %v, want %s once", x, y, m.ID)
	}

	matched := ticket(t, s, a.ID)
	nt, err := s.Requeue(ctx, m.ID, a.UserID, uuid.NewString())
	if err != nil || nt.Status != match.StatusQueued || nt.Pairing || nt.Criteria != c || nt.UserID != a.UserID || !nt.Newer(matched) {
		t.Fatalf("requeued: %+v %v (criteria %+v)", nt, err, c)
	}
	if again, err := s.Requeue(ctx, m.ID, a.UserID, uuid.NewString()); err != nil || again.ID != nt.ID {
		t.Fatalf("requeue again: %+v %v, want ticket %s", again, err, nt.ID)
	}
	if cur, err := s.Current(ctx, a.UserID); err != nil || cur.ID != nt.ID {
		t.Fatalf("current: %+v %v", cur, err)
	}
	// The next ticket, compatible with both, pairs with the requeued one,
	// not with the one that waited longer.
	next := enqueue(t, s, match.Criteria{Difficulty: "easy", Topic: "arrays", Mode: match.ModeMock})
	if !next.Pairing {
		t.Fatalf("next ticket did not pair: %+v", next)
	}
	if pm := matchOf(t, s, next.ID); pm.UserIDs[0] != a.UserID && pm.UserIDs[1] != a.UserID {
		t.Fatalf("next ticket paired with %v, want the requeued %s (not %s)", pm.UserIDs, a.UserID, waiting.UserID)
	}
	if w := ticket(t, s, waiting.ID); w.Pairing {
		t.Fatalf("the longer-waiting ticket paired instead: %+v", w)
	}

	// b has a ticket of their own since: not queued again.
	if _, err := s.Enqueue(ctx, uuid.NewString(), b.UserID, crit("hard", "graphs", ""), ticket(t, s, b.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Requeue(ctx, m.ID, b.UserID, uuid.NewString()); !errors.Is(err, ErrNotRequeued) {
		t.Fatalf("requeue of someone with a new ticket: %v", err)
	}
	if _, err := s.Requeue(ctx, "no-such-match", a.UserID, uuid.NewString()); !errors.Is(err, ErrNotRequeued) {
		t.Fatalf("requeue of an unknown match: %v", err)
	}
	if err := s.NoShowDone(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.rdb.ZCard(ctx, s.Key("noshow")).Result(); n != 0 {
		t.Fatalf("%d checks left", n)
	}
}

// TestNoNoShowCheckForAnInvite: an accepted invite's match, settled as
// matched, is not checked for a no-show.
func TestNoNoShowCheckForAnInvite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := slow
	o.NoShowAfter = time.Millisecond
	s := newStore(t, o)
	enqueue(t, s, crit("easy", "arrays", ""))
	b := enqueue(t, s, crit("easy", "arrays", ""))
	m := matchOf(t, s, b.ID)
	s.rdb.HSet(ctx, s.Key("m:"+m.ID), "invite", "code-1") // as invite_accept.lua marks its match
	if err := s.Finish(ctx, m.ID, setup.Result{SessionID: uuid.NewString(), QuestionID: "q", Usernames: [2]string{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.rdb.ZCard(ctx, s.Key("noshow")).Result(); err != nil || n != 0 {
		t.Fatalf("%d no-show checks for an invite (%v)", n, err)
	}
}
