package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/peerprep/peerprep/services/collaboration/internal/interview"
)

// Interviews implements interview.Store on the same database.
type Interviews struct{ s *Store }

// Interviews returns the interview store of s's database.
func (s *Store) Interviews() *Interviews { return &Interviews{s: s} }

var _ interview.Store = (*Interviews)(nil)

const interviewColumns = `first_interviewer, first_candidate, phase, phase_started_at, phase_ms, swap_votes,
	status, end_reason, ended_at, version, first_question, second_question`

func scanInterview(row pgx.Row) (interview.State, error) {
	var st interview.State
	var ms int64
	err := row.Scan(&st.Users[0], &st.Users[1], &st.Phase, &st.PhaseStartedAt, &ms, &st.SwapVotes,
		&st.Status, &st.EndReason, &st.EndedAt, &st.Version, &st.QuestionIDs[0], &st.QuestionIDs[1])
	if err != nil {
		return interview.State{}, err
	}
	st.PhaseLength = time.Duration(ms) * time.Millisecond
	st.PhaseStartedAt = st.PhaseStartedAt.UTC()
	if st.EndedAt != nil {
		*st.EndedAt = st.EndedAt.UTC()
	}
	if st.SwapVotes == nil {
		st.SwapVotes = []string{}
	}
	return st, nil
}

// Load implements interview.Store.
func (i *Interviews) Load(ctx context.Context, sid string) (interview.State, bool, error) {
	st, err := scanInterview(i.s.db.QueryRow(ctx, `SELECT `+interviewColumns+` FROM interviews WHERE session_id = $1`, sid))
	if errors.Is(err, pgx.ErrNoRows) {
		return interview.State{}, false, nil
	}
	if err != nil {
		return interview.State{}, false, fmt.Errorf("load interview: %w", err)
	}
	return st, true, nil
}

// Create implements interview.Store.
func (i *Interviews) Create(ctx context.Context, sid string, st interview.State) (interview.State, error) {
	_, err := i.s.db.Exec(ctx, `INSERT INTO interviews (session_id, `+interviewColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (session_id) DO NOTHING`,
		sid, st.Users[0], st.Users[1], st.Phase, st.PhaseStartedAt, st.PhaseLength.Milliseconds(), st.SwapVotes,
		st.Status, st.EndReason, st.EndedAt, st.Version, st.QuestionIDs[0], st.QuestionIDs[1])
	if err != nil {
		return interview.State{}, fmt.Errorf("create interview: %w", err)
	}
	got, ok, err := i.Load(ctx, sid)
	if err == nil && !ok {
		err = errors.New("create interview: the row vanished")
	}
	return got, err
}

// Save implements interview.Store.
func (i *Interviews) Save(ctx context.Context, sid string, prev int64, st interview.State) (bool, error) {
	// The swap (phase 1 → 2) keeps the first question's code: the
	// session's latest snapshot, which the editors stop updating for it.
	tag, err := i.s.db.Exec(ctx, `UPDATE interviews i SET phase = $3::smallint, phase_started_at = $4::timestamptz, swap_votes = $5,
		status = $6, end_reason = $7, ended_at = $8, version = $9, second_question = $10,
		first_code = CASE WHEN i.phase = 1 AND $3::smallint = 2 THEN s.code ELSE i.first_code END,
		first_code_language = CASE WHEN i.phase = 1 AND $3::smallint = 2 THEN coalesce(nullif(s.code_language, ''), s.language) ELSE i.first_code_language END,
		swapped_at = CASE WHEN i.phase = 1 AND $3::smallint = 2 THEN $4::timestamptz ELSE i.swapped_at END
		FROM sessions s
		WHERE i.session_id = $1 AND i.version = $2 AND s.id = i.session_id`,
		sid, prev, st.Phase, st.PhaseStartedAt, st.SwapVotes, st.Status, st.EndReason, st.EndedAt, st.Version, st.QuestionIDs[1])
	if err != nil {
		return false, fmt.Errorf("save interview: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}
