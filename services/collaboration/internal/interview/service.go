package interview

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/peerprep/peerprep/services/collaboration/internal/session"
)

// ErrNotInterview: the session is not a mock interview.
var ErrNotInterview = errors.New("the session is not a mock interview")

// errBusy: other replicas kept changing the interview while this one tried.
var errBusy = errors.New("interview: too many concurrent changes")

// Store keeps interview states. Save is a compare-and-set on Version, so
// two replicas changing one interview at once cannot both win.
type Store interface {
	// Load returns the state of session sid; ok is false when none is stored.
	Load(ctx context.Context, sid string) (s State, ok bool, err error)
	// Create stores s unless sid has a state, and returns the stored one.
	Create(ctx context.Context, sid string, s State) (State, error)
	// Save stores s if the stored version is still prev; false otherwise.
	Save(ctx context.Context, sid string, prev int64, s State) (bool, error)
}

// Sessions reads a session for one of its participants (package session).
type Sessions interface {
	GetFor(ctx context.Context, id, user string) (session.Session, error)
}

// Notifier tells every socket of the session, on every replica, of a new state.
type Notifier interface {
	InterviewChanged(ctx context.Context, sid string, v View)
}

// View is a state as of Now, the server time it was read at: clients
// derive the remaining time from PhaseEndsAt and the offset of Now from
// their own clock.
type View struct {
	SessionID string
	State
	Now time.Time
}

// Service runs mock interviews over a Store.
type Service struct {
	store    Store
	sessions Sessions
	notify   Notifier
	phase    time.Duration
	now      func() time.Time
}

// NewService returns a Service whose phases last phase (DefaultPhase if 0).
// now may be nil (time.Now).
func NewService(store Store, sessions Sessions, notify Notifier, phase time.Duration, now func() time.Time) *Service {
	if phase <= 0 {
		phase = DefaultPhase
	}
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, sessions: sessions, notify: notify, phase: phase, now: now}
}

// Get returns the interview of session sid as participant user sees it
// now, moving it on (and telling both sockets) when a phase ran out or
// someone left since it was last stored.
func (s *Service) Get(ctx context.Context, sid, user string) (View, error) {
	return s.change(ctx, sid, user, func(st State, _ time.Time) (State, error) { return st, nil })
}

// VoteSwap records that user asks to end the current phase now; when both
// asked, the roles swap (or, in the second phase, the interview ends).
func (s *Service) VoteSwap(ctx context.Context, sid, user string) (View, error) {
	return s.change(ctx, sid, user, func(st State, now time.Time) (State, error) { return st.VoteSwap(user, now) })
}

// change applies f to the stored interview and saves the result, retrying
// when another replica saved first.
func (s *Service) change(ctx context.Context, sid, user string, f func(State, time.Time) (State, error)) (View, error) {
	for range 8 {
		sess, st, err := s.load(ctx, sid, user)
		if err != nil {
			return View{}, err
		}
		// PostgreSQL keeps microseconds: what is sent must be what is stored.
		now := s.now().UTC().Truncate(time.Microsecond)
		next := settle(sess, st, now)
		next, err = f(next, now)
		if err != nil {
			return View{}, err
		}
		v := View{SessionID: sid, State: next, Now: now}
		if next.Version == st.Version {
			return v, nil
		}
		ok, err := s.store.Save(ctx, sid, st.Version, next)
		if err != nil {
			return View{}, fmt.Errorf("save interview: %w", err)
		}
		if ok {
			s.notify.InterviewChanged(ctx, sid, v)
			return v, nil
		}
	}
	return View{}, errBusy
}

// settle brings st up to date with the session and the clock: the first
// departure (a participant leaving, or the session ending) stops the
// interview at that moment, as if seen then; phases that ran out are over.
func settle(sess session.Session, st State, now time.Time) State {
	var first *time.Time
	who := sess.UserIDs[0]
	for i, at := range []*time.Time{sess.LeftAt[0], sess.LeftAt[1], sess.EndedAt} {
		if at != nil && (first == nil || at.Before(*first)) {
			first = at
			if i < 2 {
				who = sess.UserIDs[i]
			}
		}
	}
	if first != nil && first.Before(now) {
		st, _ = st.Leave(who, *first)
	}
	st, _ = st.At(now)
	return st
}

func (s *Service) load(ctx context.Context, sid, user string) (session.Session, State, error) {
	sess, err := s.sessions.GetFor(ctx, sid, user)
	if err != nil {
		return session.Session{}, State{}, err
	}
	if sess.ModeOrDefault() != session.ModeMock || !sess.Participant(sess.InterviewerID) {
		return session.Session{}, State{}, ErrNotInterview
	}
	st, ok, err := s.store.Load(ctx, sid)
	if err != nil {
		return session.Session{}, State{}, fmt.Errorf("load interview: %w", err)
	}
	if !ok {
		// The first phase starts when the session was created.
		st, err = s.store.Create(ctx, sid, Start(sess.InterviewerID, sess.Partner(sess.InterviewerID), sess.CreatedAt.UTC(), s.phase))
		if err != nil {
			return session.Session{}, State{}, fmt.Errorf("create interview: %w", err)
		}
	}
	return sess, st, nil
}
