package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/peerprep/peerprep/libs/postgres"
	"github.com/peerprep/peerprep/libs/signature"
	"github.com/peerprep/peerprep/services/question/internal/question"
)

// Store implements question.Store.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a Store over pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

var _ question.Store = (*Store)(nil)

// querier is what a pool and a transaction have in common.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// exampleRow is how an example is kept in the examples jsonb column.
type exampleRow struct {
	Input       string `json:"input"`
	Output      string `json:"output"`
	Explanation string `json:"explanation,omitempty"`
}

// testCaseRow is how a case travels between the question_test_cases rows
// and Go: one jsonb object per case, aggregated in position order.
type testCaseRow struct {
	Input    json.RawMessage `json:"input"`
	Expected json.RawMessage `json:"expected"`
	Hidden   bool            `json:"hidden"`
}

// questionColumns reads a question and its test cases in one statement, so
// in one snapshot.
const questionColumns = `q.id, q.slug, q.title, q.difficulty, q.topics, q.description,
	q.examples, q.constraints, q.hints, q.interviewer_notes, q.starter_code, q.created_at, q.updated_at,
	q.signature, q.compare, (SELECT coalesce(jsonb_agg(jsonb_build_object('input', t.input, 'expected', t.expected, 'hidden', t.hidden)
		ORDER BY t.position), '[]') FROM question_test_cases t WHERE t.question_id = q.id)`

func scanQuestion(row pgx.Row) (question.Question, error) {
	var (
		q        question.Question
		examples []exampleRow
		cases    []testCaseRow
	)
	err := row.Scan(&q.ID, &q.Slug, &q.Title, &q.Difficulty, &q.Topics, &q.Description,
		&examples, &q.Constraints, &q.Hints, &q.InterviewerNotes, &q.StarterCode, &q.CreatedAt, &q.UpdatedAt,
		&q.Tests.Signature, &q.Tests.Compare, &cases)
	if errors.Is(err, pgx.ErrNoRows) {
		return question.Question{}, question.ErrNotFound
	}
	if err != nil {
		return question.Question{}, err
	}
	q.Examples = make([]question.Example, len(examples))
	for i, e := range examples {
		q.Examples[i] = question.Example(e)
	}
	q.Tests.Cases = make([]question.TestCase, len(cases))
	for i, c := range cases {
		q.Tests.Cases[i] = question.TestCase(c)
	}
	q.CreatedAt, q.UpdatedAt = q.CreatedAt.UTC(), q.UpdatedAt.UTC()
	return q, nil
}

// notesRow keeps "no notes" as [] in the NOT NULL column.
func notesRow(notes []string) []string {
	if notes == nil {
		return []string{}
	}
	return notes
}

func examplesRow(in []question.Example) []exampleRow {
	out := make([]exampleRow, len(in))
	for i, e := range in {
		out[i] = exampleRow(e)
	}
	return out
}

// compareRow spells the default mode out, as the column's CHECK wants.
func compareRow(c signature.Compare) string {
	if c == "" {
		return string(signature.Exact)
	}
	return string(c)
}

func testCasesRow(in []question.TestCase) []testCaseRow {
	out := make([]testCaseRow, len(in))
	for i, c := range in {
		out[i] = testCaseRow(c)
	}
	return out
}

