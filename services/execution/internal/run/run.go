// Package run is execution-service's domain: a user's request to run code
// against a question's test cases, who may see which runs, the limits on
// how many run at once and how often one user may run, and the stored
// result.
package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/peerprep/peerprep/services/execution/internal/harness"
)

// Modes of a run.
const (
	ModeRun    = "run"    // the visible cases, or the user's own input
	ModeSubmit = "submit" // every case
)

// Limits of a request.
const (
	MaxCode  = 64 << 10
	MaxStdin = 64 << 10
	// ListLimit is how many runs of a session are listed.
	ListLimit = 50
)

// Errors of the domain; the API maps them.
var (
	ErrNotFound    = errors.New("not found")
	ErrForbidden   = errors.New("not a participant of the session")
	ErrNoTestCases = errors.New("the question has no test cases")
	ErrBusy        = errors.New("too many runs at once")
	ErrNotReady    = errors.New("the interpreters are still being compiled")
	ErrUnavailable = errors.New("a dependency is unavailable")
)

// RateLimitedError: the user ran too often; try again after RetryAfter.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many runs; try again in %s", e.RetryAfter.Round(time.Second))
}

// Run is one stored run.
type Run struct {
	ID                string
	UserID            string
	Username          string
	SessionID         string // "" when none
	QuestionID        string
	Language          string
	Mode              string
	Verdict           harness.Verdict
	Message           string
	CreatedAt         time.Time
	TimeMS            float64
	MemoryBytes       uint64
	Cases             []harness.CaseResult // hidden cases already stripped
	FirstFailedHidden *int
	Error             *harness.Error
}

// Request asks for a run.
type Request struct {
	UserID     string
	QuestionID string
	Language   string
	Code       string
	Mode       string
	SessionID  string  // "" when none
	Stdin      *string // custom input, mode run only
}

// Tests are a question's runnable part.
type Tests struct {
	Signature string
	Compare   string
	Cases     []harness.Case
}

// Questions gives a question's tests; ErrNotFound when it is unknown.
type Questions interface {
	Tests(ctx context.Context, questionID string) (Tests, error)
}

// Sessions gives a collaboration session's participants; ErrNotFound
// when it is unknown.
type Sessions interface {
	Participants(ctx context.Context, sessionID string) ([]string, error)
}

// Users gives a user's username.
type Users interface {
	Username(ctx context.Context, userID string) (string, error)
}

// Store keeps runs.
type Store interface {
	Insert(ctx context.Context, r Run) error
	Get(ctx context.Context, id string) (Run, error) // ErrNotFound
	BySession(ctx context.Context, sessionID string, limit int) ([]Run, error)
}

// Judge runs jobs (*harness.Harness).
type Judge interface {
	Runs(language string) bool
	Run(ctx context.Context, job harness.Job) (harness.Result, error)
}

// RateLimiter bounds one user's runs: a positive wait means "not now".
type RateLimiter interface {
	Take(ctx context.Context, userID string) (wait time.Duration, err error)
}
