package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/validation"
)

// Store keeps sessions. Every state change it makes is a single conditional
// statement, so replicas racing on one session change it exactly once.
type Store interface {
	// Create inserts s, or returns the session already created for its
	// match id (created false).
	Create(ctx context.Context, s Session) (_ Session, created bool, _ error)
	Get(ctx context.Context, id string) (Session, error)
	// Current returns the newest active session user is in and has not left.
	Current(ctx context.Context, user string) (Session, error)
	// SaveSnapshot stores the plain text when the session is active and
	// user a participant who has not left; it reports whether it did.
	SaveSnapshot(ctx context.Context, id, user string, s Snapshot) (bool, error)
	// Update locks session id (ErrNotFound when unknown), lets fn change
	// its status, end and departures, and writes them in one transaction;
	// an error from fn writes nothing. A session fn ends is due for its
	// history record at once. It returns the session as written.
	Update(ctx context.Context, id string, fn func(*Session) error) (Session, error)
	// MarkJoined notes that user opened the active session's socket (the
	// first time counts).
	MarkJoined(ctx context.Context, id, user string) error
	// EndNoShow ends the active session when none of absent has joined;
	// ended reports whether this call ended it. It returns the session as
	// it is (ErrNotFound when unknown).
	EndNoShow(ctx context.Context, id string, absent []string) (_ Session, ended bool, _ error)
	// Heartbeat notes that the sessions have someone connected and returns
	// their state.
	Heartbeat(ctx context.Context, ids []string) ([]State, error)
	// Touch notes that someone was connected until now.
	Touch(ctx context.Context, id string) error
	// EndIdle ends up to limit active sessions nobody has been connected to
	// for idle and returns them.
	EndIdle(ctx context.Context, idle time.Duration, limit int) ([]Session, error)

	// ClaimHistory takes one ended session whose attempts are due to be
	// recorded, for lease; ErrNotFound when none is.
	ClaimHistory(ctx context.Context, lease time.Duration) (Claim, error)
	HistoryRecorded(ctx context.Context, id string) error
	HistoryRetry(ctx context.Context, id string, after time.Duration, reason string) error
	HistoryFailed(ctx context.Context, id, reason string) error
}

// State is what a heartbeat learns about a session.
type State struct {
	ID    string
	Ended bool
	Left  []string // participants who left
}

// Claim is an ended session taken for recording, with the number of
// earlier tries.
type Claim struct {
	Session
	Tries int
	// Interview is set for a mock interview whose roles are known.
	Interview *Swap
}

// History records attempts in history-service.
type History interface {
	Record(ctx context.Context, a Attempt) error
}

// PermanentError marks a history failure that retrying cannot fix (the
// attempt was refused as invalid).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Hooks let the document side react to the end of a session or a
// participant's departure: close sockets, persist what is left.
type Hooks interface {
	Ended(ctx context.Context, id string)
	Left(ctx context.Context, id, user string)
	// NoShow tells the sockets the session ended because absent never
	// joined; their heartbeat closes them.
	NoShow(ctx context.Context, id string, absent []string)
}

// Deps configure a Service.
type Deps struct {
	Store       Store
	History     History
	Hooks       Hooks
	IdleTimeout time.Duration // default 30 min
	Log         *slog.Logger
	NewID       func() string // default uuid.NewString
}

// Service is what the API and the background workers call.
type Service struct {
	store   Store
	history History
	hooks   Hooks
	idle    time.Duration
	log     *slog.Logger
	newID   func() string
	kick    chan struct{} // a session ended here: record its history now
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.IdleTimeout <= 0 {
		d.IdleTimeout = 30 * time.Minute
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.NewID == nil {
		d.NewID = uuid.NewString
	}
	return &Service{store: d.Store, history: d.History, hooks: d.Hooks, idle: d.IdleTimeout,
		log: d.Log, newID: d.NewID, kick: make(chan struct{}, 1)}
}

// Create creates the session of a match, or returns the one it already has
// (created false). The same match id with other participants is
// ErrMatchConflict.
func (s *Service) Create(ctx context.Context, n NewSession) (Session, bool, error) {
	n.UserIDs = append([]string(nil), n.UserIDs...)
	if err := n.validate(); err != nil {
		return Session{}, false, err
	}
	in := Session{
		ID: s.newID(), MatchID: n.MatchID, UserIDs: [2]string{n.UserIDs[0], n.UserIDs[1]},
		QuestionID: n.QuestionID, Language: n.Language, Status: StatusActive,
		Mode: n.Mode, InterviewerID: n.InterviewerID,
	}
	out, created, err := s.store.Create(ctx, in)
	if err != nil {
		return Session{}, false, fmt.Errorf("create session: %w", err)
	}
	if !created && !(out.Participant(in.UserIDs[0]) && out.Participant(in.UserIDs[1])) {
		return Session{}, false, ErrMatchConflict
	}
	return out, created, nil
}

// Get returns a session by id (internal callers).
func (s *Service) Get(ctx context.Context, id string) (Session, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Session{}, ErrNotFound
	}
	return s.store.Get(ctx, id)
}

