package interview

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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

// Chooser picks the second phase's question for a session: chosen like the
// first (its difficulty and topic), excluding what either participant has
// attempted and the first question.
type Chooser interface {
	SecondQuestion(ctx context.Context, firstQuestion string, users [2]string) (string, error)
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
	chooser  Chooser
	log      *slog.Logger
	notify   Notifier
	phase    time.Duration
	now      func() time.Time
}

// Deps are what a Service works with. Phase 0 is DefaultPhase, Now nil
// time.Now, Log nil discards.
type Deps struct {
	Store    Store
	Sessions Sessions
	Chooser  Chooser
	Notifier Notifier
	Phase    time.Duration
	Now      func() time.Time
	Log      *slog.Logger
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Phase <= 0 {
		d.Phase = DefaultPhase
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: d.Store, sessions: d.Sessions, chooser: d.Chooser, notify: d.Notifier, phase: d.Phase, now: d.Now, log: d.Log}
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
		if next.NeedsSecondQuestion() {
			next = s.chooseSecond(ctx, sid, next)
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

// chooseSecond sets the second phase's question. When question-service
// cannot be asked the phase goes on with the first question for now, and
// the next read tries again.
func (s *Service) chooseSecond(ctx context.Context, sid string, st State) State {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	q, err := s.chooser.SecondQuestion(cctx, st.QuestionIDs[0], st.Users)
	if err != nil || q == "" {
		s.log.Warn("choosing the second question failed; trying again on the next read", "session_id", sid, "error", fmt.Sprint(err))
		return st
	}
	return st.WithSecondQuestion(q)
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
		st, err = s.store.Create(ctx, sid, Start(sess.InterviewerID, sess.Partner(sess.InterviewerID), sess.QuestionID, sess.CreatedAt.UTC(), s.phase))
		if err != nil {
			return session.Session{}, State{}, fmt.Errorf("create interview: %w", err)
		}
	}
	return sess, st, nil
}
