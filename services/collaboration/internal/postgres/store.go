// Package postgres keeps collaboration-service's sessions and the stored
// updates of their documents in PostgreSQL.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
	"github.com/peerprep/peerprep/services/collaboration/internal/session"
)

// Store implements session.Store and the document storage.
type Store struct{ db *pgxpool.Pool }

// New returns a Store on db.
func New(db *pgxpool.Pool) *Store { return &Store{db: db} }

const sessionColumns = `id, match_id, user_a, user_b, question_id, language, status, coalesce(end_reason, ''),
	created_at, ended_at, left_a_at, left_b_at, code, code_language, code_updated_at,
	mode, coalesce(interviewer_id::text, ''), joined_a_at, joined_b_at`

type scanner interface{ Scan(dest ...any) error }

func scanSession(row scanner, extra ...any) (session.Session, error) {
	var s session.Session
	dest := append([]any{&s.ID, &s.MatchID, &s.UserIDs[0], &s.UserIDs[1], &s.QuestionID, &s.Language, &s.Status,
		&s.EndReason, &s.CreatedAt, &s.EndedAt, &s.LeftAt[0], &s.LeftAt[1], &s.Code, &s.CodeLanguage, &s.CodeUpdatedAt,
		&s.Mode, &s.InterviewerID, &s.JoinedAt[0], &s.JoinedAt[1]}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return session.Session{}, session.ErrNotFound
		}
		return session.Session{}, err
	}
	s.CreatedAt = s.CreatedAt.UTC()
	for _, t := range []*time.Time{s.EndedAt, s.LeftAt[0], s.LeftAt[1], s.CodeUpdatedAt, s.JoinedAt[0], s.JoinedAt[1]} {
		if t != nil {
			*t = t.UTC()
		}
	}
	return s, nil
}

// micros turns a duration into the bigint the SQL multiplies by an interval.
func micros(d time.Duration) int64 { return d.Microseconds() }

// Create implements session.Store.
func (s *Store) Create(ctx context.Context, in session.Session) (session.Session, bool, error) {
	var interviewer *string
	if in.InterviewerID != "" {
		interviewer = &in.InterviewerID
	}
	out, err := scanSession(s.db.QueryRow(ctx, `INSERT INTO sessions (id, match_id, user_a, user_b, question_id, language, mode, interviewer_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (match_id) DO NOTHING RETURNING `+sessionColumns,
		in.ID, in.MatchID, in.UserIDs[0], in.UserIDs[1], in.QuestionID, in.Language, in.ModeOrDefault(), interviewer))
	if err == nil {
		return out, true, nil
	}
	if !errors.Is(err, session.ErrNotFound) {
		return session.Session{}, false, err
	}
	out, err = scanSession(s.db.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE match_id = $1`, in.MatchID))
	return out, false, err
}

// Get implements session.Store.
func (s *Store) Get(ctx context.Context, id string) (session.Session, error) {
	return scanSession(s.db.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1`, id))
}

