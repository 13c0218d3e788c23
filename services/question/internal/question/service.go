package question

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/signature"
)

// Store keeps questions. Implementations map their own errors to
// ErrNotFound and ErrSlugTaken.
type Store interface {
	// List returns the page of f and the number of all matches. Without a
	// search the order is by title then id; with one, by rank first.
	List(ctx context.Context, f Filter) (items []Summary, total int, err error)
	Get(ctx context.Context, ref Ref) (Question, error)
	// Random returns a question chosen uniformly among those matching f,
	// or ErrNotFound when none does.
	Random(ctx context.Context, f RandomFilter) (Question, error)
	// TopicCounts returns every topic in display order with its counts.
	TopicCounts(ctx context.Context) ([]TopicCount, error)
	Insert(ctx context.Context, q Question) error
	// Update replaces the content of the question ref names with q's,
	// keeping its id and created_at, and returns the stored question. When
	// pre is not nil it is asked with the stored question, locked, and a
	// false answer is ErrPreconditionFailed with nothing written.
	// Update keeps the stored InterviewerNotes when q's are nil, and the
	// stored Tests when q.Tests.Cases is nil.
	Update(ctx context.Context, ref Ref, q Question, pre Precondition) (Question, error)
	// Delete removes the question ref names and returns its id.
	Delete(ctx context.Context, ref Ref) (uuid.UUID, error)
}

// Service applies the question bank's rules over a Store.
type Service struct {
	store Store
	now   func() time.Time
	newID func() uuid.UUID
}

// NewService returns a Service over store. now and newID may be nil.
func NewService(store Store, now func() time.Time, newID func() uuid.UUID) *Service {
	if now == nil {
		now = time.Now
	}
	if newID == nil {
		newID = uuid.New
	}
	return &Service{store: store, now: now, newID: newID}
}

// List returns one page of the questions matching f.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	f.Topics = dedupe(f.Topics)
	if err := f.Validate(); err != nil {
		return Page{}, err
	}
	items, total, err := s.store.List(ctx, f)
	if err != nil {
		return Page{}, fmt.Errorf("list questions: %w", err)
	}
	return Page{Items: items, Total: total, Page: f.Page, Limit: f.Limit}, nil
}

// Get returns the question ref names.
func (s *Service) Get(ctx context.Context, ref Ref) (Question, error) {
	q, err := s.store.Get(ctx, ref)
	if err != nil {
		return Question{}, fmt.Errorf("get question %s: %w", ref, err)
	}
	return q, nil
}

// Random returns a question chosen uniformly among those matching f.
func (s *Service) Random(ctx context.Context, f RandomFilter) (Question, error) {
	f.Topics = dedupe(f.Topics)
	if err := f.Validate(); err != nil {
		return Question{}, err
	}
	q, err := s.store.Random(ctx, f)
	if err != nil {
		return Question{}, fmt.Errorf("random question: %w", err)
	}
	return q, nil
}

// Topics returns every topic with how many questions carry it.
func (s *Service) Topics(ctx context.Context) ([]TopicCount, error) {
	tc, err := s.store.TopicCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("count topics: %w", err)
	}
	return tc, nil
}

// Create stores a new question after checking it is complete.
func (s *Service) Create(ctx context.Context, d Draft) (Question, error) {
	d = d.Normalize()
	if err := d.Validate(); err != nil {
		return Question{}, err
	}
	now := s.timestamp()
	q := d.question(s.newID(), now)
	q.InterviewerNotes = orEmpty(q.InterviewerNotes)
	q.Tests.Cases = orEmpty(q.Tests.Cases)
	if err := s.store.Insert(ctx, q); err != nil {
		return Question{}, fmt.Errorf("insert question: %w", err)
	}
	return q, nil
}

