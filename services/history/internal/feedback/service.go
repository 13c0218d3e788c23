package feedback

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/services/history/internal/attempt"
)

// Store keeps feedback.
type Store interface {
	// Upsert stores f unless its author already gave feedback for the
	// session; then it replaces the ratings and comment if that feedback
	// was created after editableSince, else it is ErrEditWindowClosed. It
	// returns the stored feedback and whether this call created it.
	Upsert(ctx context.Context, f Feedback, editableSince time.Time) (Feedback, bool, error)
	// Exchange returns the feedback user gave and received in sessionID.
	Exchange(ctx context.Context, sessionID, user uuid.UUID) (Exchange, error)
	// Averages summarises the feedback user received.
	Averages(ctx context.Context, user uuid.UUID) (Averages, error)
	// Pending lists, newest first, up to limit sessions user has an
	// attempt in that ended at or after since and for which user gave no
	// feedback.
	Pending(ctx context.Context, user uuid.UUID, since time.Time, limit int) ([]Pending, error)
}

// Sessions reads sessions from collaboration-service. An unknown session
// is ErrSessionNotFound.
type Sessions interface {
	Session(ctx context.Context, id uuid.UUID) (Session, error)
}

// Options tunes a Service. Zero values take the defaults named.
type Options struct {
	Now            func() time.Time // time.Now
	SessionTimeout time.Duration    // asking collaboration-service, 3s
	LookupTimeout  time.Duration    // partner usernames, 1s
}

// Service is what history-service decides about feedback.
type Service struct {
	store    Store
	sessions Sessions
	users    attempt.Directory
	o        Options
}

// NewService returns a Service.
func NewService(store Store, sessions Sessions, users attempt.Directory, o Options) *Service {
	return &Service{store: store, sessions: sessions, users: users, o: o.withDefaults()}
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = 3 * time.Second
	}
	if o.LookupTimeout <= 0 {
		o.LookupTimeout = time.Second
	}
	return o
}

// Give records author's feedback on their partner in sessionID, or changes
// it within EditWindow of first giving it. Only the session's two
// participants may give it, and only once their part is over (they left or
// the session ended).
func (s *Service) Give(ctx context.Context, author, sessionID uuid.UUID, in Input) (Feedback, bool, error) {
	in = in.normalized()
	if err := in.Validate(); err != nil {
		return Feedback{}, false, err
	}
	sctx, cancel := context.WithTimeout(ctx, s.o.SessionTimeout)
	sess, err := s.sessions.Session(sctx, sessionID)
	cancel()
	if err != nil {
		return Feedback{}, false, fmt.Errorf("read session: %w", err)
	}
	rated, ok := sess.partner(author)
	if !ok {
		return Feedback{}, false, ErrNotParticipant
	}
	if !sess.done(author) {
		return Feedback{}, false, ErrSessionInProgress
	}
	now := s.o.Now().UTC().Truncate(time.Microsecond)
	f := Feedback{
		SessionID: sessionID, AuthorID: author, RatedID: rated,
		Ratings: in.Ratings, Comment: in.Comment, CreatedAt: now, UpdatedAt: now,
	}
	stored, created, err := s.store.Upsert(ctx, f, now.Add(-EditWindow))
	if err != nil {
		return Feedback{}, false, fmt.Errorf("store feedback: %w", err)
	}
	return stored, created, nil
}

// Exchange returns what user gave and received in sessionID. It reads only
// rows user wrote or is rated in, so asking about someone else's session
// shows nothing.
func (s *Service) Exchange(ctx context.Context, user, sessionID uuid.UUID) (Exchange, error) {
	x, err := s.store.Exchange(ctx, sessionID, user)
	if err != nil {
		return Exchange{}, fmt.Errorf("read feedback: %w", err)
	}
	return x, nil
}

// Averages summarises the feedback user received.
func (s *Service) Averages(ctx context.Context, user uuid.UUID) (Averages, error) {
	a, err := s.store.Averages(ctx, user)
	if err != nil {
		return Averages{}, fmt.Errorf("feedback averages: %w", err)
	}
	return a, nil
}

// Pending lists the recent sessions user ended without giving feedback,
// with each partner's current username when user-service answers.
func (s *Service) Pending(ctx context.Context, user uuid.UUID) ([]PendingView, error) {
	ps, err := s.store.Pending(ctx, user, s.o.Now().Add(-PendingWindow), MaxPending)
	if err != nil {
		return nil, fmt.Errorf("pending feedback: %w", err)
	}
	out := make([]PendingView, len(ps))
	if len(ps) == 0 {
		return out, nil
	}
	ids := make([]uuid.UUID, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.PartnerID)
	}
	lctx, cancel := context.WithTimeout(ctx, s.o.LookupTimeout)
	names := s.users.Usernames(lctx, ids)
	cancel()
	for i, p := range ps {
		out[i] = PendingView{Pending: p, Partner: attempt.Partner{ID: p.PartnerID}}
		if u, ok := names[p.PartnerID]; ok {
			name := u.Name
			if u.Deleted {
				name = attempt.DeletedUsername
			}
			out[i].Partner.Username = &name
		}
	}
	return out, nil
}