// writeCases replaces the test cases of question id with cases.
func writeCases(ctx context.Context, tx pgx.Tx, id uuid.UUID, cases []question.TestCase) error {
	if _, err := tx.Exec(ctx, `DELETE FROM question_test_cases WHERE question_id = $1`, id); err != nil {
		return fmt.Errorf("delete test cases: %w", err)
	}
	if len(cases) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO question_test_cases (question_id, position, input, expected, hidden)
		SELECT $1, c.ord - 1, c.v->'input', c.v->'expected', (c.v->>'hidden')::boolean
		FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS c (v, ord)`, id, testCasesRow(cases))
	if err != nil {
		return fmt.Errorf("insert test cases: %w", err)
	}
	return nil
}

// refWhere is the condition selecting the question ref names as q.
func refWhere(ref question.Ref, arg int) (string, any) {
	if ref.IsID() {
		return "q.id = $" + strconv.Itoa(arg), ref.ID
	}
	return "q.slug = $" + strconv.Itoa(arg), ref.Slug
}

// Get implements question.Store.
func (s *Store) Get(ctx context.Context, ref question.Ref) (question.Question, error) {
	cond, arg := refWhere(ref, 1)
	return scanQuestion(s.pool.QueryRow(ctx, `SELECT `+questionColumns+` FROM questions q WHERE `+cond, arg))
}

// List implements question.Store.
func (s *Store) List(ctx context.Context, f question.Filter) ([]question.Summary, int, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var where []string
	if keys, op := facetKeys(f.Difficulty, f.Topics); len(keys) > 0 {
		where = append(where, "q.facets "+op+" "+arg(keys)+"::text[]")
	}
	from := "questions q"
	if f.Query != "" {
		from += ", websearch_to_tsquery('english', " + arg(f.Query) + ") AS query"
		where = append(where, "q.search @@ query")
	}
	matches := from
	if len(where) > 0 {
		matches += " WHERE " + strings.Join(where, " AND ")
	}
	countSQL, countArgs := "SELECT count(*) FROM "+matches, slices.Clone(args)

	var sql string
	if f.Query == "" {
		// The matches are the union of draw groups, whose slots count them
		// without reading a question, and the (title, id) index yields the
		// page without a sort.
		d, t := groupKey(f.Difficulty, f.Topics)
		total := "coalesce((SELECT size FROM draw_groups WHERE difficulty = %s AND topic = %s), 0)"
		countArgs = []any{d, t}
		if len(f.Topics) > 1 {
			total = "(SELECT count(DISTINCT question_id) FROM draw_slots WHERE difficulty = %s AND topic = ANY (%s::text[]))"
			countArgs = []any{d, f.Topics}
		}
		countSQL = "SELECT " + fmt.Sprintf(total, "$1", "$2")
		sql = `SELECT q.id, q.slug, q.title, q.difficulty, q.topics, q.created_at, q.updated_at, ` +
			fmt.Sprintf(total, arg(countArgs[0]), arg(countArgs[1])) + ` FROM ` + matches +
			` ORDER BY q.title, q.id LIMIT ` + arg(f.Limit) + ` OFFSET ` + arg(f.Offset())
	} else {
		// A search must see every match to rank and count them: gather the
		// narrow (id, title, rank) of all matches once through the GIN
		// indexes, then read the page's rows. A window count(*) would tempt
		// the planner into walking the title index instead.
		sql = `WITH m AS MATERIALIZED (SELECT q.id, q.title, ts_rank(q.search, query) AS rank FROM ` + matches + `),
			p AS (SELECT * FROM m ORDER BY rank DESC, title, id LIMIT ` + arg(f.Limit) + ` OFFSET ` + arg(f.Offset()) + `)
			SELECT q.id, q.slug, q.title, q.difficulty, q.topics, q.created_at, q.updated_at, (SELECT count(*) FROM m)
			FROM p JOIN questions q ON q.id = p.id ORDER BY p.rank DESC, p.title, p.id`
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, 0, err
	}
	items := make([]question.Summary, 0, f.Limit)
	n := 0
	for rows.Next() {
		var it question.Summary
		if err := rows.Scan(&it.ID, &it.Slug, &it.Title, &it.Difficulty, &it.Topics, &it.CreatedAt, &it.UpdatedAt, &n); err != nil {
			rows.Close()
			return nil, 0, err
		}
		it.CreatedAt, it.UpdatedAt = it.CreatedAt.UTC(), it.UpdatedAt.UTC()
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(items) == 0 && f.Offset() > 0 {
		// A page past the end has no row to carry the total.
		if err := s.pool.QueryRow(ctx, countSQL, countArgs...).Scan(&n); err != nil {
			return nil, 0, err
		}
	}
	return items, n, nil
}

// facetKeys turns list filters into keys of the facets column (see
// question_facets in the migration) and the array operator to match them.
func facetKeys(d question.Difficulty, topics []string) ([]string, string) {
	switch {
	case len(topics) == 0 && d == "":
		return nil, ""
	case len(topics) == 0:
		return []string{string(d)}, "@>"
	case d == "":
		return topics, "&&"
	}
	keys := make([]string, len(topics))
	for i, t := range topics {
		keys[i] = t + ":" + string(d)
	}
	return keys, "&&"
}

// TopicCounts implements question.Store.
func (s *Store) TopicCounts(ctx context.Context) ([]question.TopicCount, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT t.slug, t.name,
			coalesce(sum(g.size) FILTER (WHERE g.difficulty = '*'), 0),
			coalesce(sum(g.size) FILTER (WHERE g.difficulty = 'easy'), 0),
			coalesce(sum(g.size) FILTER (WHERE g.difficulty = 'medium'), 0),
			coalesce(sum(g.size) FILTER (WHERE g.difficulty = 'hard'), 0)
		FROM topics t
		LEFT JOIN draw_groups g ON g.topic = t.slug
		GROUP BY t.slug, t.name, t.position
		ORDER BY t.position`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (question.TopicCount, error) {
		var (
			tc                      question.TopicCount
			all, easy, medium, hard int
		)
		if err := row.Scan(&tc.Slug, &tc.Name, &all, &easy, &medium, &hard); err != nil {
			return tc, err
		}
		tc.Count = all
		tc.ByDifficulty = map[question.Difficulty]int{question.Easy: easy, question.Medium: medium, question.Hard: hard}
		return tc, nil
	})
}

