package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/peerprep/peerprep/services/history/internal/feedback"
)

var _ feedback.NotesStore = (*FeedbackStore)(nil)

// SaveNotes implements feedback.NotesStore.
func (s *FeedbackStore) SaveNotes(ctx context.Context, n feedback.Notes) (feedback.Notes, error) {
	_, err := s.pool.Exec(ctx, `INSERT INTO session_notes (session_id, user_id, notes, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (session_id, user_id) DO UPDATE SET notes = excluded.notes, updated_at = excluded.updated_at`,
		n.SessionID, n.UserID, n.Text, n.UpdatedAt)
	if err != nil {
		return feedback.Notes{}, fmt.Errorf("save notes: %w", err)
	}
	return n, nil
}

// Notes implements feedback.NotesStore.
func (s *FeedbackStore) Notes(ctx context.Context, sessionID, user uuid.UUID) (feedback.Notes, bool, error) {
	n := feedback.Notes{SessionID: sessionID, UserID: user}
	err := s.pool.QueryRow(ctx, `SELECT notes, updated_at FROM session_notes WHERE session_id = $1 AND user_id = $2`,
		sessionID, user).Scan(&n.Text, &n.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return n, false, nil
	}
	if err != nil {
		return feedback.Notes{}, false, fmt.Errorf("read notes: %w", err)
	}
	n.UpdatedAt = n.UpdatedAt.UTC()
	return n, true, nil
}