// Current implements session.Store.
func (s *Store) Current(ctx context.Context, user string) (session.Session, error) {
	return scanSession(s.db.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE status = 'active' AND ((user_a = $1 AND left_a_at IS NULL) OR (user_b = $1 AND left_b_at IS NULL))
		ORDER BY created_at DESC LIMIT 1`, user))
}

// SaveSnapshot implements session.Store.
// A snapshot naming the first question of a mock interview that has
// already swapped (one the old editor sent late) replaces the kept first
// code instead of the session's, which is the second question's by then.
func (s *Store) SaveSnapshot(ctx context.Context, id, user string, snap session.Snapshot) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `
		WITH me AS (
			SELECT id FROM sessions
			WHERE id = $1 AND status = 'active'
			  AND ((user_a = $2 AND left_a_at IS NULL) OR (user_b = $2 AND left_b_at IS NULL))
		), late AS (
			UPDATE interviews SET first_code = $3, first_code_language = $4
			WHERE session_id IN (SELECT id FROM me) AND $5 <> '' AND swapped_at IS NOT NULL
			  AND first_question = $5 AND second_question <> $5
			RETURNING 1
		), editing AS (
			UPDATE sessions SET code = $3, code_language = $4, code_updated_at = now()
			WHERE id IN (SELECT id FROM me) AND NOT EXISTS (
				SELECT 1 FROM interviews WHERE session_id = $1 AND $5 <> '' AND swapped_at IS NOT NULL
				  AND first_question = $5 AND second_question <> $5)
			RETURNING 1
		)
		SELECT (SELECT count(*) FROM late) + (SELECT count(*) FROM editing)`,
		id, user, snap.Code, snap.Language, snap.QuestionID).Scan(&n)
	if err != nil {
		return false, err
	}
	return n > 0, nil
}

// Update implements session.Store. The row lock orders two participants
// leaving at once: the second sees the first's departure and ends it.
func (s *Store) Update(ctx context.Context, id string, fn func(*session.Session) error) (out session.Session, err error) {
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		cur, err := scanSession(tx.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		was := cur.Status
		if err := fn(&cur); err != nil {
			return err
		}
		endsNow := was != session.StatusEnded && cur.Status == session.StatusEnded
		out, err = scanSession(tx.QueryRow(ctx, `UPDATE sessions SET status = $2, end_reason = NULLIF($3, ''),
				ended_at = $4, left_a_at = $5, left_b_at = $6,
				history_next_try_at = CASE WHEN $7 THEN now() ELSE history_next_try_at END
			WHERE id = $1 RETURNING `+sessionColumns,
			id, cur.Status, cur.EndReason, cur.EndedAt, cur.LeftAt[0], cur.LeftAt[1], endsNow))
		return err
	})
	return out, err
}

// MarkJoined implements session.Store: the first time only.
func (s *Store) MarkJoined(ctx context.Context, id, user string) error {
	_, err := s.db.Exec(ctx, `UPDATE sessions SET
			joined_a_at = CASE WHEN user_a = $2 THEN coalesce(joined_a_at, now()) ELSE joined_a_at END,
			joined_b_at = CASE WHEN user_b = $2 THEN coalesce(joined_b_at, now()) ELSE joined_b_at END
		WHERE id = $1 AND status = 'active' AND (user_a = $2 AND joined_a_at IS NULL OR user_b = $2 AND joined_b_at IS NULL)`, id, user)
	return err
}

// EndNoShow implements session.Store. One conditional statement: a join
// recorded first keeps the session, a join after it finds it ended. A
// no-show records no attempts (history_next_try_at stays NULL).
func (s *Store) EndNoShow(ctx context.Context, id string, absent []string) (session.Session, bool, error) {
	out, err := scanSession(s.db.QueryRow(ctx, `UPDATE sessions SET status = 'ended', ended_at = now(), end_reason = 'no_show'
		WHERE id = $1 AND status = 'active'
		  AND NOT (user_a = ANY($2::uuid[]) AND joined_a_at IS NOT NULL)
		  AND NOT (user_b = ANY($2::uuid[]) AND joined_b_at IS NOT NULL)
		RETURNING `+sessionColumns, id, absent))
	if err == nil {
		return out, true, nil
	}
	if !errors.Is(err, session.ErrNotFound) {
		return session.Session{}, false, err
	}
	out, err = s.Get(ctx, id)
	return out, false, err
}

// Heartbeat implements session.Store.
func (s *Store) Heartbeat(ctx context.Context, ids []string) ([]session.State, error) {
	rows, err := s.db.Query(ctx, `UPDATE sessions SET last_seen_at = now() WHERE id = ANY($1::uuid[])
		RETURNING id, status = 'ended', user_a, user_b, left_a_at IS NOT NULL, left_b_at IS NOT NULL`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (session.State, error) {
		var (
			st           session.State
			a, b         string
			leftA, leftB bool
		)
		if err := r.Scan(&st.ID, &st.Ended, &a, &b, &leftA, &leftB); err != nil {
			return st, err
		}
		if leftA {
			st.Left = append(st.Left, a)
		}
		if leftB {
			st.Left = append(st.Left, b)
		}
		return st, nil
	})
}

// Touch implements session.Store.
func (s *Store) Touch(ctx context.Context, id string) error {
	_, err := s.db.Exec(ctx, `UPDATE sessions SET last_seen_at = now() WHERE id = $1 AND status = 'active'`, id)
	return err
}

// EndIdle implements session.Store. The outer condition is checked again
// on the locked row, so a heartbeat that just landed keeps the session.
func (s *Store) EndIdle(ctx context.Context, idle time.Duration, limit int) ([]session.Session, error) {
	rows, err := s.db.Query(ctx, `UPDATE sessions SET status = 'ended', ended_at = now(), end_reason = 'idle',
			history_next_try_at = now()
		WHERE id IN (SELECT id FROM sessions WHERE status = 'active' AND last_seen_at < now() - $1 * interval '1 microsecond'
				ORDER BY last_seen_at LIMIT $2 FOR UPDATE SKIP LOCKED)
		  AND status = 'active' AND last_seen_at < now() - $1 * interval '1 microsecond'
		RETURNING `+sessionColumns, micros(idle), limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (session.Session, error) { return scanSession(r) })
}

// ClaimHistory implements session.Store.
func (s *Store) ClaimHistory(ctx context.Context, lease time.Duration) (session.Claim, error) {
	var c session.Claim
	var err error
	c.Session, err = scanSession(s.db.QueryRow(ctx, `UPDATE sessions
		SET history_next_try_at = now() + $1 * interval '1 microsecond', history_tries = history_tries + 1
		WHERE id = (SELECT id FROM sessions
				WHERE status = 'ended' AND history_recorded_at IS NULL AND history_error IS NULL AND history_next_try_at <= now()
				ORDER BY history_next_try_at LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING `+sessionColumns+`, history_tries - 1`, micros(lease)), &c.Tries)
	if err != nil || c.Mode != session.ModeMock {
		return c, err
	}
	// A mock interview is recorded per question, with each person's role.
	var sw session.Swap
	var swappedAt *time.Time
	var firstCode, firstLang *string
	err = s.db.QueryRow(ctx, `SELECT first_interviewer, first_question, second_question, swapped_at, first_code, first_code_language
		FROM interviews WHERE session_id = $1`, c.ID).Scan(&sw.FirstInterviewer, &sw.FirstQuestion, &sw.SecondQuestion, &swappedAt, &firstCode, &firstLang)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return c, nil // created before interviews were kept: one attempt each, as practise
	case err != nil:
		return c, fmt.Errorf("read the interview of %s: %w", c.ID, err)
	}
	if swappedAt != nil && firstCode != nil {
		sw.SwappedAt, sw.FirstCode, sw.FirstLanguage = swappedAt.UTC(), *firstCode, deref(firstLang)
	}
	c.Interview = &sw
	return c, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// HistoryRecorded implements session.Store.
func (s *Store) HistoryRecorded(ctx context.Context, id string) error {
	_, err := s.db.Exec(ctx, `UPDATE sessions SET history_recorded_at = now(), history_next_try_at = NULL WHERE id = $1`, id)
	return err
}

// HistoryRetry implements session.Store.
func (s *Store) HistoryRetry(ctx context.Context, id string, after time.Duration, _ string) error {
	_, err := s.db.Exec(ctx, `UPDATE sessions SET history_next_try_at = now() + $2 * interval '1 microsecond'
		WHERE id = $1 AND history_recorded_at IS NULL`, id, micros(after))
	return err
}

// HistoryFailed implements session.Store.
func (s *Store) HistoryFailed(ctx context.Context, id, reason string) error {
	_, err := s.db.Exec(ctx, `UPDATE sessions SET history_error = $2, history_next_try_at = NULL WHERE id = $1`, id, reason)
	return err
}

// docLock is the advisory lock key of a session's document.
func docLock(sessionID string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("doc:" + sessionID))
	return int64(h.Sum64())
}

// Covered returns how far in the stream the session's stored snapshots
// reach.
func (s *Store) Covered(ctx context.Context, sessionID string) (doc.StreamID, error) {
	var c doc.StreamID
	err := s.db.QueryRow(ctx, `SELECT doc_covered_ms, doc_covered_seq FROM sessions WHERE id = $1`, sessionID).Scan(&c.Ms, &c.Seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return doc.StreamID{}, nil
	}
	return c, err
}

// LoadDoc returns every stored update of a session; their entry ids only
// when withIDs (they are needed to tell stored entries from streamed ones).
// It holds the document lock (shared) while reading, so no insert is half
// done: every update with seq up to MaxSeq is in the result.
func (s *Store) LoadDoc(ctx context.Context, sessionID string, withIDs bool) (doc.Loaded, error) {
	var out doc.Loaded
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		// Memory enough to sort a large uncompacted history without
		// spilling to disk when the planner's statistics are stale.
		if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, docLock(sessionID)); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT doc_covered_ms, doc_covered_seq FROM sessions WHERE id = $1`, sessionID).
			Scan(&out.Covered.Ms, &out.Covered.Seq)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		// ORDER BY the whole primary key, which the index scan provides.
		rows, err := tx.Query(ctx, `SELECT seq, data, CASE WHEN $2 THEN entry_id ELSE '' END FROM doc_updates
			WHERE session_id = $1 ORDER BY session_id, seq`, sessionID, withIDs)
		if err != nil {
			return err
		}
		defer rows.Close()
		// A big history is tens of thousands of tiny updates: copy the raw
		// column values into shared blocks instead of allocating per row.
		binary := true
		for _, f := range rows.FieldDescriptions()[:2] {
			binary = binary && f.Format == pgx.BinaryFormatCode
		}
		var arena []byte
		for rows.Next() {
			var u doc.Update
			var data []byte
			if raw := rows.RawValues(); binary && len(raw[0]) == 8 {
				u.Seq, data = int64(bigEndian(raw[0])), raw[1]
				if withIDs {
					u.EntryID = string(raw[2])
				}
			} else if err := rows.Scan(&u.Seq, &data, &u.EntryID); err != nil {
				return err
			}
			if len(arena)+len(data) > cap(arena) {
				arena = make([]byte, 0, max(256<<10, len(data)))
			}
			start := len(arena)
			arena = append(arena, data...)
			u.Data = arena[start:len(arena):len(arena)]
			out.Updates = append(out.Updates, u)
			out.MaxSeq = max(out.MaxSeq, u.Seq)
		}
		return rows.Err()
	})
	if err != nil {
		return doc.Loaded{}, fmt.Errorf("load document: %w", err)
	}
	return out, nil
}

