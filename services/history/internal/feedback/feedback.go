// Package feedback is what one participant of a session thinks of the
// other: three ratings from 1 to 5 and an optional comment, given once per
// session, editable by its author for a day, and shown to the person rated
// on their attempt and as averages. It knows nothing of HTTP or SQL.
package feedback

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/validation"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
)

// Limits of a feedback.
const (
	MinRating = 1
	MaxRating = 5
	// MaxCommentChars bounds a comment, counted in characters (runes).
	MaxCommentChars = 1000
	// EditWindow is how long after giving it the author may change it.
	EditWindow = 24 * time.Hour
	// PendingWindow is how far back the reminder looks for sessions the
	// caller ended without giving feedback.
	PendingWindow = 7 * 24 * time.Hour
	// MaxPending bounds the reminder's list.
	MaxPending = 20
)

// Domain errors; httpapi maps them to statuses.
var (
	// ErrSessionNotFound: collaboration-service knows no such session.
	ErrSessionNotFound = errors.New("session not found")
	// ErrNotParticipant: the caller is not one of the session's two users.
	ErrNotParticipant = errors.New("not a participant of the session")
	// ErrSessionInProgress: the caller is still in the session.
	ErrSessionInProgress = errors.New("the session is still in progress")
	// ErrEditWindowClosed: the feedback was given more than EditWindow ago.
	ErrEditWindowClosed = errors.New("feedback can no longer be changed")
	// ErrSessionsUnavailable: collaboration-service could not be asked.
	ErrSessionsUnavailable = errors.New("collaboration-service is unavailable")
)

// Ratings are the three scores, each MinRating..MaxRating.
type Ratings struct {
	ProblemSolving int
	Communication  int
	CodeQuality    int
}

// Feedback is what Author said about Rated after Session.
type Feedback struct {
	SessionID uuid.UUID
	AuthorID  uuid.UUID
	RatedID   uuid.UUID
	Ratings
	Comment   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// EditableUntil is the last moment the author may change f.
func (f Feedback) EditableUntil() time.Time { return f.CreatedAt.Add(EditWindow) }

// Input is what an author sends.
type Input struct {
	Ratings
	Comment string
}

// Validate checks in and returns a *validation.Error naming each
// bad field by its API name.
func (in Input) Validate() error {
	var v validation.Error
	for _, r := range []struct {
		field string
		n     int
	}{
		{"problem_solving", in.ProblemSolving},
		{"communication", in.Communication},
		{"code_quality", in.CodeQuality},
	} {
		if r.n < MinRating || r.n > MaxRating {
			v.Add(r.field, "must be a whole number from 1 to 5")
		}
	}
	if !utf8.ValidString(in.Comment) {
		v.Add("comment", "must be valid UTF-8")
	} else if utf8.RuneCountInString(in.Comment) > MaxCommentChars {
		v.Add("comment", "must be at most 1000 characters")
	}
	return v.OrNil()
}

// normalized trims the comment and replaces NUL, which PostgreSQL text
// cannot hold.
func (in Input) normalized() Input {
	in.Comment = strings.TrimSpace(strings.ReplaceAll(in.Comment, "\x00", "\uFFFD"))
	return in
}

// Session is what feedback needs to know of a collaboration session.
type Session struct {
	UserIDs [2]uuid.UUID
	Ended   bool
	Left    []uuid.UUID // participants who left
}

// partner returns the other participant of s and whether user is one.
func (s Session) partner(user uuid.UUID) (uuid.UUID, bool) {
	switch user {
	case s.UserIDs[0]:
		return s.UserIDs[1], true
	case s.UserIDs[1]:
		return s.UserIDs[0], true
	}
	return uuid.Nil, false
}

// done reports whether user's part in s is over: feedback is for after a
// session, not during it.
func (s Session) done(user uuid.UUID) bool {
	if s.Ended {
		return true
	}
	for _, u := range s.Left {
		if u == user {
			return true
		}
	}
	return false
}

// Exchange is the feedback of one session as one participant sees it:
// what they gave and what they received (either may be absent).
type Exchange struct {
	Given    *Feedback
	Received *Feedback
}

// Averages summarise the feedback a user received, with no author named.
type Averages struct {
	Count          int
	ProblemSolving float64
	Communication  float64
	CodeQuality    float64
}

// Pending is a session the user ended without giving feedback.
type Pending struct {
	SessionID     uuid.UUID
	AttemptID     uuid.UUID
	PartnerID     uuid.UUID
	QuestionTitle string // "" while the question snapshot is not known
	EndedAt       time.Time
}

// PendingView is a Pending with the partner's current username.
type PendingView struct {
	Pending
	Partner attempt.Partner
}
