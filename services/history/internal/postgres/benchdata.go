package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// BenchData describes a synthetic data set for benchmarks: Rows attempts in
// all, UserAttempts of them by User, the rest spread over OtherUsers users.
type BenchData struct {
	Rows         int
	UserAttempts int
	User         uuid.UUID
	OtherUsers   int
	Questions    int
	Days         int // attempts end within this many days before now
	Chunk        int // rows per INSERT statement
}

// benchCode is the body of every generated attempt's code (~700 bytes, about
// what a finished interview answer is); %s makes each one distinct.
const benchCode = `from typing import List

class Solution:
    def solve_%1$s(self, nums: List[int], target: int) -> List[int]:
        """Return the indices of the two numbers that add up to target."""
        seen = {}
        for i, n in enumerate(nums):
            want = target - n
            if want in seen:
                return [seen[want], i]
            seen[n] = i
        return []


def test_%1$s():
    s = Solution()
    assert s.solve_%1$s([2, 7, 11, 15], 9) == [0, 1]
    assert s.solve_%1$s([3, 2, 4], 6) == [1, 2]
    assert s.solve_%1$s([3, 3], 6) == [0, 1]
    # attempt %1$s: edge cases below were discussed with the partner
    assert s.solve_%1$s([], 1) == []
    assert s.solve_%1$s([1], 1) == []
`

// GenerateBenchData inserts d into the attempts table with server-side
// generate_series (no rows cross the network), then VACUUM ANALYZEs so the
// planner and index-only scans see the data as a long-lived table would.
// progress, when not nil, is called after each chunk.
func (s *Store) GenerateBenchData(ctx context.Context, d BenchData, progress func(done int)) error {
	if d.Chunk <= 0 {
		d.Chunk = 100_000
	}
	if d.OtherUsers <= 0 || d.Questions <= 0 || d.Days <= 0 || d.UserAttempts > d.Rows {
		return fmt.Errorf("bench data: bad parameters %+v", d)
	}
	for from := 1; from <= d.Rows; from += d.Chunk {
		to := min(d.Rows, from+d.Chunk-1)
		// Row g belongs to the bench user when g <= UserAttempts. Question q
		// has a fixed difficulty and two of twelve topics, like a seed set.
		_, err := s.pool.Exec(ctx, `
			WITH g AS (
				SELECT g,
				       CASE WHEN g <= $3 THEN $4::uuid ELSE md5('user-' || (g % $5))::uuid END AS user_id,
				       md5('partner-' || (g % 997))::uuid AS partner_id,
				       (g::bigint * 7919 % $6)::int AS q,
				       now() - random() * make_interval(days => $7) AS ended_at
				FROM generate_series($1::int, $2::int) AS g
			)
			INSERT INTO attempts (id, session_id, user_id, partner_id, question_id, language, code,
				started_at, ended_at, created_at, snapshot_status,
				question_title, question_slug, question_difficulty, question_topics)
			SELECT gen_random_uuid(), gen_random_uuid(), user_id, partner_id,
			       md5('question-' || q)::uuid,
			       (ARRAY['python','javascript','java','cpp','go'])[1 + g % 5],
			       format($8, g),
			       ended_at - make_interval(mins => 10 + (g % 50)), ended_at, ended_at,
			       'ready',
			       'Question ' || q, 'question-' || q,
			       (ARRAY['easy','medium','hard'])[1 + q % 3],
			       ARRAY[(ARRAY['array','string','hash-table','dynamic-programming','math','sorting',
			                    'greedy','graph','tree','binary-search','two-pointers','stack'])[1 + q % 12],
			             (ARRAY['recursion','bit-manipulation','heap','sliding-window','trie','design'])[1 + q % 6]]
			FROM g`,
			from, to, d.UserAttempts, d.User, d.OtherUsers, d.Questions, d.Days, benchCode)
		if err != nil {
			return fmt.Errorf("bench data rows %d-%d: %w", from, to, err)
		}
		if progress != nil {
			progress(to)
		}
	}
	// The rows bypassed Insert, so the running totals are rebuilt from them.
	_, err := s.pool.Exec(ctx, `
		DELETE FROM attempt_counts;
		DELETE FROM attempt_days;
		INSERT INTO attempt_counts (user_id, question_id, difficulty, topics, attempts)
		SELECT user_id, question_id, coalesce(question_difficulty, ''), question_topics, count(*)
		FROM attempts GROUP BY 1, 2, 3, 4;
		INSERT INTO attempt_days (user_id, day, attempts)
		SELECT user_id, (ended_at AT TIME ZONE 'UTC')::date, count(*) FROM attempts GROUP BY 1, 2`)
	if err != nil {
		return fmt.Errorf("bench data: totals: %w", err)
	}
	vctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	if _, err := s.pool.Exec(vctx, `VACUUM (ANALYZE) attempts, attempt_counts, attempt_days`); err != nil {
		return fmt.Errorf("bench data: vacuum: %w", err)
	}
	return nil
}
