// Package match is matching-service's domain: tickets, their criteria and
// what a user may do with their ticket.
//
// The pairing rules are not in Go: they live in Lua, so that each step is
// one atomic script however many replicas run it. Read them in
// internal/redisq/lua/: common.lua (find_partner: who may pair with whom,
// FIFO, relaxed difficulty; pair; place), enqueue.lua (queue a ticket),
// relax.lua, expire.lua, cancel.lua, requeue.lua (back at the front after
// a no-show) and finish.lua (a pairing's outcome). Package redisq runs them.
package match

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/validation"
)

// Difficulties and languages of the contract (libs/internalapi).
var (
	Difficulties = internalapi.Difficulties
	Languages    = internalapi.Languages
)

// Status is a ticket's public state.
type Status string

const (
	StatusQueued    Status = "queued"
	StatusMatched   Status = "matched"
	StatusTimeout   Status = "timeout"
	StatusCancelled Status = "cancelled"
	StatusFailed    Status = "failed"
)

// Live reports whether a ticket in this state still holds the user's place:
// a user has at most one live ticket.
func (s Status) Live() bool { return s == StatusQueued }

// Modes of a session: two people are only matched in the same mode.
const (
	ModePractise = internalapi.ModePractise // two people solve one question together
	ModeMock     = internalapi.ModeMock     // a mock interview: an interviewer and a candidate
)

// Roles in a mock interview.
const (
	RoleInterviewer = internalapi.RoleInterviewer
	RoleCandidate   = internalapi.RoleCandidate
)

// Criteria is what a user asks to be matched on. An empty Language matches
// any language; an empty Mode is ModePractise. StartAsInterviewer is a
// wish, not a criterion: it never keeps two tickets apart.
type Criteria struct {
	Difficulty         string
	Topic              string
	Language           string
	Mode               string
	StartAsInterviewer bool
}

// ModeOrDefault is c's mode, ModePractise when unset.
func (c Criteria) ModeOrDefault() string {
	if c.Mode == "" {
		return ModePractise
	}
	return c.Mode
}

// Partner is the other user of a match.
type Partner struct {
	ID       string
	Username string
}

// MatchInfo is what a matched ticket knows of its match.
type MatchInfo struct {
	ID         string
	SessionID  string
	QuestionID string
	Partner    Partner
	Role       string // RoleInterviewer or RoleCandidate in a mock interview, else ""
}

// Ticket is one request to be matched.
type Ticket struct {
	ID       string
	UserID   string
	Criteria Criteria
	Status   Status
	// Pairing is set while a partner has been found but the session is not
	// ready yet; Status is still queued. The ticket can no longer be
	// cancelled: it ends matched or failed.
	Pairing bool
	// Relaxed is set once the ticket waited RELAX_AFTER and may match any
	// difficulty of its topic.
	Relaxed   bool
	QueuedAt  time.Time
	ExpiresAt time.Time
	Match     *MatchInfo // when Status is matched
	Reason    string     // when Status is failed

	// Order of the ticket's states, for the WebSocket fan-out: Epoch names
	// the Redis data set (it changes when Redis loses its data), Seq the
	// ticket's place in the global FIFO order, Version its state change.
	Epoch, Seq, Version int64
}

// Newer reports whether t is a later state than u (of the same or a later
// ticket).
func (t Ticket) Newer(u Ticket) bool {
	if t.Epoch != u.Epoch {
		return t.Epoch > u.Epoch
	}
	if t.Seq != u.Seq {
		return t.Seq > u.Seq
	}
	return t.Version > u.Version
}

// LanguagesCompatible reports whether tickets asking for languages a and b
// may share a session ("" is any language).
func LanguagesCompatible(a, b string) bool { return a == "" || b == "" || a == b }

// Compatible reports whether two waiting tickets may be paired: the same
// mode and topic, compatible languages, and the same difficulty unless
// relaxed (one of them has waited RELAX_AFTER).
func Compatible(a, b Criteria, relaxed bool) bool {
	return a.ModeOrDefault() == b.ModeOrDefault() && a.Topic == b.Topic && LanguagesCompatible(a.Language, b.Language) &&
		(relaxed || a.Difficulty == b.Difficulty)
}

// SessionLanguage is the language of a session between a and b: the one
// either asked for, or "" when neither did.
func SessionLanguage(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Errors the store and the service return.
var (
	ErrNotFound    = errors.New("no ticket")
	ErrUnavailable = errors.New("a dependency is unavailable")
	// ErrUserGone: the account was deleted (its token not yet known revoked here).
	ErrUserGone = errors.New("the account no longer exists")
)

// ConflictError is a request that the ticket's state forbids; Ticket is
// that state (the live ticket, or the match).
type ConflictError struct {
	Message string
	Ticket  Ticket
}

func (e *ConflictError) Error() string { return "conflict: " + e.Message }

// InSessionError refuses a ticket because the user is in an active
// session (SessionID), which they must leave first.
type InSessionError struct {
	SessionID string
}

func (e *InSessionError) Error() string { return "in session " + e.SessionID }

// slugPattern is the shape of a topic slug; whether it exists is asked of
// question-service.
var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate checks the shape of c (not whether its topic exists).
func (c Criteria) Validate() error {
	ve := &validation.Error{}
	if !slices.Contains(Difficulties, c.Difficulty) {
		ve.Add("difficulty", "must be one of: "+strings.Join(Difficulties, ", "))
	}
	switch {
	case c.Topic == "":
		ve.Add("topic", "is required")
	case len(c.Topic) > 64 || !slugPattern.MatchString(c.Topic):
		ve.Add("topic", "must be a topic slug such as arrays or dynamic-programming")
	}
	if c.Language != "" && !slices.Contains(Languages, c.Language) {
		ve.Add("language", "must be one of: "+strings.Join(Languages, ", "))
	}
	switch c.ModeOrDefault() {
	case ModePractise:
		if c.StartAsInterviewer {
			ve.Add("start_as_interviewer", "applies to mock interviews only")
		}
	case ModeMock:
	default:
		ve.Add("mode", "must be one of: practise, mock")
	}
	return ve.OrNil()
}
