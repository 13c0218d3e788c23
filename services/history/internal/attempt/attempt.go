// Package attempt is the history domain: what one user did in one session
// (which question, with whom, in which language, the final code and when),
// the rules an attempt must satisfy, and the Service that records, lists and
// summarises attempts. It knows nothing of HTTP or SQL.
package attempt

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/validation"
)

// MaxCodeBytes is the largest final code an attempt keeps (100 KiB of UTF-8).
const MaxCodeBytes = 100 << 10

// DeletedUsername is shown for a partner whose account no longer exists.
// Usernames are [a-z0-9_], so it cannot collide with a real one.
const DeletedUsername = "deleted-user"

// Times outside this window are rejected: they are bugs in the caller,
// and far-off years would not survive the trip through the database.
var (
	earliest   = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	futureSkew = time.Hour
)

// Domain errors; httpapi maps them to statuses.
var (
	ErrNotFound         = errors.New("attempt not found")
	ErrCodeTooLarge     = fmt.Errorf("code is larger than %d bytes", MaxCodeBytes)
	ErrQuestionNotFound = errors.New("question not found")
	ErrUserNotFound     = errors.New("user not found")
)

// SnapshotStatus says whether an attempt's question snapshot is known.
type SnapshotStatus string

const (
	// SnapshotPending: question-service was unreachable; a background loop
	// fills the snapshot in later.
	SnapshotPending SnapshotStatus = "pending"
	// SnapshotReady: title, slug, difficulty and topics are set.
	SnapshotReady SnapshotStatus = "ready"
	// SnapshotMissing: question-service said the question does not exist.
	SnapshotMissing SnapshotStatus = "missing"
)

// Question is the part of a question an attempt keeps, as it was when the
// attempt was recorded, so history stays meaningful after edits or deletion.
type Question struct {
	Title      string
	Slug       string
	Difficulty string
	Topics     []string
}

// Attempt is one user's part in one finished session.
type Attempt struct {
	ID         uuid.UUID
	SessionID  uuid.UUID
	UserID     uuid.UUID
	PartnerID  uuid.UUID
	QuestionID uuid.UUID
	Language   string
	Code       string
	StartedAt  time.Time
	EndedAt    time.Time
	CreatedAt  time.Time

	Snapshot SnapshotStatus
	Question Question // zero unless Snapshot is SnapshotReady
	Role     string   // RoleInterviewer or RoleCandidate in a mock interview, else ""
}

// The roles a person has for one question of a mock interview.
const (
	RoleInterviewer = internalapi.RoleInterviewer
	RoleCandidate   = internalapi.RoleCandidate
)

// Partner is the other participant as shown to the user.
type Partner struct {
	ID       uuid.UUID
	Username *string // nil when user-service could not be asked
}

// View is an attempt as its owner sees it.
type View struct {
	Attempt
	Partner Partner
}

// NewAttempt is what the collaboration service reports when a session ends.
type NewAttempt struct {
	SessionID  uuid.UUID
	UserID     uuid.UUID
	PartnerID  uuid.UUID
	QuestionID uuid.UUID
	Language   string
	Code       string
	StartedAt  time.Time
	EndedAt    time.Time
	// Role is optional: "" (a practise session, or a caller that predates
	// roles), RoleInterviewer or RoleCandidate.
	Role string
}

// Validate checks n against the rules of an attempt at time now. Code over
// MaxCodeBytes is ErrCodeTooLarge (the API answers 413); every other
// problem is a *validation.Error naming the fields.
func (n NewAttempt) Validate(now time.Time) error {
	if len(n.Code) > MaxCodeBytes {
		return ErrCodeTooLarge
	}
	var v validation.Error
	for _, id := range []struct {
		field string
		id    uuid.UUID
	}{{"session_id", n.SessionID}, {"user_id", n.UserID}, {"partner_id", n.PartnerID}, {"question_id", n.QuestionID}} {
		if id.id == uuid.Nil {
			v.Add(id.field, "is required")
		}
	}
	if n.UserID != uuid.Nil && n.UserID == n.PartnerID {
		v.Add("partner_id", "must differ from user_id")
	}
	if n.Role != "" && n.Role != RoleInterviewer && n.Role != RoleCandidate {
		v.Add("role", "must be one of: "+RoleInterviewer+", "+RoleCandidate)
	}
	if !ValidLanguage(n.Language) {
		v.Add("language", "must be one of: "+strings.Join(internalapi.Languages, ", "))
	}
	latest := now.Add(futureSkew)
	for _, t := range []struct {
		field string
		at    time.Time
	}{{"started_at", n.StartedAt}, {"ended_at", n.EndedAt}} {
		switch {
		case t.at.IsZero():
			v.Add(t.field, "is required")
		case t.at.Before(earliest) || t.at.After(latest):
			v.Add(t.field, "must be a time between 2000 and now")
		}
	}
	if !n.StartedAt.IsZero() && !n.EndedAt.IsZero() && n.EndedAt.Before(n.StartedAt) {
		v.Add("ended_at", "must not be before started_at")
	}
	return v.OrNil()
}

// ValidLanguage reports whether l is a supported session language.
func ValidLanguage(l string) bool { return internalapi.IsLanguage(l) }

// ValidDifficulty reports whether d is a question difficulty.
func ValidDifficulty(d string) bool { return internalapi.IsDifficulty(d) }

// Languages returns the supported session languages.
func Languages() []string { return append([]string(nil), internalapi.Languages...) }

// normalized returns n as it is stored: times in UTC at the microsecond
// precision PostgreSQL keeps, and NUL characters (which PostgreSQL text
// cannot hold) replaced so the code is kept rather than refused.
func (n NewAttempt) normalized() NewAttempt {
	n.StartedAt = n.StartedAt.UTC().Truncate(time.Microsecond)
	n.EndedAt = n.EndedAt.UTC().Truncate(time.Microsecond)
	n.Code = strings.ToValidUTF8(n.Code, "\uFFFD")
	n.Code = strings.ReplaceAll(n.Code, "\x00", "\uFFFD")
	return n
}
