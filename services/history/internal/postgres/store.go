// Package postgres keeps history-service's attempts in PostgreSQL with pgx.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/peerprep/peerprep/services/history/internal/attempt"
)

// Store implements attempt.Store.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a Store on pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

var _ attempt.Store = (*Store)(nil)

const columns = `id, session_id, user_id, partner_id, question_id, language, code,
	started_at, ended_at, created_at, snapshot_status,
	question_title, question_slug, question_difficulty, question_topics, role`

// row is one attempts row as scanned.
type row struct {
	ID, SessionID, UserID, PartnerID, QuestionID uuid.UUID
	Language, Code                               string
	StartedAt, EndedAt, CreatedAt                time.Time
	SnapshotStatus                               string
	Title, Slug, Difficulty                      *string
	Topics                                       []string
	Role                                         *string
}

func scanRow(r pgx.Row) (row, error) {
	var x row
	err := r.Scan(&x.ID, &x.SessionID, &x.UserID, &x.PartnerID, &x.QuestionID, &x.Language, &x.Code,
		&x.StartedAt, &x.EndedAt, &x.CreatedAt, &x.SnapshotStatus,
		&x.Title, &x.Slug, &x.Difficulty, &x.Topics, &x.Role)
	return x, err
}

func (x row) toAttempt() attempt.Attempt {
	a := attempt.Attempt{
		ID: x.ID, SessionID: x.SessionID, UserID: x.UserID, PartnerID: x.PartnerID, QuestionID: x.QuestionID,
		Language: x.Language, Code: x.Code,
		StartedAt: x.StartedAt.UTC(), EndedAt: x.EndedAt.UTC(), CreatedAt: x.CreatedAt.UTC(),
		Snapshot: attempt.SnapshotStatus(x.SnapshotStatus), Role: deref(x.Role),
	}
	if a.Snapshot == attempt.SnapshotReady {
		a.Question = attempt.Question{Title: deref(x.Title), Slug: deref(x.Slug), Difficulty: deref(x.Difficulty), Topics: x.Topics}
	}
	if a.Question.Topics == nil {
		a.Question.Topics = []string{}
	}
	return a
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func one(r pgx.Row) (attempt.Attempt, error) {
	x, err := scanRow(r)
	if errors.Is(err, pgx.ErrNoRows) {
		return attempt.Attempt{}, attempt.ErrNotFound
	}
	if err != nil {
		return attempt.Attempt{}, err
	}
	return x.toAttempt(), nil
}

// insertSQL stores an attempt and counts it in the running totals in one
// statement (so atomically). ON CONFLICT DO NOTHING makes concurrent
// duplicates safe: the loser waits for the winner's commit, inserts
// nothing, counts nothing and returns no row.
const insertSQL = `
	WITH ins AS (
		INSERT INTO attempts (id, session_id, user_id, partner_id, question_id, language, code,
			started_at, ended_at, created_at, snapshot_status,
			question_title, question_slug, question_difficulty, question_topics,
			snapshot_tries, snapshot_retry_at, role)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (session_id, user_id, question_id) DO NOTHING
		RETURNING ` + columns + `
	), counted AS (
		INSERT INTO attempt_counts (user_id, question_id, difficulty, topics, attempts)
		SELECT user_id, question_id, coalesce(question_difficulty, ''), question_topics, 1 FROM ins
		ON CONFLICT (user_id, question_id, difficulty, topics)
		DO UPDATE SET attempts = attempt_counts.attempts + 1
	), dayed AS (
		INSERT INTO attempt_days (user_id, day, attempts)
		SELECT user_id, (ended_at AT TIME ZONE 'UTC')::date, 1 FROM ins
		ON CONFLICT (user_id, day) DO UPDATE SET attempts = attempt_days.attempts + 1
	)
	SELECT ` + columns + ` FROM ins`

// Insert implements attempt.Store.
func (s *Store) Insert(ctx context.Context, a attempt.Attempt, retryAt time.Time) (attempt.Attempt, bool, error) {
	topics := a.Question.Topics
	if topics == nil || a.Snapshot != attempt.SnapshotReady {
		topics = []string{}
	}
	var tries int
	var retry *time.Time
	if a.Snapshot == attempt.SnapshotPending {
		tries, retry = 1, &retryAt
	}
	var title, slug, difficulty *string
	if a.Snapshot == attempt.SnapshotReady {
		title, slug, difficulty = orNull(a.Question.Title), orNull(a.Question.Slug), orNull(a.Question.Difficulty)
	}
	got, err := one(s.pool.QueryRow(ctx, insertSQL,
		a.ID, a.SessionID, a.UserID, a.PartnerID, a.QuestionID, a.Language, a.Code,
		a.StartedAt, a.EndedAt, a.CreatedAt, string(a.Snapshot),
		title, slug, difficulty, topics, tries, retry, orNull(a.Role)))
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, attempt.ErrNotFound) {
		return attempt.Attempt{}, false, fmt.Errorf("insert attempt: %w", err)
	}
	got, err = s.FindBySession(ctx, a.SessionID, a.UserID, a.QuestionID)
	if err != nil {
		return attempt.Attempt{}, false, fmt.Errorf("read existing attempt: %w", err)
	}
	return got, false, nil
}