func bigEndian(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// PersistUpdates stores updates read from the streams; an entry stored
// before, or covered by a stored snapshot, is skipped, so redelivery is
// harmless.
func (s *Store) PersistUpdates(ctx context.Context, ups []doc.Update) error {
	if len(ups) == 0 {
		return nil
	}
	var (
		sids, entries = make([]string, len(ups)), make([]string, len(ups))
		ms, seqs      = make([]int64, len(ups)), make([]int64, len(ups))
		data          = make([][]byte, len(ups))
		locks         []int64
	)
	for i, u := range ups {
		sids[i], entries[i], ms[i], seqs[i], data[i] = u.SessionID, u.EntryID, u.Stream.Ms, u.Stream.Seq, u.Data
		locks = append(locks, docLock(u.SessionID))
	}
	slices.Sort(locks) // one order for every transaction: no deadlocks
	locks = slices.Compact(locks)
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) WITH ORDINALITY AS l(k, n) ORDER BY n`, locks); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO doc_updates (session_id, entry_id, stream_ms, stream_seq, data)
			SELECT u.* FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::bytea[]) AS u(sid, entry, ms, seq, data)
			JOIN sessions s ON s.id = u.sid
			WHERE (u.ms, u.seq) > (s.doc_covered_ms, s.doc_covered_seq)
			ON CONFLICT (session_id, entry_id) DO NOTHING`, sids, entries, ms, seqs, data)
		return err
	})
	if err != nil {
		return fmt.Errorf("persist %d updates: %w", len(ups), err)
	}
	return nil
}

