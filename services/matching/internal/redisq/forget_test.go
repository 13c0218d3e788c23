package redisq

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// TestDeletedAccountNeverMatches: the deleted account's waiting ticket is
// cancelled (seen from another replica), a real user queued next waits
// instead of pairing with it, and the deleted account cannot queue again.
func TestDeletedAccountNeverMatches(t *testing.T) {
	t.Parallel()
	rs, _ := replicas(t, 2, slow)
	one, two := rs[0], rs[1]
	ctx := context.Background()
	c := crit("easy", "arrays", "go")
	deleted := uuid.NewString()
	theirs := enqueueAs(t, one, deleted, c)

	if err := two.ForgetUser(ctx, deleted, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := ticket(t, one, theirs.ID); got.Status != match.StatusCancelled {
		t.Fatalf("the deleted account's ticket is %s", got.Status)
	}
	real := enqueue(t, one, c)
	if real.Status != match.StatusQueued {
		t.Fatalf("a real user's ticket %s with a deleted account's", real.Status)
	}
	if _, err := one.Enqueue(ctx, uuid.NewString(), deleted, c, match.Ticket{}); !errors.Is(err, match.ErrUserGone) {
		t.Fatalf("a deleted account queued again: %v", err)
	}
	if err := two.ForgetUser(ctx, uuid.NewString(), time.Minute); err != nil {
		t.Fatalf("forgetting an account without tickets: %v", err)
	}
}

// TestDeletedAccountsQueuedTicketIsSkipped: a ticket left queued by an
// account marked gone (its cancel lost) is skipped and ended by the
// pairing rule.
func TestDeletedAccountsQueuedTicketIsSkipped(t *testing.T) {
	t.Parallel()
	s := newStore(t, slow)
	c := crit("medium", "graphs", "")
	deleted := uuid.NewString()
	theirs := enqueueAs(t, s, deleted, c)
	if err := s.rdb.Set(context.Background(), s.Key("gone:"+deleted), "1", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if real := enqueue(t, s, c); real.Status != match.StatusQueued {
		t.Fatalf("paired with a deleted account: %s", real.Status)
	}
	if got := ticket(t, s, theirs.ID); got.Status != match.StatusCancelled {
		t.Fatalf("the deleted account's ticket is %s", got.Status)
	}
}
