// Package postgres keeps execution-service's runs in PostgreSQL.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/peerprep/peerprep/services/execution/internal/harness"
	"github.com/peerprep/peerprep/services/execution/internal/run"
)

// Store implements run.Store.
type Store struct{ db *pgxpool.Pool }

// New returns a Store on db.
func New(db *pgxpool.Pool) *Store { return &Store{db: db} }

const columns = `id, user_id, username, coalesce(session_id::text, ''), question_id, language, mode, verdict, message,
	created_at, time_ms, memory_bytes, cases, first_failed_hidden, error`

// Insert implements run.Store.
func (s *Store) Insert(ctx context.Context, r run.Run) error {
	cases, err := json.Marshal(r.Cases)
	if err != nil {
		return fmt.Errorf("runs: encode cases: %w", err)
	}
	var runErr []byte
	if r.Error != nil {
		if runErr, err = json.Marshal(r.Error); err != nil {
			return fmt.Errorf("runs: encode error: %w", err)
		}
	}
	var session *string
	if r.SessionID != "" {
		session = &r.SessionID
	}
	_, err = s.db.Exec(ctx, `INSERT INTO runs (id, user_id, username, session_id, question_id, language, mode, verdict,
		message, created_at, time_ms, memory_bytes, cases, first_failed_hidden, error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		r.ID, r.UserID, r.Username, session, r.QuestionID, r.Language, r.Mode, string(r.Verdict),
		r.Message, r.CreatedAt, r.TimeMS, int64(r.MemoryBytes), cases, r.FirstFailedHidden, runErr)
	if err != nil {
		return fmt.Errorf("runs: insert: %w", err)
	}
	return nil
}

func scan(row pgx.Row) (run.Run, error) {
	var (
		r           run.Run
		verdict     string
		mem         int64
		cases, rErr []byte
		firstFailed *int32
	)
	err := row.Scan(&r.ID, &r.UserID, &r.Username, &r.SessionID, &r.QuestionID, &r.Language, &r.Mode, &verdict,
		&r.Message, &r.CreatedAt, &r.TimeMS, &mem, &cases, &firstFailed, &rErr)
	if err != nil {
		return run.Run{}, err
	}
	r.Verdict, r.MemoryBytes, r.CreatedAt = harness.Verdict(verdict), uint64(max(mem, 0)), r.CreatedAt.UTC()
	if firstFailed != nil {
		n := int(*firstFailed)
		r.FirstFailedHidden = &n
	}
	if err := json.Unmarshal(cases, &r.Cases); err != nil {
		return run.Run{}, fmt.Errorf("runs: decode cases of %s: %w", r.ID, err)
	}
	if rErr != nil {
		r.Error = new(harness.Error)
		if err := json.Unmarshal(rErr, r.Error); err != nil {
			return run.Run{}, fmt.Errorf("runs: decode error of %s: %w", r.ID, err)
		}
	}
	return r, nil
}

// Get implements run.Store.
func (s *Store) Get(ctx context.Context, id string) (run.Run, error) {
	r, err := scan(s.db.QueryRow(ctx, `SELECT `+columns+` FROM runs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return run.Run{}, run.ErrNotFound
	}
	if err != nil {
		return run.Run{}, fmt.Errorf("runs: get: %w", err)
	}
	return r, nil
}

// BySession implements run.Store: newest first.
func (s *Store) BySession(ctx context.Context, sessionID string, limit int) ([]run.Run, error) {
	rows, err := s.db.Query(ctx, `SELECT `+columns+` FROM runs WHERE session_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, sessionID, limit)
	if err != nil {
		return nil, fmt.Errorf("runs: by session: %w", err)
	}
	defer rows.Close()
	out := []run.Run{}
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("runs: by session: %w", err)
	}
	return out, nil
}
