// Package interview is the clock and the roles of a mock interview: two
// phases of a set length, an interviewer and a candidate who swap between
// them, a swap that comes early when both ask for it, and an end when a
// participant leaves. It is a pure state machine over server time: given
// the stored State and "now", every replica computes the same answer, so a
// reload or another replica never resets the clock. It knows nothing of
// HTTP, SQL or Redis.
package interview

import (
	"errors"
	"slices"
	"time"
)

// Phases of an interview.
const (
	PhaseFirst  = 1 // the first interviewer interviews
	PhaseSecond = 2 // roles swapped
)

// Statuses of an interview.
const (
	StatusRunning = "running"
	StatusOver    = "over" // both phases done, or a participant left
)

// Why an interview is over.
const (
	EndTime = "time" // the second phase ran out or both asked to finish
	EndLeft = "left" // a participant left the session
)

// Roles in a phase.
const (
	RoleInterviewer = "interviewer"
	RoleCandidate   = "candidate"
)

// DefaultPhase is the length of each phase unless configured.
const DefaultPhase = 25 * time.Minute

// Errors of a transition.
var (
	ErrNotParticipant = errors.New("not a participant of the interview")
	ErrOver           = errors.New("the interview is over")
)

// State is a mock interview as stored. Users[0] is the first interviewer.
type State struct {
	Users [2]string
	// QuestionIDs are the question of each phase: the session's, then a
	// second one for the new candidate, "" until it is chosen.
	QuestionIDs    [2]string
	Phase          int
	PhaseStartedAt time.Time
	PhaseLength    time.Duration
	SwapVotes      []string // participants who asked to swap in this phase
	Status         string
	EndReason      string
	EndedAt        *time.Time
	Version        int64 // bumped by every transition; stores compare it
}

// Start is a new interview on question whose first phase starts at at.
func Start(firstInterviewer, other, question string, at time.Time, phase time.Duration) State {
	if phase <= 0 {
		phase = DefaultPhase
	}
	return State{
		Users: [2]string{firstInterviewer, other}, QuestionIDs: [2]string{question, ""}, Phase: PhaseFirst, PhaseStartedAt: at,
		PhaseLength: phase, SwapVotes: []string{}, Status: StatusRunning,
	}
}

// PhaseEndsAt is when the current phase runs out.
func (s State) PhaseEndsAt() time.Time { return s.PhaseStartedAt.Add(s.PhaseLength) }

// QuestionID is the current phase's question: the second phase's once it
// is chosen, else the first.
func (s State) QuestionID() string {
	if s.Phase == PhaseSecond && s.QuestionIDs[1] != "" {
		return s.QuestionIDs[1]
	}
	return s.QuestionIDs[0]
}

// NeedsSecondQuestion reports whether the second phase has begun without
// its question.
func (s State) NeedsSecondQuestion() bool {
	return s.Phase == PhaseSecond && s.QuestionIDs[1] == "" && s.Status == StatusRunning
}

// WithSecondQuestion is s with the second phase's question set.
func (s State) WithSecondQuestion(id string) State {
	s.QuestionIDs[1] = id
	s.Version++
	return s
}

// Interviewer is who interviews in the current phase.
func (s State) Interviewer() string {
	if s.Phase == PhaseSecond {
		return s.Users[1]
	}
	return s.Users[0]
}

// Candidate is who answers in the current phase.
func (s State) Candidate() string {
	if s.Phase == PhaseSecond {
		return s.Users[0]
	}
	return s.Users[1]
}

// Role is user's role in the current phase, "" for a stranger.
func (s State) Role(user string) string {
	switch user {
	case s.Interviewer():
		return RoleInterviewer
	case s.Candidate():
		return RoleCandidate
	}
	return ""
}

func (s State) participant(user string) bool { return user == s.Users[0] || user == s.Users[1] }

// At is s as it stands at now: phases that ran out are over, each next one
// starting exactly when the last ended (not when someone looked), so every
// replica and every reload derive the same clock. changed reports whether
// anything moved.
func (s State) At(now time.Time) (State, bool) {
	changed := false
	for s.Status == StatusRunning && !now.Before(s.PhaseEndsAt()) {
		s = s.next(s.PhaseEndsAt())
		changed = true
	}
	return s, changed
}

// next ends the current phase at at.
func (s State) next(at time.Time) State {
	s.SwapVotes = []string{}
	s.Version++
	if s.Phase == PhaseFirst {
		s.Phase, s.PhaseStartedAt = PhaseSecond, at
		return s
	}
	s.Status, s.EndReason, s.EndedAt = StatusOver, EndTime, &at
	return s
}

// VoteSwap records that user asks to end the current phase early; when
// both have asked, it ends at now (in the second phase, the interview is
// then over). Asking twice is asking once.
func (s State) VoteSwap(user string, now time.Time) (State, error) {
	if !s.participant(user) {
		return s, ErrNotParticipant
	}
	s, _ = s.At(now)
	if s.Status != StatusRunning {
		return s, ErrOver
	}
	if slices.Contains(s.SwapVotes, user) {
		return s, nil
	}
	s.SwapVotes = append(slices.Clone(s.SwapVotes), user)
	s.Version++
	if len(s.SwapVotes) == 2 {
		s = s.next(now)
	}
	return s, nil
}

// Leave ends the interview because user left the session: the clock stops.
func (s State) Leave(user string, now time.Time) (State, error) {
	if !s.participant(user) {
		return s, ErrNotParticipant
	}
	s, _ = s.At(now)
	if s.Status != StatusRunning {
		return s, nil
	}
	s.Status, s.EndReason, s.EndedAt = StatusOver, EndLeft, &now
	s.SwapVotes = []string{}
	s.Version++
	return s, nil
}

// Remaining is how long the current phase has left at now (0 once over).
func (s State) Remaining(now time.Time) time.Duration {
	s, _ = s.At(now)
	if s.Status != StatusRunning {
		return 0
	}
	return max(0, s.PhaseEndsAt().Sub(now))
}