// Update replaces the question ref names with d. The slug follows the
// title, so renaming a question changes its slug. pre (may be nil) guards
// against overwriting an edit made since the caller read the question.
func (s *Service) Update(ctx context.Context, ref Ref, d Draft, pre Precondition) (Question, error) {
	d = d.Normalize()
	if err := d.Validate(); err != nil {
		return Question{}, err
	}
	q, err := s.store.Update(ctx, ref, d.question(uuid.Nil, s.timestamp()), pre)
	if err != nil {
		return Question{}, fmt.Errorf("update question %s: %w", ref, err)
	}
	return q, nil
}

// Delete removes the question ref names and returns its id.
func (s *Service) Delete(ctx context.Context, ref Ref) (uuid.UUID, error) {
	id, err := s.store.Delete(ctx, ref)
	if err != nil {
		return uuid.Nil, fmt.Errorf("delete question %s: %w", ref, err)
	}
	return id, nil
}

// timestamp is now in UTC at the microsecond precision PostgreSQL keeps, so
// what Create returns equals what a later Get reads (and so do ETags).
func (s *Service) timestamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func (d Draft) question(id uuid.UUID, now time.Time) Question {
	tests := Tests{Compare: signature.Exact} // Cases nil: keep the stored tests (Store.Update)
	if d.Tests != nil {
		tests = *d.Tests
	}
	return Question{
		Tests:            tests,
		ID:               id,
		Slug:             Slugify(d.Title),
		Title:            d.Title,
		Difficulty:       d.Difficulty,
		Topics:           slices.Clone(d.Topics),
		Description:      d.Description,
		Examples:         orEmpty(d.Examples),
		Constraints:      orEmpty(d.Constraints),
		Hints:            orEmpty(d.Hints),
		InterviewerNotes: d.InterviewerNotes, // nil: keep the stored ones (Store.Update)
		StarterCode:      d.StarterCode,
		CreatedAt:        now,
		UpdatedAt:        now,
	}
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// dedupe drops repeated items, keeping the first of each.
func dedupe(in []string) []string {
	if len(in) < 2 {
		return in
	}
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Outcome says what Upsert did.
type Outcome int

// The outcomes of Upsert.
const (
	Unchanged Outcome = iota
	Inserted
	Updated
)

// Upsert makes the question with d's slug hold d: it inserts it with id
// when no question has that slug, replaces its content when it differs,
// and leaves it (and its updated_at) alone when it is the same. The seed
// loader uses it, so loading the seed twice changes nothing.
func (s *Service) Upsert(ctx context.Context, id uuid.UUID, d Draft) (Outcome, error) {
	d = d.Normalize()
	if err := d.Validate(); err != nil {
		return Unchanged, err
	}
	want := d.question(id, s.timestamp())
	have, err := s.store.Get(ctx, Ref{Slug: want.Slug})
	switch {
	case errors.Is(err, ErrNotFound):
		if err := s.store.Insert(ctx, want); err != nil {
			return Unchanged, fmt.Errorf("insert question %s: %w", want.Slug, err)
		}
		return Inserted, nil
	case err != nil:
		return Unchanged, fmt.Errorf("get question %s: %w", want.Slug, err)
	case sameContent(have, want):
		return Unchanged, nil
	}
	if _, err := s.store.Update(ctx, Ref{ID: have.ID}, want, nil); err != nil {
		return Unchanged, fmt.Errorf("update question %s: %w", want.Slug, err)
	}
	return Updated, nil
}

// sameContent compares what an author writes, not ids or times. Tests
// whose Cases are nil in b are kept by an update, so they are the same.
func sameContent(a, b Question) bool {
	return a.Slug == b.Slug && a.Title == b.Title && a.Difficulty == b.Difficulty &&
		slices.Equal(a.Topics, b.Topics) && a.Description == b.Description &&
		slices.Equal(a.Examples, b.Examples) && slices.Equal(a.Constraints, b.Constraints) &&
		slices.Equal(a.Hints, b.Hints) && slices.Equal(a.InterviewerNotes, b.InterviewerNotes) &&
		maps.Equal(a.StarterCode, b.StarterCode) && (b.Tests.Cases == nil || sameTests(a.Tests, b.Tests))
}
