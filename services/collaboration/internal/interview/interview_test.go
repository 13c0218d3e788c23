package interview

import (
	"errors"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)

const (
	ann = "ann" // starts as interviewer
	ben = "ben"
)

func started() State { return Start(ann, ben, "q1", t0, 25*time.Minute) }

func TestStart(t *testing.T) {
	t.Parallel()
	s := started()
	if s.Phase != PhaseFirst || s.Status != StatusRunning || s.Interviewer() != ann || s.Candidate() != ben {
		t.Fatalf("start %+v", s)
	}
	if s.Role(ann) != RoleInterviewer || s.Role(ben) != RoleCandidate || s.Role("eve") != "" {
		t.Fatal("roles")
	}
	if !s.PhaseEndsAt().Equal(t0.Add(25*time.Minute)) || s.Remaining(t0.Add(10*time.Minute)) != 15*time.Minute {
		t.Fatalf("clock: ends %v", s.PhaseEndsAt())
	}
	if d := Start(ann, ben, "q1", t0, 0); d.PhaseLength != DefaultPhase {
		t.Fatalf("default phase %v", d.PhaseLength)
	}
}

func TestSwapOnTime(t *testing.T) {
	t.Parallel()
	s := started()
	if _, changed := s.At(t0.Add(25*time.Minute - time.Millisecond)); changed {
		t.Fatal("swapped before time")
	}
	// Looked at late: the second phase started when the first ended, not now.
	s2, changed := s.At(t0.Add(30 * time.Minute))
	if !changed || s2.Phase != PhaseSecond || !s2.PhaseStartedAt.Equal(t0.Add(25*time.Minute)) ||
		s2.Interviewer() != ben || s2.Candidate() != ann || s2.Version != s.Version+1 {
		t.Fatalf("after the first phase %+v", s2)
	}
	if s2.Remaining(t0.Add(30*time.Minute)) != 20*time.Minute {
		t.Fatalf("remaining %v", s2.Remaining(t0.Add(30*time.Minute)))
	}
	// Both phases ran out while nobody looked: over at exactly 50 minutes.
	s3, _ := s.At(t0.Add(3 * time.Hour))
	if s3.Status != StatusOver || s3.EndReason != EndTime || !s3.EndedAt.Equal(t0.Add(50*time.Minute)) || s3.Remaining(t0.Add(3*time.Hour)) != 0 {
		t.Fatalf("after both phases %+v", s3)
	}
}

func TestSwapEarlyWhenBothAsk(t *testing.T) {
	t.Parallel()
	at := t0.Add(10 * time.Minute)
	s, err := started().VoteSwap(ann, at)
	if err != nil || s.Phase != PhaseFirst || !slices.Equal(s.SwapVotes, []string{ann}) {
		t.Fatalf("one vote: %+v %v", s, err)
	}
	again, err := s.VoteSwap(ann, at.Add(time.Second))
	if err != nil || again.Version != s.Version || len(again.SwapVotes) != 1 {
		t.Fatalf("asking twice counted twice: %+v %v", again, err)
	}
	s, err = s.VoteSwap(ben, at.Add(time.Minute))
	if err != nil || s.Phase != PhaseSecond || !s.PhaseStartedAt.Equal(at.Add(time.Minute)) || len(s.SwapVotes) != 0 || s.Interviewer() != ben {
		t.Fatalf("both voted: %+v %v", s, err)
	}
	// In the second phase both asking ends the interview.
	s, _ = s.VoteSwap(ben, at.Add(2*time.Minute))
	s, err = s.VoteSwap(ann, at.Add(3*time.Minute))
	if err != nil || s.Status != StatusOver || s.EndReason != EndTime {
		t.Fatalf("finish early: %+v %v", s, err)
	}
	if _, err := s.VoteSwap(ann, at.Add(4*time.Minute)); !errors.Is(err, ErrOver) {
		t.Fatalf("vote after the end: %v", err)
	}
	if _, err := started().VoteSwap("eve", at); !errors.Is(err, ErrNotParticipant) {
		t.Fatalf("a stranger's vote: %v", err)
	}
}

func TestVotesDoNotCarryOverAPhaseThatRanOut(t *testing.T) {
	t.Parallel()
	s, _ := started().VoteSwap(ann, t0.Add(24*time.Minute))
	// ben votes after the first phase ran out on its own: his vote is for
	// the second phase, and ann's old vote is gone.
	s, err := s.VoteSwap(ben, t0.Add(26*time.Minute))
	if err != nil || s.Phase != PhaseSecond || !slices.Equal(s.SwapVotes, []string{ben}) || !s.PhaseStartedAt.Equal(t0.Add(25*time.Minute)) {
		t.Fatalf("%+v %v", s, err)
	}
}

func TestOneLeaves(t *testing.T) {
	t.Parallel()
	at := t0.Add(5 * time.Minute)
	s, err := started().Leave(ben, at)
	if err != nil || s.Status != StatusOver || s.EndReason != EndLeft || !s.EndedAt.Equal(at) || s.Remaining(at.Add(time.Hour)) != 0 {
		t.Fatalf("leave: %+v %v", s, err)
	}
	if again, _ := s.Leave(ann, at.Add(time.Minute)); again.Version != s.Version || !again.EndedAt.Equal(at) {
		t.Fatal("the second leave moved the end")
	}
	if _, err := started().Leave("eve", at); !errors.Is(err, ErrNotParticipant) {
		t.Fatalf("a stranger leaving: %v", err)
	}
	// Leaving after time ran out keeps the time ending.
	late, _ := started().Leave(ann, t0.Add(2*time.Hour))
	if late.EndReason != EndTime {
		t.Fatalf("late leave: %+v", late)
	}
}

// A reload reads the stored state again; whenever and wherever it is read,
// the clock says the same.
func TestReloadMidPhaseKeepsTheClock(t *testing.T) {
	t.Parallel()
	s, _ := started().VoteSwap(ann, t0.Add(3*time.Minute))
	stored := s // what PostgreSQL holds
	for _, look := range []time.Duration{7 * time.Minute, 7*time.Minute + 400*time.Millisecond} {
		now := t0.Add(look)
		got, changed := stored.At(now)
		if changed || got.Phase != PhaseFirst || !got.PhaseEndsAt().Equal(t0.Add(25*time.Minute)) || !slices.Equal(got.SwapVotes, []string{ann}) {
			t.Fatalf("reload at %v: %+v", look, got)
		}
	}
	if a, b := stored.Remaining(t0.Add(7*time.Minute)), stored.Remaining(t0.Add(7*time.Minute+400*time.Millisecond)); a-b != 400*time.Millisecond {
		t.Fatalf("two screens 400ms apart differ by %v", a-b)
	}
}

func TestSecondQuestion(t *testing.T) {
	t.Parallel()
	s := started()
	if s.QuestionID() != "q1" || s.NeedsSecondQuestion() {
		t.Fatalf("first phase: %+v", s)
	}
	s, _ = s.At(t0.Add(26 * time.Minute))
	if !s.NeedsSecondQuestion() || s.QuestionID() != "q1" {
		t.Fatalf("second phase before the choice: %+v", s)
	}
	v := s.Version
	s = s.WithSecondQuestion("q2")
	if s.NeedsSecondQuestion() || s.QuestionID() != "q2" || s.QuestionIDs[0] != "q1" || s.Version != v+1 {
		t.Fatalf("second phase: %+v", s)
	}
	if over, _ := started().Leave(ann, t0); over.NeedsSecondQuestion() {
		t.Fatal("an interview that stopped needs no second question")
	}
}
