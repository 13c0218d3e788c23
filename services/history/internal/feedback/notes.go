package feedback

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/validation"
)

// MaxNotesChars bounds a participant's private notes, in characters.
const MaxNotesChars = 10000

// Notes are a participant's private notes on a session (the mock
// interviewer's notes box). Only their author ever reads them.
type Notes struct {
	SessionID uuid.UUID
	UserID    uuid.UUID
	Text      string
	UpdatedAt time.Time
}

// NotesStore keeps private notes.
type NotesStore interface {
	// SaveNotes replaces the notes of (n.SessionID, n.UserID).
	SaveNotes(ctx context.Context, n Notes) (Notes, error)
	// Notes returns user's notes on sessionID; ok is false when none.
	Notes(ctx context.Context, sessionID, user uuid.UUID) (n Notes, ok bool, err error)
}

// NotesService keeps participants' private notes.
type NotesService struct {
	store    NotesStore
	sessions Sessions
	o        Options
}

// NewNotesService returns a NotesService.
func NewNotesService(store NotesStore, sessions Sessions, o Options) *NotesService {
	return &NotesService{store: store, sessions: sessions, o: o.withDefaults()}
}

// Save replaces user's notes on sessionID. Only the session's two
// participants may keep notes on it, during the session or after.
func (s *NotesService) Save(ctx context.Context, user, sessionID uuid.UUID, text string) (Notes, error) {
	text = strings.ReplaceAll(text, "\x00", "\uFFFD")
	var v validation.Error
	if !utf8.ValidString(text) {
		v.Add("notes", "must be valid UTF-8")
	} else if utf8.RuneCountInString(text) > MaxNotesChars {
		v.Add("notes", "must be at most 10000 characters")
	}
	if err := v.OrNil(); err != nil {
		return Notes{}, err
	}
	sctx, cancel := context.WithTimeout(ctx, s.o.SessionTimeout)
	sess, err := s.sessions.Session(sctx, sessionID)
	cancel()
	if err != nil {
		return Notes{}, fmt.Errorf("read session: %w", err)
	}
	if _, ok := sess.partner(user); !ok {
		return Notes{}, ErrNotParticipant
	}
	n, err := s.store.SaveNotes(ctx, Notes{SessionID: sessionID, UserID: user, Text: text, UpdatedAt: s.o.Now().UTC().Truncate(time.Microsecond)})
	if err != nil {
		return Notes{}, fmt.Errorf("save notes: %w", err)
	}
	return n, nil
}

// Get returns user's own notes on sessionID (empty when none).
func (s *NotesService) Get(ctx context.Context, user, sessionID uuid.UUID) (Notes, error) {
	n, ok, err := s.store.Notes(ctx, sessionID, user)
	if err != nil {
		return Notes{}, fmt.Errorf("read notes: %w", err)
	}
	if !ok {
		return Notes{SessionID: sessionID, UserID: user}, nil
	}
	return n, nil
}
