package redisq

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/services/matching/internal/invite"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

func newInvite(t *testing.T, s *Store, mode, role, questionID string, ttl time.Duration) invite.Invite {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	inv := invite.Invite{ID: uuid.NewString(), Code: invite.NewCode(), InviterID: uuid.NewString(), InviterName: "alice",
		QuestionID: questionID, Topic: "arrays", Difficulty: "easy", Language: "go", Mode: mode, InviterRole: role,
		CreatedAt: now, ExpiresAt: now.Add(ttl), Status: invite.StatusOpen}
	if err := s.CreateInvite(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestInviteAccept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("accepting pairs the two as a match named by the invite, with its question and roles", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, slow)
		inv := newInvite(t, s, match.ModeMock, match.RoleCandidate, "q-1", time.Hour)
		friend := uuid.NewString()
		tk, err := s.AcceptInvite(ctx, inv.Code, friend, match.Ticket{}, match.Ticket{})
		if err != nil || !tk.Pairing || tk.UserID != friend {
			t.Fatalf("accept: %+v %v", tk, err)
		}
		m, err := s.Match(ctx, inv.ID)
		if err != nil || m.UserIDs != [2]string{inv.InviterID, friend} || m.QuestionID != "q-1" || m.Mode != match.ModeMock ||
			m.WantsInterviewer != [2]bool{false, true} || m.Language != "go" {
			t.Fatalf("match %+v %v", m, err)
		}
		if cur, err := s.Current(ctx, inv.InviterID); err != nil || !cur.Pairing {
			t.Fatalf("the inviter's ticket %+v %v", cur, err)
		}
		got, _ := s.Invite(ctx, inv.Code)
		if got.Status != invite.StatusUsed || got.AcceptedBy != friend {
			t.Fatalf("invite after %+v", got)
		}
	})
	t.Run("of many accepting at once exactly one wins", func(t *testing.T) {
		t.Parallel()
		rs, _ := replicas(t, 2, slow)
		inv := newInvite(t, rs[0], match.ModePractise, "", "", time.Hour)
		var wg sync.WaitGroup
		var mu sync.Mutex
		won, gone := 0, 0
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := rs[i%2].AcceptInvite(ctx, inv.Code, uuid.NewString(), match.Ticket{}, match.Ticket{})
				var ge *invite.GoneError
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case errors.As(err, &ge) && ge.Status == invite.StatusUsed:
					gone++
				default:
					t.Errorf("accept: %v", err)
				}
			}()
		}
		wg.Wait()
		if won != 1 || gone != 15 {
			t.Fatalf("won %d, refused %d", won, gone)
		}
	})
	t.Run("expired, cancelled, own, unknown", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, slow)
		old := newInvite(t, s, match.ModePractise, "", "", 50*time.Millisecond)
		time.Sleep(80 * time.Millisecond)
		var ge *invite.GoneError
		if _, err := s.AcceptInvite(ctx, old.Code, uuid.NewString(), match.Ticket{}, match.Ticket{}); !errors.As(err, &ge) || ge.Status != "expired" {
			t.Fatalf("expired: %v", err)
		}
		inv := newInvite(t, s, match.ModePractise, "", "", time.Hour)
		var re *invite.RefusedError
		if _, err := s.AcceptInvite(ctx, inv.Code, inv.InviterID, match.Ticket{}, match.Ticket{}); !errors.As(err, &re) || re.Code != "own_invite" {
			t.Fatalf("own: %v", err)
		}
		if _, err := s.CancelInvite(ctx, inv.Code, uuid.NewString()); !errors.Is(err, invite.ErrForbidden) {
			t.Fatalf("cancel by another: %v", err)
		}
		if got, err := s.CancelInvite(ctx, inv.Code, inv.InviterID); err != nil || got.Status != invite.StatusCancelled {
			t.Fatalf("cancel: %+v %v", got, err)
		}
		if _, err := s.AcceptInvite(ctx, inv.Code, uuid.NewString(), match.Ticket{}, match.Ticket{}); !errors.As(err, &ge) || ge.Status != invite.StatusCancelled {
			t.Fatalf("cancelled: %v", err)
		}
		if _, err := s.AcceptInvite(ctx, invite.NewCode(), uuid.NewString(), match.Ticket{}, match.Ticket{}); !errors.Is(err, invite.ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}
	})
	t.Run("a waiting friend or inviter refuses", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, slow)
		inv := newInvite(t, s, match.ModePractise, "", "", time.Hour)
		friend := uuid.NewString()
		if _, err := s.Enqueue(ctx, uuid.NewString(), friend, crit("hard", "math", ""), match.Ticket{}); err != nil {
			t.Fatal(err)
		}
		var ce *match.ConflictError
		if _, err := s.AcceptInvite(ctx, inv.Code, friend, match.Ticket{}, match.Ticket{}); !errors.As(err, &ce) {
			t.Fatalf("waiting friend: %v", err)
		}
		if _, err := s.Enqueue(ctx, uuid.NewString(), inv.InviterID, crit("hard", "trees", ""), match.Ticket{}); err != nil {
			t.Fatal(err)
		}
		var re *invite.RefusedError
		if _, err := s.AcceptInvite(ctx, inv.Code, uuid.NewString(), match.Ticket{}, match.Ticket{}); !errors.As(err, &re) || re.Code != "inviter_busy" {
			t.Fatalf("waiting inviter: %v", err)
		}
		if got, _ := s.Invite(ctx, inv.Code); got.Status != invite.StatusOpen {
			t.Fatalf("a refused acceptance used the invite: %+v", got)
		}
	})
}