// GetFor returns the session when user is a participant; to anyone else it
// does not exist.
func (s *Service) GetFor(ctx context.Context, id, user string) (Session, error) {
	sess, err := s.Get(ctx, id)
	if err != nil {
		return Session{}, err
	}
	if !sess.Participant(user) {
		return Session{}, ErrNotFound
	}
	return sess, nil
}

// Current returns user's active session, to rejoin after a reload.
func (s *Service) Current(ctx context.Context, user string) (Session, error) {
	if _, err := uuid.Parse(user); err != nil {
		return Session{}, ErrNotFound
	}
	return s.store.Current(ctx, user)
}

// Authorize decides whether user may open the session's editor socket:
// ErrNotFound, ErrNotParticipant, ErrEnded or ErrLeft when not.
func (s *Service) Authorize(ctx context.Context, id, user string) (Session, error) {
	sess, err := s.Get(ctx, id)
	if err != nil {
		return Session{}, err
	}
	switch {
	case !sess.Participant(user):
		return Session{}, ErrNotParticipant
	case sess.Status == StatusEnded:
		return Session{}, ErrEnded
	case sess.HasLeft(user):
		return Session{}, ErrLeft
	}
	return sess, nil
}

// SaveSnapshot keeps the latest plain text of the editor.
func (s *Service) SaveSnapshot(ctx context.Context, id, user string, snap Snapshot) error {
	if err := snap.validate(); err != nil {
		return err
	}
	if _, err := uuid.Parse(id); err != nil {
		return ErrNotFound
	}
	if _, err := uuid.Parse(user); err != nil {
		return ErrNotFound
	}
	ok, err := s.store.SaveSnapshot(ctx, id, user, snap)
	if err != nil || ok {
		return err
	}
	_, err = s.Authorize(ctx, id, user) // say why it was refused
	if errors.Is(err, ErrNotParticipant) {
		return ErrNotFound
	}
	if err == nil {
		err = ErrEnded // it ended between the update and the read
	}
	return err
}

// Leave records that user left. Leaving twice, or leaving an ended
// session, is not an error.
func (s *Service) Leave(ctx context.Context, id, user string) (Session, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Session{}, ErrNotFound
	}
	var ended bool
	sess, err := s.store.Update(ctx, id, func(sess *Session) (err error) {
		ended, err = sess.Leave(user, time.Now().UTC())
		return err
	})
	if err != nil {
		return Session{}, err
	}
	if ended {
		s.log.Info("session ended", "session_id", id, "reason", EndLeft)
		s.afterEnd(ctx, id)
	} else if sess.Status == StatusActive {
		s.hooks.Left(context.WithoutCancel(ctx), id, user)
	}
	return sess, nil
}

// MarkJoined records that user opened the session's socket.
func (s *Service) MarkJoined(ctx context.Context, id, user string) error {
	return s.store.MarkJoined(ctx, id, user)
}

