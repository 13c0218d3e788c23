// Package invite is matching-service's private sessions: a signed-in user
// invites a friend to a session on a question (or a topic and difficulty)
// in a mode and a language, and gets a link with an unguessable code. The
// friend who accepts it is paired with the inviter through the same setup
// as a match (the invite's id is the match id), so both hear "matched".
// An invite is used at most once and expires; the store makes accepting
// atomic across replicas.
package invite

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"regexp"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/validation"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// Status of an invite.
const (
	StatusOpen      = "open"
	StatusUsed      = "used"
	StatusCancelled = "cancelled"
)

// Invite is one invitation.
type Invite struct {
	ID   string // a UUID; the match id of the session it leads to
	Code string // the secret in the link (128 random bits)
	// Who invited, and on what.
	InviterID, InviterName string
	QuestionID             string // "" when only a topic and difficulty were chosen
	QuestionTitle          string
	Topic, Difficulty      string
	Language               string
	Mode                   string // match.ModePractise or match.ModeMock
	InviterRole            string // mock only: match.RoleInterviewer or match.RoleCandidate
	CreatedAt, ExpiresAt   time.Time
	Status                 string
	AcceptedBy             string // once used
}

// Request is what an inviter asks for: QuestionID, or Topic and Difficulty.
type Request struct {
	QuestionID  string
	Topic       string
	Difficulty  string
	Language    string
	Mode        string
	InviterRole string
}

var (
	slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	codePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)
)

// Validate checks the shape of r (not whether its question or topic exists).
func (r Request) Validate() error {
	ve := &validation.Error{}
	add := ve.Add
	switch {
	case r.QuestionID != "":
		if len(r.QuestionID) > 128 || (uuid.Validate(r.QuestionID) != nil && !slugPattern.MatchString(r.QuestionID)) {
			add("question_id", "must be a question id or slug")
		}
		if r.Topic != "" || r.Difficulty != "" {
			add("question_id", "give either a question or a topic and difficulty, not both")
		}
	default:
		if !slices.Contains(match.Difficulties, r.Difficulty) {
			add("difficulty", "must be one of: easy, medium, hard (or choose a question)")
		}
		switch {
		case r.Topic == "":
			add("topic", "is required when no question is chosen")
		case len(r.Topic) > 64 || !slugPattern.MatchString(r.Topic):
			add("topic", "must be a topic slug such as arrays or dynamic-programming")
		}
	}
	if !slices.Contains(match.Languages, r.Language) {
		add("language", "must be one of: python, javascript, java, cpp, go")
	}
	switch r.Mode {
	case "", match.ModePractise:
		if r.InviterRole != "" {
			add("inviter_role", "applies to mock interviews only")
		}
	case match.ModeMock:
		if r.InviterRole != "" && r.InviterRole != match.RoleInterviewer && r.InviterRole != match.RoleCandidate {
			add("inviter_role", "must be interviewer or candidate")
		}
	default:
		add("mode", "must be one of: practise, mock")
	}
	if len(ve.Fields) > 0 {
		return ve
	}
	return nil
}

// ValidCode reports whether code has the shape of an invite code, so a
// malformed one is refused without a store lookup.
func ValidCode(code string) bool { return codePattern.MatchString(code) }

// NewCode makes an invite code: 128 random bits, base64url (22 characters).
func NewCode() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Errors of the store and the service.
var (
	ErrNotFound = errors.New("no such invite")
	// ErrForbidden: only the inviter may cancel an invite.
	ErrForbidden = errors.New("not your invite")
)

// GoneError refuses an invite that can no longer be accepted: Status is
// used, cancelled or expired.
type GoneError struct{ Status string }

func (e *GoneError) Error() string { return "invite " + e.Status }

// Message says in words why.
func (e *GoneError) Message() string {
	switch e.Status {
	case StatusUsed:
		return "this invite was already accepted; ask your friend for a new one"
	case StatusCancelled:
		return "this invite was cancelled"
	default:
		return "this invite has expired; ask your friend for a new one"
	}
}

// RefusedError refuses an acceptance the rules forbid (Code: self,
// inviter_busy); in_session and a live ticket are match.InSessionError and
// match.ConflictError as for tickets.
type RefusedError struct{ Code, Message string }

func (e *RefusedError) Error() string { return e.Code + ": " + e.Message }
