package redisq

import (
	"context"
	"testing"
	"time"

	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/setup"
)

func mock(d, topic, lang string, interviewer bool) match.Criteria {
	c := crit(d, topic, lang)
	c.Mode, c.StartAsInterviewer = match.ModeMock, interviewer
	return c
}

func TestModesNeverMix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a mock ticket does not pair with a practise ticket, exact or relaxed", func(t *testing.T) {
		t.Parallel()
		rs, _ := replicas(t, 2, Options{RelaxAfter: 100 * time.Millisecond, MatchTimeout: time.Hour})
		practise := enqueue(t, rs[0], crit("easy", "arrays", ""))
		m := enqueue(t, rs[1], mock("easy", "arrays", "", false))
		if m.Pairing || ticket(t, rs[0], practise.ID).Pairing {
			t.Fatal("a mock ticket paired with a practise ticket")
		}
		time.Sleep(150 * time.Millisecond)
		if n, _, err := rs[0].Relax(ctx, 100); err != nil || n != 0 {
			t.Fatalf("relax paired %d across modes (%v)", n, err)
		}
		if enqueue(t, rs[0], crit("hard", "arrays", "")).ID == "" {
			t.Fatal("no ticket")
		}
		if ticket(t, rs[1], m.ID).Pairing {
			t.Fatal("a relaxed mock ticket paired with a practise newcomer")
		}
		other := enqueue(t, rs[1], mock("medium", "arrays", "go", true))
		got := matchOf(t, rs[0], other.ID)
		if got.TicketIDs != [2]string{m.ID, other.ID} || got.Mode != match.ModeMock || got.WantsInterviewer != [2]bool{false, true} {
			t.Fatalf("mock match %+v", got)
		}
		if tk := ticket(t, rs[0], other.ID); tk.Criteria.Mode != match.ModeMock || !tk.Criteria.StartAsInterviewer {
			t.Fatalf("ticket criteria %+v", tk.Criteria)
		}
	})
	t.Run("two practise tickets still pair, and say so", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, slow)
		a := enqueue(t, s, crit("easy", "arrays", ""))
		b := enqueue(t, s, crit("easy", "arrays", "go"))
		m := matchOf(t, s, b.ID)
		if m.TicketIDs[0] != a.ID || m.Mode != match.ModePractise || m.WantsInterviewer != [2]bool{} {
			t.Fatalf("match %+v", m)
		}
		if ticket(t, s, a.ID).Criteria.Mode != match.ModePractise {
			t.Fatal("a practise ticket reads back without its mode")
		}
	})
}

// A ticket queued by a replica from before modes existed has no mode
// field; it lives in the same queues and pairs as practise.
func TestTicketsWithoutAModeArePractise(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, slow)
	old := enqueue(t, s, crit("easy", "arrays", ""))
	if err := s.rdb.HDel(ctx, s.Key("t:"+old.ID), "mode", "interviewer").Err(); err != nil {
		t.Fatal(err)
	}
	if tk := ticket(t, s, old.ID); tk.Criteria.Mode != match.ModePractise {
		t.Fatalf("old ticket reads as mode %q", tk.Criteria.Mode)
	}
	if enqueue(t, s, mock("easy", "arrays", "", false)).Pairing {
		t.Fatal("a mock ticket paired with an old (practise) ticket")
	}
	p := enqueue(t, s, crit("easy", "arrays", ""))
	if m := matchOf(t, s, p.ID); m.TicketIDs[0] != old.ID || m.Mode != match.ModePractise {
		t.Fatalf("match %+v", m)
	}
}

func TestFinishGivesEachMockTicketItsRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, slow)
	a := enqueue(t, s, mock("easy", "arrays", "", false))
	b := enqueue(t, s, mock("easy", "arrays", "", true))
	m := matchOf(t, s, b.ID)
	if err := s.Finish(ctx, m.ID, setup.Result{SessionID: "s", QuestionID: "q", Usernames: [2]string{"alice", "bob"}, InterviewerID: b.UserID}); err != nil {
		t.Fatal(err)
	}
	if r := ticket(t, s, a.ID).Match.Role; r != match.RoleCandidate {
		t.Fatalf("a's role %q", r)
	}
	if r := ticket(t, s, b.ID).Match.Role; r != match.RoleInterviewer {
		t.Fatalf("b's role %q", r)
	}
}
