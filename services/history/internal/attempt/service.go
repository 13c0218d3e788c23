package attempt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/validation"
)

// Store keeps attempts. Implementations map "no such row" to ErrNotFound.
type Store interface {
	// Insert stores a unless an attempt for (a.SessionID, a.UserID) exists,
	// and returns the stored attempt and whether this call created it.
	// retryAt is when a pending snapshot is first retried.
	Insert(ctx context.Context, a Attempt, retryAt time.Time) (Attempt, bool, error)
	// FindBySession returns the attempt of userID at questionID in
	// sessionID (a swapped mock interview has two questions).
	FindBySession(ctx context.Context, sessionID, userID, questionID uuid.UUID) (Attempt, error)
	// Get returns attempt id if userID owns it.
	Get(ctx context.Context, userID, id uuid.UUID) (Attempt, error)
	// List returns up to q.Limit attempts of q.UserID matching q, newest first.
	List(ctx context.Context, q ListQuery) ([]Attempt, error)
	// QuestionIDs returns the distinct questions userID has attempted.
	QuestionIDs(ctx context.Context, userID uuid.UUID) ([]uuid.UUID, error)
	// Totals counts userID's attempts; ByDay has every day with an
	// attempt, as calendar days in loc.
	Totals(ctx context.Context, userID uuid.UUID, loc *time.Location) (Totals, error)
	// RecordNoShow counts a no-show of userID in sessionID unless it is
	// counted already; created reports whether this call counted it.
	RecordNoShow(ctx context.Context, sessionID, userID uuid.UUID) (created bool, _ error)
	// NoShows is how many no-shows userID has.
	NoShows(ctx context.Context, userID uuid.UUID) (int, error)

	// ClaimPendingSnapshots takes up to limit attempts whose snapshot is
	// pending and due at now, hides them from other claimers until now+lease
	// and counts the try. Concurrent claimers never get the same attempt.
	ClaimPendingSnapshots(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]PendingSnapshot, error)
	// SetSnapshot fills in the snapshot of pending attempts ids.
	SetSnapshot(ctx context.Context, ids []uuid.UUID, q Question) error
	// MarkSnapshotMissing records that the question of ids does not exist.
	MarkSnapshotMissing(ctx context.Context, ids []uuid.UUID) error
	// RetrySnapshotAt makes pending attempt id due again at at.
	RetrySnapshotAt(ctx context.Context, id uuid.UUID, at time.Time) error
}

// PendingSnapshot is an attempt claimed for a snapshot retry.
type PendingSnapshot struct {
	ID         uuid.UUID
	QuestionID uuid.UUID
	Tries      int // tries so far, this one included
}

// Questions reads questions from question-service. A question that does
// not exist is ErrQuestionNotFound; anything else is worth retrying.
type Questions interface {
	Question(ctx context.Context, id uuid.UUID) (Question, error)
}

// Username is a user's current name, or Deleted when the account is gone.
type Username struct {
	Name    string
	Deleted bool
}

// Directory looks up users' current usernames. It answers what it can: an
// id missing from the result could not be looked up right now.
type Directory interface {
	Usernames(ctx context.Context, ids []uuid.UUID) map[uuid.UUID]Username
}

// Options tunes a Service. Zero values take the defaults named.
type Options struct {
	Now    func() time.Time // time.Now
	NewID  func() uuid.UUID // UUIDv7, so new rows land at the end of the primary key
	Logger *slog.Logger

	QuestionTimeout time.Duration // snapshot fetch while recording, 4s
	LookupTimeout   time.Duration // partner usernames for one response, 1s
	RetryBase       time.Duration // first snapshot retry delay, 5s
	RetryMax        time.Duration // longest snapshot retry delay, 10m
	ClaimLease      time.Duration // a claimed retry is hidden this long, 1m
	ClaimBatch      int           // attempts claimed per round, 50
}

// Service is what history-service decides.
type Service struct {
	store     Store
	questions Questions
	users     Directory
	o         Options
}

// NewService returns a Service.
func NewService(store Store, questions Questions, users Directory, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.NewID == nil {
		o.NewID = func() uuid.UUID { return uuid.Must(uuid.NewV7()) }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.QuestionTimeout, 4*time.Second)
	def(&o.LookupTimeout, time.Second)
	def(&o.RetryBase, 5*time.Second)
	def(&o.RetryMax, 10*time.Minute)
	def(&o.ClaimLease, time.Minute)
	if o.ClaimBatch <= 0 {
		o.ClaimBatch = 50
	}
	return &Service{store: store, questions: questions, users: users, o: o}
}

