package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/peerprep/peerprep/services/question/internal/question"
)

// The random draw. Each question holds a slot in every draw group it
// belongs to ((its difficulty or "*") × (each of its topics or "*")), and
// each group's slots are numbered densely from 1, so a uniform pick is a
// random slot number (draw_question in the migrations). Writes keep the
// numbering dense inside their transaction (syncDraws).

// groupKey names the draw group of a difficulty and at most one topic.
func groupKey(d question.Difficulty, topics []string) (string, string) {
	diff, topic := string(d), "*"
	if diff == "" {
		diff = "*"
	}
	if len(topics) == 1 {
		topic = topics[0]
	}
	return diff, topic
}

// group is a draw group: a difficulty or "*" with a topic or "*".
type group struct{ difficulty, topic string }

func (g group) compare(h group) int {
	if c := strings.Compare(g.difficulty, h.difficulty); c != 0 {
		return c
	}
	return strings.Compare(g.topic, h.topic)
}

// groupsOf lists the draw groups a question with d and topics belongs to.
func groupsOf(d question.Difficulty, topics []string) []group {
	gs := []group{{string(d), "*"}, {"*", "*"}}
	for _, t := range topics {
		gs = append(gs, group{string(d), t}, group{"*", t})
	}
	return gs
}

// syncDraws moves question id from the draw groups in from to those in to.
// Groups are visited in one global order so that concurrent writers lock
// them in the same order and cannot deadlock.
func syncDraws(ctx context.Context, tx pgx.Tx, id uuid.UUID, from, to []group) error {
	all := slices.Concat(from, to)
	slices.SortFunc(all, group.compare)
	all = slices.Compact(all)
	for _, g := range all {
		inFrom, inTo := slices.Contains(from, g), slices.Contains(to, g)
		var err error
		switch {
		case inFrom && !inTo:
			err = leaveGroup(ctx, tx, g, id)
		case inTo && !inFrom:
			err = joinGroup(ctx, tx, g, id)
		}
		if err != nil {
			return fmt.Errorf("draw group %s/%s: %w", g.difficulty, g.topic, err)
		}
	}
	return nil
}

// joinGroup gives id the slot after the group's last.
func joinGroup(ctx context.Context, tx pgx.Tx, g group, id uuid.UUID) error {
	// The upsert locks the group row, so size is this transaction's to use.
	_, err := tx.Exec(ctx, `
		WITH g AS (
			INSERT INTO draw_groups AS g (difficulty, topic, size) VALUES ($1, $2, 1)
			ON CONFLICT (difficulty, topic) DO UPDATE SET size = g.size + 1
			RETURNING size
		)
		INSERT INTO draw_slots (difficulty, topic, seq, question_id)
		SELECT $1, $2, size, $3 FROM g`, g.difficulty, g.topic, id)
	return err
}

// leaveGroup frees id's slot and moves the group's last slot into it. Each
// statement runs after the group row is locked and reads the latest
// committed slots (READ COMMITTED), so the numbering stays dense.
func leaveGroup(ctx context.Context, tx pgx.Tx, g group, id uuid.UUID) error {
	var last, seq int
	err := tx.QueryRow(ctx, `
		UPDATE draw_groups SET size = size - 1
		WHERE difficulty = $1 AND topic = $2
		RETURNING size + 1`, g.difficulty, g.topic).Scan(&last)
	if err != nil {
		return fmt.Errorf("lock group: %w", err)
	}
	err = tx.QueryRow(ctx, `
		DELETE FROM draw_slots WHERE difficulty = $1 AND topic = $2 AND question_id = $3
		RETURNING seq`, g.difficulty, g.topic, id).Scan(&seq)
	if err != nil {
		return fmt.Errorf("free slot: %w", err)
	}
	if seq == last {
		return nil
	}
	_, err = tx.Exec(ctx, `
		UPDATE draw_slots SET seq = $3
		WHERE difficulty = $1 AND topic = $2 AND seq = $4`, g.difficulty, g.topic, seq, last)
	return err
}

