package postgres

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/services/collaboration/internal/session"
)

// TestJoinedAndNoShow: the first join is kept; a no-show of someone who
// joined is refused; a no-show of someone who did not ends the session
// once; a join after that end is not recorded.
func TestJoinedAndNoShow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	in := newSession(t, s)
	a, b := in.UserIDs[0], in.UserIDs[1]
	if got, _ := s.Get(ctx, in.ID); len(got.Joined()) != 0 {
		t.Fatalf("joined before anyone did: %v", got.Joined())
	}
	if err := s.MarkJoined(ctx, in.ID, a); err != nil {
		t.Fatal(err)
	}
	first, _ := s.Get(ctx, in.ID)
	if err := s.MarkJoined(ctx, in.ID, a); err != nil {
		t.Fatal(err)
	}
	again, _ := s.Get(ctx, in.ID)
	if !slices.Equal(again.Joined(), []string{a}) || first.JoinedAt[0] == nil || !again.JoinedAt[0].Equal(*first.JoinedAt[0]) {
		t.Fatalf("joined %v at %v then %v, want a, first time kept", again.Joined(), first.JoinedAt[0], again.JoinedAt[0])
	}
	if _, ended, err := s.EndNoShow(ctx, in.ID, []string{a}); err != nil || ended {
		t.Fatalf("no-show of a, who joined: ended %v, %v", ended, err)
	}
	out, ended, err := s.EndNoShow(ctx, in.ID, []string{b})
	if err != nil || !ended || out.Status != session.StatusEnded || out.EndReason != session.EndNoShow || out.EndedAt == nil {
		t.Fatalf("no-show of b: %+v ended %v, %v", out, ended, err)
	}
	if _, ended, err := s.EndNoShow(ctx, in.ID, []string{b}); err != nil || ended {
		t.Fatalf("no-show again: ended %v, %v", ended, err)
	}
	if err := s.MarkJoined(ctx, in.ID, b); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, in.ID); !slices.Equal(got.Joined(), []string{a}) {
		t.Fatalf("a join after the end was recorded: %v", got.Joined())
	}
	// A no-show records no attempts.
	if _, err := s.ClaimHistory(ctx, 0); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("history claim after a no-show: %v, want none", err)
	}
	if _, _, err := s.EndNoShow(ctx, uuid.NewString(), []string{a}); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("unknown session: %v", err)
	}
}