// Insert implements question.Store.
func (s *Store) Insert(ctx context.Context, q question.Question) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO questions (id, slug, title, difficulty, topics, description,
				examples, constraints, hints, starter_code, created_at, updated_at, interviewer_notes, signature, compare)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			q.ID, q.Slug, q.Title, string(q.Difficulty), q.Topics, q.Description,
			examplesRow(q.Examples), q.Constraints, q.Hints, q.StarterCode, q.CreatedAt, q.UpdatedAt, notesRow(q.InterviewerNotes),
			q.Tests.Signature, compareRow(q.Tests.Compare))
		if err != nil {
			return mapWriteError(err)
		}
		if err := writeCases(ctx, tx, q.ID, q.Tests.Cases); err != nil {
			return err
		}
		if err := syncDraws(ctx, tx, q.ID, nil, groupsOf(q.Difficulty, q.Topics)); err != nil {
			return err
		}
		return notifyChanged(ctx, tx, q.ID)
	})
}

// Update implements question.Store.
func (s *Store) Update(ctx context.Context, ref question.Ref, q question.Question, pre question.Precondition) (question.Question, error) {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		cond, arg := refWhere(ref, 1)
		old, err := scanQuestion(tx.QueryRow(ctx, `SELECT `+questionColumns+` FROM questions q WHERE `+cond+` FOR UPDATE`, arg))
		if err != nil {
			return err
		}
		if pre != nil && !pre(old) {
			return question.ErrPreconditionFailed
		}
		q.ID, q.CreatedAt = old.ID, old.CreatedAt
		if q.InterviewerNotes == nil {
			q.InterviewerNotes = old.InterviewerNotes
		}
		keepTests := q.Tests.Cases == nil
		if keepTests {
			q.Tests = old.Tests
		}
		_, err = tx.Exec(ctx, `
			UPDATE questions SET slug = $2, title = $3, difficulty = $4, topics = $5,
				description = $6, examples = $7, constraints = $8, hints = $9,
				starter_code = $10, updated_at = $11, interviewer_notes = $12, signature = $13, compare = $14
			WHERE id = $1`,
			q.ID, q.Slug, q.Title, string(q.Difficulty), q.Topics, q.Description,
			examplesRow(q.Examples), q.Constraints, q.Hints, q.StarterCode, q.UpdatedAt, notesRow(q.InterviewerNotes),
			q.Tests.Signature, compareRow(q.Tests.Compare))
		if err != nil {
			return mapWriteError(err)
		}
		if !keepTests {
			if err := writeCases(ctx, tx, q.ID, q.Tests.Cases); err != nil {
				return err
			}
		}
		if err := syncDraws(ctx, tx, q.ID, groupsOf(old.Difficulty, old.Topics), groupsOf(q.Difficulty, q.Topics)); err != nil {
			return err
		}
		return notifyChanged(ctx, tx, q.ID)
	})
	if err != nil {
		return question.Question{}, err
	}
	return q, nil
}

// Delete implements question.Store.
func (s *Store) Delete(ctx context.Context, ref question.Ref) (uuid.UUID, error) {
	var id uuid.UUID
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		old, err := lockQuestion(ctx, tx, ref)
		if err != nil {
			return err
		}
		id = old.ID
		if err := syncDraws(ctx, tx, old.ID, groupsOf(old.Difficulty, old.Topics), nil); err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `DELETE FROM questions WHERE id = $1`, old.ID); err != nil {
			return err
		}
		return notifyChanged(ctx, tx, old.ID)
	})
	if err != nil {
		return uuid.Nil, err
	}
	return id, nil
}

// lockQuestion reads the question ref names and locks it until the
// transaction ends.
func lockQuestion(ctx context.Context, tx pgx.Tx, ref question.Ref) (question.Question, error) {
	cond, arg := refWhere(ref, 1)
	var q question.Question
	err := tx.QueryRow(ctx, `SELECT q.id, q.difficulty, q.topics, q.created_at FROM questions q WHERE `+cond+` FOR UPDATE`, arg).
		Scan(&q.ID, &q.Difficulty, &q.Topics, &q.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return q, question.ErrNotFound
	}
	q.CreatedAt = q.CreatedAt.UTC()
	return q, err
}

func mapWriteError(err error) error {
	if postgres.IsUniqueViolation(err, "questions_slug_key") {
		return question.ErrSlugTaken
	}
	return err
}