// FindBySession implements attempt.Store.
func (s *Store) FindBySession(ctx context.Context, sessionID, userID, questionID uuid.UUID) (attempt.Attempt, error) {
	return one(s.pool.QueryRow(ctx, `SELECT `+columns+` FROM attempts
		WHERE session_id = $1 AND user_id = $2 AND question_id = $3`, sessionID, userID, questionID))
}

// Get implements attempt.Store.
func (s *Store) Get(ctx context.Context, userID, id uuid.UUID) (attempt.Attempt, error) {
	return one(s.pool.QueryRow(ctx, `SELECT `+columns+` FROM attempts WHERE id = $1 AND user_id = $2`, id, userID))
}

// List implements attempt.Store. The page's ids are found first from the
// covering index alone (filters included), then only those rows are read,
// so a selective filter never drags the code of skipped rows off disk.
func (s *Store) List(ctx context.Context, q attempt.ListQuery) ([]attempt.Attempt, error) {
	args := []any{q.UserID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var where strings.Builder
	where.WriteString("user_id = $1")
	if q.After != nil {
		where.WriteString(" AND (ended_at, id) < (" + arg(q.After.EndedAt) + ", " + arg(q.After.ID) + ")")
	}
	if q.Filter.QuestionID != uuid.Nil {
		where.WriteString(" AND question_id = " + arg(q.Filter.QuestionID))
	}
	if q.Filter.SessionID != uuid.Nil {
		where.WriteString(" AND session_id = " + arg(q.Filter.SessionID))
	}
	if q.Filter.Difficulty != "" {
		where.WriteString(" AND question_difficulty = " + arg(q.Filter.Difficulty))
	}
	if q.Filter.Topic != "" {
		where.WriteString(" AND question_topics @> ARRAY[" + arg(q.Filter.Topic) + "::text]")
	}
	if !q.Filter.EndedFrom.IsZero() {
		where.WriteString(" AND ended_at >= " + arg(q.Filter.EndedFrom))
	}
	if !q.Filter.EndedBefore.IsZero() {
		where.WriteString(" AND ended_at < " + arg(q.Filter.EndedBefore))
	}
	sql := `
		WITH page AS (
			SELECT id FROM attempts WHERE ` + where.String() + `
			ORDER BY ended_at DESC, id DESC
			LIMIT ` + arg(q.Limit) + ` OFFSET ` + arg(q.Offset) + `
		)
		SELECT ` + columns + ` FROM attempts JOIN page USING (id)
		ORDER BY ended_at DESC, id DESC`
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	defer rows.Close()
	out := make([]attempt.Attempt, 0, q.Limit)
	for rows.Next() {
		x, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("scan attempt: %w", err)
		}
		out = append(out, x.toAttempt())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	return out, nil
}

// QuestionIDs implements attempt.Store.
func (s *Store) QuestionIDs(ctx context.Context, userID uuid.UUID) ([]uuid.UUID, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT question_id FROM attempts WHERE user_id = $1 ORDER BY question_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("attempted questions: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("attempted questions: %w", err)
	}
	if ids == nil {
		ids = []uuid.UUID{}
	}
	return ids, nil
}

// totalsSQL reads a user's running totals: one row per question snapshot
// the user attempted and one per day of the window, however many attempts
// there are. Each output row is (kind, key, count).
const totalsSQL = `
	WITH per_question AS (
		SELECT question_id, difficulty, topics, attempts AS n
		FROM attempt_counts WHERE user_id = $1 AND attempts > 0
	)
	SELECT 'total', '', coalesce(sum(n), 0)::bigint FROM per_question
	UNION ALL
	SELECT 'questions', '', count(DISTINCT question_id) FROM per_question
	UNION ALL
	SELECT 'difficulty', difficulty, sum(n)::bigint FROM per_question WHERE difficulty <> '' GROUP BY difficulty
	UNION ALL
	SELECT 'topic', topic, sum(n)::bigint FROM per_question, unnest(topics) AS topic GROUP BY topic
	UNION ALL
	SELECT 'day', to_char(day, 'YYYY-MM-DD'), n FROM (
		-- Grouped by the date first: to_char then runs once per day, not per attempt.
		SELECT (ended_at AT TIME ZONE $2)::date AS day, count(*) AS n
		FROM attempts WHERE user_id = $1 GROUP BY 1
	) AS days`

// Totals implements attempt.Store. Days are counted from the attempts
// themselves (an index-only scan of attempts_user_ended_idx), not from the
// UTC attempt_days, because the caller's days are in their own time zone.
// A zone Go knows but PostgreSQL does not is ErrUnknownTimeZone.
// RecordNoShow implements attempt.Store.
func (s *Store) RecordNoShow(ctx context.Context, sessionID, userID uuid.UUID) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO no_shows (session_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, sessionID, userID)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// NoShows implements attempt.Store.
func (s *Store) NoShows(ctx context.Context, userID uuid.UUID) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM no_shows WHERE user_id = $1`, userID).Scan(&n)
	return n, err
}

func (s *Store) Totals(ctx context.Context, userID uuid.UUID, loc *time.Location) (attempt.Totals, error) {
	t := attempt.Totals{ByDifficulty: map[string]int{}, ByTopic: map[string]int{}, ByDay: map[string]int{}}
	rows, err := s.pool.Query(ctx, totalsSQL, userID, loc.String())
	if err != nil {
		return attempt.Totals{}, fmt.Errorf("attempt totals: %w", mapZoneError(err))
	}
	var kind, key string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&kind, &key, &n}, func() error {
		switch kind {
		case "total":
			t.Total = n
		case "questions":
			t.DistinctQuestions = n
		case "difficulty":
			t.ByDifficulty[key] = n
		case "topic":
			t.ByTopic[key] = n
		case "day":
			t.ByDay[key] = n
		}
		return nil
	})
	if err != nil {
		return attempt.Totals{}, fmt.Errorf("attempt totals: %w", mapZoneError(err))
	}
	return t, nil
}

// mapZoneError turns PostgreSQL's "time zone not recognized" (22023,
// invalid_parameter_value) into the domain error.
func mapZoneError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "22023" && strings.Contains(pe.Message, "time zone") {
		return attempt.ErrUnknownTimeZone
	}
	return err
}

// ClaimPendingSnapshots implements attempt.Store. SKIP LOCKED lets every
// replica claim at once without waiting on or sharing rows; pushing
// snapshot_retry_at forward is the lease, so the claim commits at once and
// no transaction stays open while question-service is called. A replica
// that dies mid-round leaves its rows to be claimed again when the lease ends.
func (s *Store) ClaimPendingSnapshots(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]attempt.PendingSnapshot, error) {
	rows, err := s.pool.Query(ctx, `
		WITH due AS (
			SELECT id FROM attempts
			WHERE snapshot_status = 'pending' AND snapshot_retry_at <= $1
			ORDER BY snapshot_retry_at
			LIMIT $3
			FOR UPDATE SKIP LOCKED
		)
		UPDATE attempts a SET snapshot_retry_at = $2, snapshot_tries = a.snapshot_tries + 1
		FROM due WHERE a.id = due.id
		RETURNING a.id, a.question_id, a.snapshot_tries`, now, now.Add(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("claim pending snapshots: %w", err)
	}
	claims, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (attempt.PendingSnapshot, error) {
		var p attempt.PendingSnapshot
		err := r.Scan(&p.ID, &p.QuestionID, &p.Tries)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("claim pending snapshots: %w", err)
	}
	return claims, nil
}

// setSnapshotSQL fills in pending snapshots and moves their counts from the
// unknown-question bucket to the question's, in one statement. Rows another
// round already filled are not pending any more, so nothing moves twice.
const setSnapshotSQL = `
	WITH moved AS (
		UPDATE attempts SET snapshot_status = 'ready', question_title = $2, question_slug = $3,
			question_difficulty = $4, question_topics = $5, snapshot_retry_at = NULL
		WHERE id = ANY($1) AND snapshot_status = 'pending'
		RETURNING user_id, question_id
	), per AS (
		SELECT user_id, question_id, count(*)::int AS n FROM moved GROUP BY user_id, question_id
	), unknown AS (
		UPDATE attempt_counts c SET attempts = c.attempts - per.n
		FROM per
		WHERE c.user_id = per.user_id AND c.question_id = per.question_id AND c.difficulty = '' AND c.topics = '{}'
	)
	INSERT INTO attempt_counts (user_id, question_id, difficulty, topics, attempts)
	SELECT user_id, question_id, $4, $5, n FROM per
	ON CONFLICT (user_id, question_id, difficulty, topics)
	DO UPDATE SET attempts = attempt_counts.attempts + excluded.attempts`

// SetSnapshot implements attempt.Store.
func (s *Store) SetSnapshot(ctx context.Context, ids []uuid.UUID, q attempt.Question) error {
	topics := q.Topics
	if topics == nil {
		topics = []string{}
	}
	if _, err := s.pool.Exec(ctx, setSnapshotSQL, ids, q.Title, orNull(q.Slug), q.Difficulty, topics); err != nil {
		return fmt.Errorf("set snapshot: %w", err)
	}
	return nil
}

// MarkSnapshotMissing implements attempt.Store.
func (s *Store) MarkSnapshotMissing(ctx context.Context, ids []uuid.UUID) error {
	_, err := s.pool.Exec(ctx, `
		UPDATE attempts SET snapshot_status = 'missing', snapshot_retry_at = NULL
		WHERE id = ANY($1) AND snapshot_status = 'pending'`, ids)
	if err != nil {
		return fmt.Errorf("mark snapshot missing: %w", err)
	}
	return nil
}

// RetrySnapshotAt implements attempt.Store.
func (s *Store) RetrySnapshotAt(ctx context.Context, id uuid.UUID, at time.Time) error {
	_, err := s.pool.Exec(ctx, `
		UPDATE attempts SET snapshot_retry_at = $2
		WHERE id = $1 AND snapshot_status = 'pending'`, id, at)
	if err != nil {
		return fmt.Errorf("schedule snapshot retry: %w", err)
	}
	return nil
}
