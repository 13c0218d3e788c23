// Package setup finishes a match once two tickets are paired: it picks a
// question neither user has attempted, creates the collaboration session and
// stores the result, which notifies both users. Pairings arrive as jobs on a
// Redis stream read by a consumer group, so a replica that dies mid-step has
// its job claimed and finished by another; every step is idempotent by match
// id. When the steps keep failing for Options.Timeout (about 10 s), both
// tickets become failed with a reason and the users may queue again.
package setup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/peerprep/peerprep/libs/redisgroup"
)

// Job is one pairing to finish: an entry of the jobs stream.
type Job struct {
	EntryID string
	MatchID string
}

// Match is a pairing as the store keeps it.
type Match struct {
	ID         string
	TicketIDs  [2]string
	UserIDs    [2]string
	Topic      string
	Difficulty string // of the longer-waiting ticket
	Language   string // "" when neither asked for one
	CreatedAt  time.Time
	QueuedAt   [2]time.Time // when each ticket was queued; zero if unknown
	Status     string       // StatusPending, StatusDone or StatusFailed
	QuestionID string       // once chosen
	SessionID  string       // once done
	Mode       string       // match.ModePractise or match.ModeMock
	// WantsInterviewer: which of UserIDs asked to start as the interviewer.
	WantsInterviewer [2]bool
}

// Match states.
const (
	StatusPending = "pending"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

// Result is what a finished match tells both users.
type Result struct {
	SessionID     string
	QuestionID    string
	Usernames     [2]string // of Match.UserIDs, in order
	InterviewerID string    // the first interviewer of a mock interview, else ""
}

// NewSession is what collaboration-service is asked to create for a match.
type NewSession struct {
	MatchID       string
	UserIDs       [2]string
	QuestionID    string
	Language      string
	Mode          string
	InterviewerID string // mock interviews only
}

// Errors of the store and the services.
var (
	ErrGone        = errors.New("match not found")
	ErrNoGroup     = errors.New("consumer group missing")
	ErrNoQuestion  = errors.New("no question matches")
	ErrUnknownUser = errors.New("user not found")
)

// PermanentError is a failure retrying cannot fix; Reason is shown to users.
type PermanentError struct {
	Reason string
	Err    error
}

func (e *PermanentError) Error() string { return fmt.Sprintf("%s: %v", e.Reason, e.Err) }
func (e *PermanentError) Unwrap() error { return e.Err }

// Store keeps matches and the jobs stream (package redisq).
type Store interface {
	// Jobs is the jobs stream and its consumer group.
	Jobs() (group redisgroup.Group, stream string)
	// Match reads a match; ErrGone.
	Match(ctx context.Context, id string) (Match, error)
	// SetQuestion records the question unless one was recorded first, and
	// returns the recorded one; ErrGone.
	SetQuestion(ctx context.Context, matchID, questionID string) (string, error)
	// Finish marks the match done and both tickets matched (once).
	Finish(ctx context.Context, matchID string, r Result) error
	// Fail marks the match and both tickets failed with reason (once).
	Fail(ctx context.Context, matchID, reason string) error
}

// Services are the other PeerPrep services a match needs (package remote).
type Services interface {
	// AttemptedQuestions lists the questions any of userIDs attempted,
	// each once.
	AttemptedQuestions(ctx context.Context, userIDs []string) ([]string, error)
	// RandomQuestion picks a question id; ErrNoQuestion when none matches.
	RandomQuestion(ctx context.Context, difficulty, topic string, exclude []string) (string, error)
	// CreateSession creates (or, for the same match id, finds) the session.
	CreateSession(ctx context.Context, n NewSession) (string, error)
	// Username is the user's username; ErrUnknownUser.
	Username(ctx context.Context, userID string) (string, error)
}
