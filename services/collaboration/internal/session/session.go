// Package session is the life of a collaboration session: created for a
// match, joined by its two participants, ended when both have left or when
// nobody has been connected for the idle timeout, and then recorded once in
// each participant's history. It knows nothing of HTTP, SQL or Redis.
package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/validation"
)

// Statuses of a session.
const (
	StatusActive = internalapi.StatusActive
	StatusEnded  = internalapi.StatusEnded
)

// Why a session ended.
const (
	EndLeft = "left" // both participants left
	EndIdle = "idle" // nobody connected for the idle timeout
	// EndNoShow: a participant never joined (matching-service decides).
	EndNoShow = "no_show"
)

// Modes of a session.
const (
	ModePractise = internalapi.ModePractise // two people solve one question together
	ModeMock     = internalapi.ModeMock     // a mock interview: an interviewer and a candidate
)

// DefaultLanguage is the language of a session created without one.
const DefaultLanguage = internalapi.DefaultLanguage

// Languages a session can be held in (libs/internalapi, shared values).
var Languages = internalapi.Languages

// MaxCodeBytes is the largest plain-text snapshot kept; history-service
// refuses larger code, so a bigger snapshot could never be recorded.
const MaxCodeBytes = 100 << 10

// MaxMatchIDLength bounds the opaque match id of matching-service.
const MaxMatchIDLength = 128

// Errors the service returns; httpapi maps them to statuses.
var (
	ErrNotFound       = errors.New("session not found")
	ErrNotParticipant = errors.New("not a participant of the session")
	ErrEnded          = errors.New("the session has ended")
	ErrLeft           = errors.New("the participant left the session")
	ErrMatchConflict  = errors.New("the match already has a session with other participants")
	// ErrJoined refuses a no-show: the participant did join, or the
	// session ended otherwise.
	ErrJoined       = errors.New("the participant joined the session, or it ended otherwise")
	ErrCodeTooLarge = fmt.Errorf("code is larger than %d bytes", MaxCodeBytes)
)

// Session is one shared editing session between two users.
type Session struct {
	ID         string
	MatchID    string
	UserIDs    [2]string
	QuestionID string
	Language   string // the language the session started in
	Status     string
	EndReason  string
	CreatedAt  time.Time
	EndedAt    *time.Time
	LeftAt     [2]*time.Time // when each of UserIDs left, if they did
	JoinedAt   [2]*time.Time // when each of UserIDs first opened the socket

	// The latest plain-text snapshot the clients sent.
	Code          string
	CodeLanguage  string // the editors' current language
	CodeUpdatedAt *time.Time

	Mode          string // ModePractise or ModeMock
	InterviewerID string // ModeMock: who starts as the interviewer
}

// ModeOrDefault is s's mode, ModePractise when unset.
func (s Session) ModeOrDefault() string {
	if s.Mode == "" {
		return ModePractise
	}
	return s.Mode
}

// Participant reports whether user is one of the two participants.
func (s Session) Participant(user string) bool { return s.index(user) >= 0 }

func (s Session) index(user string) int {
	for i, u := range s.UserIDs {
		if u == user {
			return i
		}
	}
	return -1
}

// HasLeft reports whether user left the session.
func (s Session) HasLeft(user string) bool {
	i := s.index(user)
	return i >= 0 && s.LeftAt[i] != nil
}

// Joined lists the participants who opened the session's socket.
func (s Session) Joined() []string {
	out := []string{}
	for i, u := range s.UserIDs {
		if s.JoinedAt[i] != nil {
			out = append(out, u)
		}
	}
	return out
}

// Leave records that user left at now, and ends the session (reason
// EndLeft) when the partner has left too; ended reports whether this call
// ended it. Leaving twice, or leaving a session that is no longer active,
// changes nothing. A non-participant is ErrNotFound, as an unknown session is.
func (s *Session) Leave(user string, now time.Time) (ended bool, err error) {
	i := s.index(user)
	switch {
	case i < 0:
		return false, ErrNotFound
	case s.Status != StatusActive || s.LeftAt[i] != nil:
		return false, nil
	}
	s.LeftAt[i] = &now
	if s.LeftAt[1-i] == nil {
		return false, nil
	}
	s.Status, s.EndReason, s.EndedAt = StatusEnded, EndLeft, &now
	return true, nil
}

// Partner returns the other participant.
func (s Session) Partner(user string) string {
	if s.UserIDs[0] == user {
		return s.UserIDs[1]
	}
	return s.UserIDs[0]
}

// CurrentLanguage is the language the editors use now: the snapshot's, or
// the starting one before any snapshot.
func (s Session) CurrentLanguage() string {
	if s.CodeLanguage != "" {
		return s.CodeLanguage
	}
	return s.Language
}

// NewSession is what matching-service asks for.
type NewSession struct {
	MatchID    string
	UserIDs    []string
	QuestionID string
	Language   string // "" means DefaultLanguage
	Mode       string // "" means ModePractise
	// InterviewerID is required for ModeMock (one of UserIDs), refused otherwise.
	InterviewerID string
}