// Record stores the attempt n once: a repeat of the same (session, user,
// question)
// returns the attempt already stored with created false. The question is
// snapshotted now; if question-service cannot answer, the attempt is stored
// anyway with its snapshot pending.
func (s *Service) Record(ctx context.Context, n NewAttempt) (Attempt, bool, error) {
	n = n.normalized()
	now := s.o.Now()
	if err := n.Validate(now); err != nil {
		return Attempt{}, false, err
	}
	// A retried call must not wait on question-service again.
	if a, err := s.store.FindBySession(ctx, n.SessionID, n.UserID, n.QuestionID); err == nil {
		return a, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Attempt{}, false, fmt.Errorf("find attempt: %w", err)
	}

	a := Attempt{
		ID: s.o.NewID(), SessionID: n.SessionID, UserID: n.UserID, PartnerID: n.PartnerID,
		QuestionID: n.QuestionID, Language: n.Language, Code: n.Code,
		StartedAt: n.StartedAt, EndedAt: n.EndedAt, CreatedAt: now.UTC().Truncate(time.Microsecond),
		Role: n.Role,
	}
	var retryAt time.Time
	qctx, cancel := context.WithTimeout(ctx, s.o.QuestionTimeout)
	q, err := s.questions.Question(qctx, n.QuestionID)
	cancel()
	switch {
	case err == nil:
		a.Snapshot, a.Question = SnapshotReady, q
	case errors.Is(err, ErrQuestionNotFound):
		a.Snapshot = SnapshotMissing
	default:
		s.o.Logger.WarnContext(ctx, "question snapshot deferred", "question_id", n.QuestionID.String(), "error", err.Error())
		a.Snapshot = SnapshotPending
		retryAt = now.Add(s.backoff(1))
	}
	stored, created, err := s.store.Insert(ctx, a, retryAt)
	if err != nil {
		return Attempt{}, false, fmt.Errorf("insert attempt: %w", err)
	}
	return stored, created, nil
}

// Get returns the attempt id if userID owns it; another user's attempt is
// ErrNotFound, so its existence is not revealed.
func (s *Service) Get(ctx context.Context, userID, id uuid.UUID) (View, error) {
	a, err := s.store.Get(ctx, userID, id)
	if err != nil {
		return View{}, fmt.Errorf("get attempt: %w", err)
	}
	return s.views(ctx, []Attempt{a})[0], nil
}

// List returns one page of the user's attempts, newest first.
func (s *Service) List(ctx context.Context, q ListQuery) (ListPage, error) {
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if err := q.Validate(); err != nil {
		return ListPage{}, err
	}
	limit := q.Limit
	q.Offset = 0
	if q.Page > 1 {
		q.Offset = (q.Page - 1) * q.Limit
	}
	q.Limit++ // one more tells whether a next page exists
	as, err := s.store.List(ctx, q)
	if err != nil {
		return ListPage{}, fmt.Errorf("list attempts: %w", err)
	}
	var page ListPage
	if len(as) > limit {
		as = as[:limit]
		last := as[limit-1]
		page.Next = &Cursor{EndedAt: last.EndedAt, ID: last.ID}
	}
	page.Items = s.views(ctx, as)
	return page, nil
}

// Validate checks the parts of q a caller chose.
func (q ListQuery) Validate() error {
	var v validation.Error
	if q.Limit < 1 || q.Limit > MaxLimit {
		v.Add("limit", fmt.Sprintf("must be between 1 and %d", MaxLimit))
	}
	if q.Page < 0 || q.Page > MaxPage {
		v.Add("page", fmt.Sprintf("must be between 1 and %d", MaxPage))
	}
	if q.Page > 1 && q.After != nil {
		v.Add("page", "cannot be combined with cursor")
	}
	if q.Filter.Difficulty != "" && !ValidDifficulty(q.Filter.Difficulty) {
		v.Add("difficulty", "must be one of: easy, medium, hard")
	}
	if q.Filter.Topic != "" && !validTopic(q.Filter.Topic) {
		v.Add("topic", "must be a topic slug (1-64 characters of a-z, 0-9, - and _)")
	}
	if !q.Filter.EndedFrom.IsZero() && !q.Filter.EndedBefore.IsZero() && !q.Filter.EndedFrom.Before(q.Filter.EndedBefore) {
		v.Add("to", "must not be before from")
	}
	return v.OrNil()
}

