package run

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/signature"
	"github.com/peerprep/peerprep/libs/validation"
	"github.com/peerprep/peerprep/services/execution/internal/harness"
)

// Deps are what the Service needs.
type Deps struct {
	Questions Questions
	Sessions  Sessions
	Users     Users
	Store     Store
	// Judge returns the judge once the interpreters are compiled, nil
	// before.
	Judge func() Judge
	Gate  *Gate
	Limit RateLimiter // nil: no per-user limit
	// RunTime and SubmitTime limit a run's and a submit's batch of cases.
	RunTime, SubmitTime time.Duration
	Now                 func() time.Time // default time.Now
}

// Service runs code and answers runs.
type Service struct{ d Deps }

// NewService returns a Service over d.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}
}

func validate(req Request) error {
	var v validation.Error
	if _, err := uuid.Parse(req.QuestionID); err != nil {
		v.Add("question_id", "must be a UUID")
	}
	if !internalapi.IsLanguage(req.Language) {
		v.Add("language", "must be one of: "+strings.Join(internalapi.Languages, ", "))
	}
	if len(req.Code) == 0 || len(req.Code) > MaxCode {
		v.Add("code", fmt.Sprintf("must be 1 to %d bytes", MaxCode))
	}
	if req.Mode != ModeRun && req.Mode != ModeSubmit {
		v.Add("mode", "must be run or submit")
	}
	if req.SessionID != "" {
		if _, err := uuid.Parse(req.SessionID); err != nil {
			v.Add("session_id", "must be a UUID")
		}
	}
	if req.Stdin != nil {
		switch {
		case req.Mode != ModeRun:
			v.Add("stdin", "custom input runs only with mode run")
		case len(*req.Stdin) > MaxStdin:
			v.Add("stdin", fmt.Sprintf("must be at most %d bytes", MaxStdin))
		}
	}
	return v.OrNil()
}

// Create runs req's code and stores the run.
func (s *Service) Create(ctx context.Context, req Request) (Run, error) {
	if err := validate(req); err != nil {
		return Run{}, err
	}
	if req.SessionID != "" {
		if err := s.participant(ctx, req.SessionID, req.UserID); err != nil {
			return Run{}, err
		}
	}
	if s.d.Limit != nil {
		wait, err := s.d.Limit.Take(ctx, req.UserID)
		if err != nil {
			return Run{}, fmt.Errorf("%w: rate limit: %w", ErrUnavailable, err)
		}
		if wait > 0 {
			return Run{}, &RateLimitedError{RetryAfter: wait}
		}
	}
	judge := s.d.Judge()
	if judge == nil {
		return Run{}, ErrNotReady
	}
	tests, err := s.d.Questions.Tests(ctx, req.QuestionID)
	if err != nil {
		return Run{}, err
	}
	var res harness.Result
	if !judge.Runs(req.Language) {
		res = harness.Unsupported(req.Language)
	} else {
		job, err := s.job(req, tests)
		if err != nil {
			return Run{}, err
		}
		release, err := s.d.Gate.Enter(ctx)
		if err != nil {
			return Run{}, err
		}
		res, err = judge.Run(ctx, job)
		release()
		if err != nil {
			return Run{}, err
		}
	}
	// The run happened: without user-service its username is left empty
	// (the API's user_id still says who ran it).
	name, _ := s.d.Users.Username(ctx, req.UserID)
	r := Run{
		ID: uuid.NewString(), UserID: req.UserID, Username: name, SessionID: req.SessionID,
		QuestionID: req.QuestionID, Language: req.Language, Mode: req.Mode,
		Verdict: res.Verdict, Message: res.Message, CreatedAt: s.d.Now().UTC().Truncate(time.Microsecond),
		TimeMS: res.TimeMS, MemoryBytes: res.MemoryBytes, Cases: res.Cases,
		FirstFailedHidden: res.FirstFailedHidden, Error: res.Error,
	}
	if err := s.d.Store.Insert(ctx, r); err != nil {
		return Run{}, err
	}
	return r, nil
}

// job picks the cases a request runs.
func (s *Service) job(req Request, tests Tests) (harness.Job, error) {
	if tests.Signature == "" || len(tests.Cases) == 0 {
		return harness.Job{}, ErrNoTestCases
	}
	sig, err := signature.Parse(tests.Signature)
	if err != nil {
		return harness.Job{}, fmt.Errorf("question %s: %w", req.QuestionID, err)
	}
	cmp, ok := signature.ParseCompare(tests.Compare)
	if !ok {
		return harness.Job{}, fmt.Errorf("question %s: unknown compare mode %q", req.QuestionID, tests.Compare)
	}
	job := harness.Job{Language: req.Language, Signature: sig, Compare: cmp, Code: req.Code, Time: s.d.RunTime}
	switch {
	case req.Stdin != nil:
		args, err := sig.ArgsFromLines(*req.Stdin)
		if err != nil {
			return harness.Job{}, validation.Field("stdin", err.Error())
		}
		job.Cases, job.Custom = []harness.Case{{Input: args}}, true
	case req.Mode == ModeSubmit:
		job.Cases, job.Time = tests.Cases, s.d.SubmitTime
	default:
		for _, c := range tests.Cases {
			if !c.Hidden {
				job.Cases = append(job.Cases, c)
			}
		}
		if len(job.Cases) == 0 {
			return harness.Job{}, ErrNoTestCases
		}
	}
	return job, nil
}

// participant is nil when user is in session id.
func (s *Service) participant(ctx context.Context, sessionID, userID string) error {
	users, err := s.d.Sessions.Participants(ctx, sessionID)
	if err != nil {
		return err
	}
	if !slices.Contains(users, userID) {
		return ErrForbidden
	}
	return nil
}

// Get returns run id to its owner or a participant of its session.
func (s *Service) Get(ctx context.Context, id, userID string) (Run, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Run{}, ErrNotFound
	}
	r, err := s.d.Store.Get(ctx, id)
	if err != nil {
		return Run{}, err
	}
	if r.UserID == userID {
		return r, nil
	}
	if r.SessionID != "" {
		err := s.participant(ctx, r.SessionID, userID)
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, ErrForbidden) && !errors.Is(err, ErrNotFound) {
			return Run{}, err
		}
	}
	return Run{}, ErrNotFound
}

// BySession lists a session's runs, newest first, to its participants.
func (s *Service) BySession(ctx context.Context, sessionID, userID string) ([]Run, error) {
	if _, err := uuid.Parse(sessionID); err != nil {
		return nil, validation.Field("session_id", "must be a UUID")
	}
	if err := s.participant(ctx, sessionID, userID); err != nil {
		return nil, err
	}
	return s.d.Store.BySession(ctx, sessionID, ListLimit)
}