// RebuildDraws renumbers every draw group from the questions table. Bulk
// loads that bypass Insert (the benchmark generator) call it afterwards.
func (s *Store) RebuildDraws(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, sql := range []string{
			`LOCK TABLE questions IN SHARE MODE`, // no writer may run meanwhile
			`TRUNCATE draw_slots, draw_groups`,
			`INSERT INTO draw_slots (difficulty, topic, seq, question_id)
			 SELECT d.difficulty, t.topic,
			        row_number() OVER (PARTITION BY d.difficulty, t.topic ORDER BY q.id), q.id
			 FROM questions q
			 CROSS JOIN LATERAL (VALUES (q.difficulty), ('*')) AS d (difficulty)
			 CROSS JOIN LATERAL (SELECT unnest(q.topics) UNION ALL SELECT '*') AS t (topic)`,
			`INSERT INTO draw_groups (difficulty, topic, size)
			 SELECT difficulty, topic, count(*) FROM draw_slots GROUP BY difficulty, topic`,
		} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		return nil
	})
}

// Random implements question.Store.
func (s *Store) Random(ctx context.Context, f question.RandomFilter) (question.Question, error) {
	ex := splitRefs(f.Exclude)
	if len(f.Topics) <= 1 {
		d, t := groupKey(f.Difficulty, f.Topics)
		return drawOne(ctx, s.pool, group{d, t}, ex, rand.Float64())
	}
	var q question.Question
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		q, err = drawAmong(ctx, tx, f.Difficulty, f.Topics, ex)
		return err
	})
	return q, err
}

// exclusion is a list of questions a pick must avoid, by id and by slug.
type exclusion struct {
	ids   []uuid.UUID
	slugs []string
}

func splitRefs(refs []question.Ref) exclusion {
	ex := exclusion{ids: []uuid.UUID{}, slugs: []string{}}
	for _, r := range refs {
		if r.IsID() {
			ex.ids = append(ex.ids, r.ID)
		} else {
			ex.slugs = append(ex.slugs, r.Slug)
		}
	}
	return ex
}

// drawOne picks uniformly among the non-excluded questions of g with the
// draw_question function of the migrations; u in [0, 1) chooses which.
func drawOne(ctx context.Context, db querier, g group, ex exclusion, u float64) (question.Question, error) {
	return scanQuestion(db.QueryRow(ctx, `SELECT `+questionColumns+`
		FROM draw_question($1, $2, $3::uuid[], $4::text[], $5::float8) AS d (id)
		JOIN questions q ON q.id = d.id`, g.difficulty, g.topic, ex.ids, ex.slugs, u))
}

// maxDraws bounds the rejection loop of drawAmong. A question has at most
// five topics, so each round accepts with probability ≥ 1/5 and 200 rounds
// all fail with probability below 10⁻¹⁹.
const maxDraws = 200

// drawAmong picks uniformly among the non-excluded questions carrying any of
// topics (at difficulty d when set). Groups overlap, so it picks a slot
// uniformly from the union of the groups' slots, then keeps the question
// with probability 1/(how many of the groups hold it): every question ends
// up equally likely. tx must be REPEATABLE READ so the sizes hold.
func drawAmong(ctx context.Context, tx pgx.Tx, d question.Difficulty, topics []string, ex exclusion) (question.Question, error) {
	diff, _ := groupKey(d, nil)
	rows, err := tx.Query(ctx, `
		SELECT coalesce(g.size, 0) - (
			SELECT count(*) FROM draw_slots s
			WHERE s.difficulty = $1 AND s.topic = t.topic
			  AND s.question_id IN (SELECT id FROM questions WHERE id = ANY($3::uuid[]) OR slug = ANY($4::text[])))::integer
		FROM unnest($2::text[]) WITH ORDINALITY AS t (topic, i)
		LEFT JOIN draw_groups g ON g.difficulty = $1 AND g.topic = t.topic
		ORDER BY t.i`, diff, topics, ex.ids, ex.slugs)
	if err != nil {
		return question.Question{}, err
	}
	free, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return question.Question{}, err
	}
	sum := 0
	for _, m := range free {
		sum += m
	}
	if sum == 0 {
		return question.Question{}, question.ErrNotFound
	}
	for range maxDraws {
		r := rand.IntN(sum)
		i := 0
		for r >= free[i] {
			r -= free[i]
			i++
		}
		// (r + ½)/m lands strictly inside the r-th of m equal steps.
		q, err := drawOne(ctx, tx, group{diff, topics[i]}, ex, (float64(r)+0.5)/float64(free[i]))
		if err != nil {
			return question.Question{}, err
		}
		shared := 0
		for _, t := range q.Topics {
			if slices.Contains(topics, t) {
				shared++
			}
		}
		if shared > 0 && rand.IntN(shared) == 0 {
			return q, nil
		}
	}
	return question.Question{}, errors.New("random draw did not settle")
}