// validate checks n and normalises ids and the language.
func (n *NewSession) validate() error {
	var bad validation.Error
	if n.MatchID == "" {
		bad.Add("match_id", "is required")
	} else if len(n.MatchID) > MaxMatchIDLength || !utf8.ValidString(n.MatchID) || strings.ContainsFunc(n.MatchID, isControl) {
		bad.Add("match_id", fmt.Sprintf("must be at most %d printable characters", MaxMatchIDLength))
	}
	if len(n.UserIDs) != 2 {
		bad.Add("user_ids", "must hold exactly two user ids")
	} else {
		for i, u := range n.UserIDs {
			id, err := uuid.Parse(u)
			if err != nil {
				bad.Add(fmt.Sprintf("user_ids[%d]", i), "must be a UUID")
				continue
			}
			n.UserIDs[i] = id.String()
		}
		if len(bad.Fields) == 0 && n.UserIDs[0] == n.UserIDs[1] {
			bad.Add("user_ids", "must be two different users")
		}
	}
	if id, err := uuid.Parse(n.QuestionID); err != nil {
		bad.Add("question_id", "must be a UUID")
	} else {
		n.QuestionID = id.String()
	}
	if n.Language == "" {
		n.Language = DefaultLanguage
	} else if !ValidLanguage(n.Language) {
		bad.Add("language", "must be one of: "+strings.Join(Languages, ", "))
	}
	switch n.Mode {
	case "", ModePractise:
		n.Mode = ModePractise
		if n.InterviewerID != "" {
			bad.Add("interviewer_id", "applies to mock interviews only")
		}
	case ModeMock:
		if id, err := uuid.Parse(n.InterviewerID); err != nil || !slices.Contains(n.UserIDs, id.String()) {
			bad.Add("interviewer_id", "must be one of user_ids in a mock interview")
		} else {
			n.InterviewerID = id.String()
		}
	default:
		bad.Add("mode", "must be one of: practise, mock")
	}
	return bad.OrNil()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// ValidLanguage reports whether l is a session language.
func ValidLanguage(l string) bool { return slices.Contains(Languages, l) }

// Snapshot is the latest plain text of the shared editor.
type Snapshot struct {
	Code     string
	Language string
	// QuestionID, when given, names the question whose document Code is
	// (see postgres.Store.SaveSnapshot).
	QuestionID string
}

func (s Snapshot) validate() error {
	if len(s.Code) > MaxCodeBytes {
		return ErrCodeTooLarge
	}
	if !ValidLanguage(s.Language) {
		return validation.Field("language", "must be one of: "+strings.Join(Languages, ", "))
	}
	return nil
}

// Attempt is what history-service records for one participant when a
// session ends.
type Attempt struct {
	SessionID  string
	UserID     string
	PartnerID  string
	QuestionID string
	Language   string
	Code       string
	StartedAt  time.Time
	EndedAt    time.Time
	// Role is "interviewer" or "candidate" in a mock interview, else "".
	Role string
}

// Roles of a mock interview as history records them.
const (
	roleInterviewer = internalapi.RoleInterviewer
	roleCandidate   = internalapi.RoleCandidate
)

// Swap is what a mock interview adds to its session's attempts: who
// interviewed first, the questions, and, once the roles swapped, when and
// the first question's code at that moment.
type Swap struct {
	FirstInterviewer string
	FirstQuestion    string // "" for interviews created before it was kept
	SecondQuestion   string // "" until chosen
	SwappedAt        time.Time
	FirstCode        string // set with SwappedAt
	FirstLanguage    string
}

// Attempts returns what an ended session records: one attempt per
// participant, and in a mock interview one per participant per question
// asked, with the role each had.
func (c Claim) Attempts() []Attempt {
	out := c.Session.Attempts()
	sw := c.Interview
	if sw == nil || sw.FirstInterviewer == "" {
		return out
	}
	roles := func(first bool, user string) string {
		if (user == sw.FirstInterviewer) == first {
			return roleInterviewer
		}
		return roleCandidate
	}
	firstQ := sw.FirstQuestion
	if firstQ == "" {
		firstQ = c.QuestionID
	}
	if sw.SwappedAt.IsZero() || sw.SecondQuestion == "" || sw.SecondQuestion == firstQ {
		// One question asked (or, rarely, the same one twice): one attempt
		// each, with the first role.
		for i := range out {
			out[i].QuestionID, out[i].Role = firstQ, roles(true, out[i].UserID)
		}
		return out
	}
	swapped := sw.SwappedAt
	// A snapshot older than the swap is the first question's code: nobody
	// has saved any code of the second yet.
	secondCode := c.Code
	if c.CodeUpdatedAt == nil || c.CodeUpdatedAt.Before(swapped) {
		secondCode = ""
	}
	both := make([]Attempt, 0, 2*len(out))
	for _, a := range out {
		first, second := a, a
		first.QuestionID, first.Role, first.Code, first.EndedAt = firstQ, roles(true, a.UserID), sw.FirstCode, swapped
		if sw.FirstLanguage != "" {
			first.Language = sw.FirstLanguage
		}
		if first.EndedAt.Before(first.StartedAt) {
			first.EndedAt = first.StartedAt
		}
		second.QuestionID, second.Role, second.StartedAt, second.Code = sw.SecondQuestion, roles(false, a.UserID), swapped, secondCode
		if second.EndedAt.Before(second.StartedAt) {
			second.EndedAt = second.StartedAt
		}
		both = append(both, first, second)
	}
	return both
}

// Attempts returns the two attempts an ended session records.
func (s Session) Attempts() []Attempt {
	var ended time.Time
	if s.EndedAt != nil {
		ended = *s.EndedAt
	}
	out := make([]Attempt, 0, 2)
	for _, u := range s.UserIDs {
		out = append(out, Attempt{
			SessionID: s.ID, UserID: u, PartnerID: s.Partner(u), QuestionID: s.QuestionID,
			Language: s.CurrentLanguage(), Code: s.Code, StartedAt: s.CreatedAt, EndedAt: ended,
		})
	}
	return out
}