// Compact stores a client's full state as one update, deletes the stored
// updates it covers and notes how far in the stream it reaches. It returns
// how many updates it deleted.
func (s *Store) Compact(ctx context.Context, snap doc.Update, c doc.Coverage) (int64, error) {
	var deleted int64
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, docLock(snap.SessionID)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO doc_updates (session_id, entry_id, stream_ms, stream_seq, data)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session_id, entry_id) DO NOTHING`,
			snap.SessionID, snap.EntryID, snap.Stream.Ms, snap.Stream.Seq, snap.Data); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM doc_updates WHERE session_id = $1 AND entry_id <> $2
			AND (seq <= $3 OR (stream_ms, stream_seq) <= ($4, $5))`,
			snap.SessionID, snap.EntryID, c.MaxSeq, c.UpTo.Ms, c.UpTo.Seq)
		if err != nil {
			return err
		}
		deleted = tag.RowsAffected()
		_, err = tx.Exec(ctx, `UPDATE sessions SET doc_covered_ms = $2, doc_covered_seq = $3
			WHERE id = $1 AND (doc_covered_ms, doc_covered_seq) < ($2, $3)`, snap.SessionID, c.UpTo.Ms, c.UpTo.Seq)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("compact document: %w", err)
	}
	return deleted, nil
}