// NoShow ends the active session because the absent participants never
// joined (matching-service decides, two minutes after the match). Asking
// again once it ended so is not an error; ErrJoined when one of them did
// join or the session ended otherwise.
func (s *Service) NoShow(ctx context.Context, id string, absent []string) (Session, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Session{}, ErrNotFound
	}
	cur, err := s.store.Get(ctx, id)
	if err != nil {
		return Session{}, err
	}
	if len(absent) == 0 || len(absent) > 2 {
		return Session{}, validation.Field("absent_user_ids", "must name one or both participants")
	}
	for i, u := range absent {
		id, err := uuid.Parse(u)
		if err != nil || !cur.Participant(id.String()) {
			return Session{}, validation.Field(fmt.Sprintf("absent_user_ids[%d]", i), "must be a participant")
		}
		absent[i] = id.String()
	}
	sess, ended, err := s.store.EndNoShow(ctx, id, absent)
	switch {
	case err != nil:
		return Session{}, err
	case ended:
		s.log.Info("session ended", "session_id", id, "reason", EndNoShow, "absent", absent)
		s.hooks.NoShow(context.WithoutCancel(ctx), id, absent)
		return sess, nil
	case sess.Status == StatusEnded && sess.EndReason == EndNoShow:
		return sess, nil
	}
	return sess, ErrJoined
}

func (s *Service) afterEnd(ctx context.Context, id string) {
	s.hooks.Ended(context.WithoutCancel(ctx), id)
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Heartbeat is called by the socket side for the sessions it hosts.
func (s *Service) Heartbeat(ctx context.Context, ids []string) ([]State, error) {
	return s.store.Heartbeat(ctx, ids)
}

// Touch is called when the last socket of a session on a replica closes.
func (s *Service) Touch(ctx context.Context, id string) error { return s.store.Touch(ctx, id) }

// Intervals of the background work.
const (
	historyLease = time.Minute      // a claim outlives the replica that died holding it
	historyPoll  = 5 * time.Second  // for claims that expired elsewhere and retries that came due
	maxBackoff   = 10 * time.Minute // between history retries
)

// ReapInterval is how often idle sessions are looked for: a quarter of the
// timeout, between 50 ms and 30 s.
func (s *Service) ReapInterval() time.Duration {
	return min(max(s.idle/4, 50*time.Millisecond), 30*time.Second)
}

// Run ends idle sessions and records ended sessions in history until ctx
// is done. Every replica runs it; the store's conditional updates keep each
// session ended, and recorded, once.
func (s *Service) Run(ctx context.Context) {
	done := make(chan struct{})
	go func() { defer close(done); s.recordLoop(ctx) }()
	t := time.NewTicker(s.ReapInterval())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			<-done
			return
		case <-t.C:
			s.reap(ctx)
		}
	}
}

func (s *Service) reap(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ended, err := s.store.EndIdle(ctx, s.idle, 100)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("ending idle sessions failed", "error", err.Error())
		}
		return
	}
	for _, e := range ended {
		s.log.Info("session ended", "session_id", e.ID, "reason", EndIdle)
		s.afterEnd(ctx, e.ID)
	}
}

func (s *Service) recordLoop(ctx context.Context) {
	t := time.NewTicker(min(historyPoll, s.ReapInterval()))
	defer t.Stop()
	for {
		for s.recordOne(ctx) {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// recordOne records one due session and reports whether it found one.
func (s *Service) recordOne(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	cctx, cancel := context.WithTimeout(ctx, historyLease/2)
	defer cancel()
	c, err := s.store.ClaimHistory(cctx, historyLease)
	if err != nil {
		if !errors.Is(err, ErrNotFound) && ctx.Err() == nil {
			s.log.Warn("claiming a session for history failed", "error", err.Error())
		}
		return false
	}
	var failed error
	for _, a := range c.Attempts() {
		if err := s.history.Record(cctx, a); err != nil {
			failed = err
			break
		}
	}
	var perm *PermanentError
	switch {
	case failed == nil:
		err = s.store.HistoryRecorded(cctx, c.ID)
		if err == nil {
			s.log.Info("attempts recorded in history", "session_id", c.ID)
		}
	case errors.As(failed, &perm):
		s.log.Error("history refused the attempts; giving up", "session_id", c.ID, "error", failed.Error())
		err = s.store.HistoryFailed(cctx, c.ID, failed.Error())
	default:
		wait := min(time.Second<<min(c.Tries, 20), maxBackoff)
		s.log.Warn("recording attempts failed; will retry", "session_id", c.ID, "error", failed.Error(), "retry_in", wait.String())
		err = s.store.HistoryRetry(cctx, c.ID, wait, failed.Error())
	}
	if err != nil {
		s.log.Warn("updating history state failed", "session_id", c.ID, "error", err.Error())
	}
	return true
}