func validTopic(t string) bool {
	if len(t) == 0 || len(t) > 64 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// QuestionIDs returns the distinct questions userID has attempted.
func (s *Service) QuestionIDs(ctx context.Context, userID uuid.UUID) ([]uuid.UUID, error) {
	ids, err := s.store.QuestionIDs(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("attempted questions: %w", err)
	}
	return ids, nil
}

// Stats summarises userID's attempts, counting days in loc (nil is UTC).
func (s *Service) Stats(ctx context.Context, userID uuid.UUID, loc *time.Location) (Stats, error) {
	if loc == nil {
		loc = time.UTC
	}
	now := s.o.Now()
	t, err := s.store.Totals(ctx, userID, loc)
	if err != nil {
		return Stats{}, fmt.Errorf("attempt totals: %w", err)
	}
	st := shapeStats(t, now, loc)
	if st.NoShows, err = s.store.NoShows(ctx, userID); err != nil {
		return Stats{}, fmt.Errorf("no-shows: %w", err)
	}
	return st, nil
}

// RecordNoShow counts that userID never joined the session of their
// match; counting it again is not an error (created false).
func (s *Service) RecordNoShow(ctx context.Context, sessionID, userID uuid.UUID) (bool, error) {
	created, err := s.store.RecordNoShow(ctx, sessionID, userID)
	if err != nil {
		return false, fmt.Errorf("record no-show: %w", err)
	}
	return created, nil
}

// views adds each partner's current username. A lookup that fails leaves
// the username unknown rather than failing the request.
func (s *Service) views(ctx context.Context, as []Attempt) []View {
	seen := make(map[uuid.UUID]bool, len(as))
	ids := make([]uuid.UUID, 0, len(as))
	for _, a := range as {
		if !seen[a.PartnerID] {
			seen[a.PartnerID] = true
			ids = append(ids, a.PartnerID)
		}
	}
	var names map[uuid.UUID]Username
	if len(ids) > 0 {
		lctx, cancel := context.WithTimeout(ctx, s.o.LookupTimeout)
		names = s.users.Usernames(lctx, ids)
		cancel()
	}
	out := make([]View, len(as))
	for i, a := range as {
		out[i] = View{Attempt: a, Partner: Partner{ID: a.PartnerID}}
		if u, ok := names[a.PartnerID]; ok {
			name := u.Name
			if u.Deleted {
				name = DeletedUsername
			}
			out[i].Partner.Username = &name
		}
	}
	return out
}

// backoff is the delay before the next snapshot try after tries failed
// ones: doubling from RetryBase up to RetryMax, jittered so rows that
// failed together spread out.
func (s *Service) backoff(tries int) time.Duration {
	d := s.o.RetryMax
	if tries >= 1 && tries < 30 {
		d = min(s.o.RetryMax, s.o.RetryBase<<(tries-1))
	}
	return d/2 + rand.N(d/2+1)
}

// FillPendingSnapshots runs one round of snapshot retries: it claims due
// pending attempts, asks question-service once per question and stores the
// outcome. It returns how many attempts it claimed.
func (s *Service) FillPendingSnapshots(ctx context.Context) (int, error) {
	now := s.o.Now()
	claims, err := s.store.ClaimPendingSnapshots(ctx, now, s.o.ClaimLease, s.o.ClaimBatch)
	if err != nil {
		return 0, fmt.Errorf("claim pending snapshots: %w", err)
	}
	byQuestion := make(map[uuid.UUID][]PendingSnapshot)
	var order []uuid.UUID
	for _, c := range claims {
		if _, ok := byQuestion[c.QuestionID]; !ok {
			order = append(order, c.QuestionID)
		}
		byQuestion[c.QuestionID] = append(byQuestion[c.QuestionID], c)
	}
	var errs []error
	var down error // once question-service fails, the rest of the round is rescheduled without asking
	for _, qid := range order {
		group := byQuestion[qid]
		ids := make([]uuid.UUID, len(group))
		for i, c := range group {
			ids[i] = c.ID
		}
		var q Question
		err := down
		if down == nil {
			qctx, cancel := context.WithTimeout(ctx, s.o.QuestionTimeout)
			q, err = s.questions.Question(qctx, qid)
			cancel()
		}
		switch {
		case err == nil:
			err = s.store.SetSnapshot(ctx, ids, q)
		case errors.Is(err, ErrQuestionNotFound):
			err = s.store.MarkSnapshotMissing(ctx, ids)
		case ctx.Err() != nil:
			// Shutting down: the lease hands these rows to the next round.
			return len(claims), errors.Join(append(errs, ctx.Err())...)
		default:
			if down == nil {
				s.o.Logger.WarnContext(ctx, "question snapshot retry failed", "question_id", qid.String(), "attempts", len(ids), "error", err.Error())
				down = err
			}
			err = nil
			for _, c := range group {
				if e := s.store.RetrySnapshotAt(ctx, c.ID, now.Add(s.backoff(c.Tries))); e != nil {
					err = e
				}
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return len(claims), errors.Join(errs...)
}

// RunSnapshotLoop retries pending snapshots every interval until ctx ends.
// Every replica may run it: claims never overlap.
func (s *Service) RunSnapshotLoop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		// Keep going while rounds come back full: there is a backlog.
		for {
			n, err := s.FillPendingSnapshots(ctx)
			if err != nil && ctx.Err() == nil {
				s.o.Logger.ErrorContext(ctx, "question snapshot round failed", "error", err.Error())
			}
			if err != nil || n < s.o.ClaimBatch || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
