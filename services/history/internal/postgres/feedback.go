package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/peerprep/peerprep/services/history/internal/feedback"
)

// FeedbackStore implements feedback.Store.
type FeedbackStore struct {
	pool *pgxpool.Pool
}

// NewFeedback returns a FeedbackStore on pool.
func NewFeedback(pool *pgxpool.Pool) *FeedbackStore { return &FeedbackStore{pool: pool} }

var _ feedback.Store = (*FeedbackStore)(nil)

const feedbackColumns = `session_id, author_id, rated_id, problem_solving, communication, code_quality,
	comment, created_at, updated_at`

func scanFeedback(r pgx.Row, extra ...any) (feedback.Feedback, error) {
	var f feedback.Feedback
	dest := append([]any{&f.SessionID, &f.AuthorID, &f.RatedID,
		&f.ProblemSolving, &f.Communication, &f.CodeQuality,
		&f.Comment, &f.CreatedAt, &f.UpdatedAt}, extra...)
	if err := r.Scan(dest...); err != nil {
		return feedback.Feedback{}, err
	}
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	return f, nil
}

// upsertFeedbackSQL inserts, or updates a row still inside its edit
// window, in one statement, so two replicas racing cannot both create nor
// edit past the window. xmax = 0 marks a row this statement inserted.
const upsertFeedbackSQL = `
	INSERT INTO feedback (` + feedbackColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
	ON CONFLICT (session_id, author_id) DO UPDATE SET
		problem_solving = excluded.problem_solving,
		communication = excluded.communication,
		code_quality = excluded.code_quality,
		comment = excluded.comment,
		updated_at = excluded.updated_at
	WHERE feedback.created_at > $9
	RETURNING ` + feedbackColumns + `, (xmax = 0)`

// Upsert implements feedback.Store.
func (s *FeedbackStore) Upsert(ctx context.Context, f feedback.Feedback, editableSince time.Time) (feedback.Feedback, bool, error) {
	var created bool
	got, err := scanFeedback(s.pool.QueryRow(ctx, upsertFeedbackSQL,
		f.SessionID, f.AuthorID, f.RatedID, f.ProblemSolving, f.Communication, f.CodeQuality,
		f.Comment, f.CreatedAt, editableSince), &created)
	if errors.Is(err, pgx.ErrNoRows) {
		// The row exists (else it would have been inserted) and is too old.
		return feedback.Feedback{}, false, feedback.ErrEditWindowClosed
	}
	if err != nil {
		return feedback.Feedback{}, false, fmt.Errorf("upsert feedback: %w", err)
	}
	return got, created, nil
}

// Exchange implements feedback.Store.
func (s *FeedbackStore) Exchange(ctx context.Context, sessionID, user uuid.UUID) (feedback.Exchange, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+feedbackColumns+` FROM feedback
		WHERE session_id = $1 AND (author_id = $2 OR rated_id = $2)`, sessionID, user)
	if err != nil {
		return feedback.Exchange{}, fmt.Errorf("read feedback: %w", err)
	}
	fs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (feedback.Feedback, error) { return scanFeedback(r) })
	if err != nil {
		return feedback.Exchange{}, fmt.Errorf("read feedback: %w", err)
	}
	var x feedback.Exchange
	for i := range fs {
		if fs[i].AuthorID == user {
			x.Given = &fs[i]
		} else {
			x.Received = &fs[i]
		}
	}
	return x, nil
}

// Averages implements feedback.Store.
func (s *FeedbackStore) Averages(ctx context.Context, user uuid.UUID) (feedback.Averages, error) {
	var a feedback.Averages
	err := s.pool.QueryRow(ctx, `
		SELECT count(*)::int,
			coalesce(avg(problem_solving), 0)::float8,
			coalesce(avg(communication), 0)::float8,
			coalesce(avg(code_quality), 0)::float8
		FROM feedback WHERE rated_id = $1`, user).Scan(&a.Count, &a.ProblemSolving, &a.Communication, &a.CodeQuality)
	if err != nil {
		return feedback.Averages{}, fmt.Errorf("feedback averages: %w", err)
	}
	return a, nil
}

// Pending implements feedback.Store. A session may hold several attempts
// of one user; the latest stands for it.
func (s *FeedbackStore) Pending(ctx context.Context, user uuid.UUID, since time.Time, limit int) ([]feedback.Pending, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT session_id, id, partner_id, title, ended_at FROM (
			SELECT DISTINCT ON (a.session_id) a.session_id, a.id, a.partner_id,
				coalesce(a.question_title, '') AS title, a.ended_at
			FROM attempts a
			WHERE a.user_id = $1 AND a.ended_at >= $2
				AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.session_id = a.session_id AND f.author_id = $1)
			ORDER BY a.session_id, a.ended_at DESC, a.id DESC
		) latest
		ORDER BY ended_at DESC, id DESC
		LIMIT $3`, user, since, limit)
	if err != nil {
		return nil, fmt.Errorf("pending feedback: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (feedback.Pending, error) {
		var p feedback.Pending
		err := r.Scan(&p.SessionID, &p.AttemptID, &p.PartnerID, &p.QuestionTitle, &p.EndedAt)
		p.EndedAt = p.EndedAt.UTC()
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("pending feedback: %w", err)
	}
	return ps, nil
}
