// Package chat is what chat-service decides: who may talk in a room, what a
// message may hold, how a message is accepted exactly once and in one order,
// and how history is paged. It knows nothing of HTTP, WebSockets, Redis or
// SQL; the adapters behind its interfaces do.
package chat

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/peerprep/peerprep/libs/validation"
)

// MaxTextRunes is the longest message text, in characters.
const MaxTextRunes = 2000

// MaxPageSize is the largest history page.
const MaxPageSize = 100

// ID is a message's place in its room: the Redis stream entry id
// "<milliseconds>-<sequence>" it was given when accepted. IDs of one room
// are strictly increasing in the order every reader sees.
type ID struct {
	Ms, Seq uint64
}

// ParseID reads "<ms>-<seq>".
func ParseID(s string) (ID, error) {
	ms, seq, ok := strings.Cut(s, "-")
	if !ok || ms == "" || seq == "" || len(s) > 41 {
		return ID{}, fmt.Errorf("message id %q is not <ms>-<seq>", s)
	}
	a, err1 := strconv.ParseUint(ms, 10, 64)
	b, err2 := strconv.ParseUint(seq, 10, 64)
	if err1 != nil || err2 != nil {
		return ID{}, fmt.Errorf("message id %q is not <ms>-<seq>", s)
	}
	return ID{Ms: a, Seq: b}, nil
}

func (id ID) String() string {
	return strconv.FormatUint(id.Ms, 10) + "-" + strconv.FormatUint(id.Seq, 10)
}

// IsZero reports whether id is 0-0, which no message has.
func (id ID) IsZero() bool { return id.Ms == 0 && id.Seq == 0 }

// Less reports whether id comes before o.
func (id ID) Less(o ID) bool {
	return id.Ms < o.Ms || (id.Ms == o.Ms && id.Seq < o.Seq)
}

// Message is one accepted chat message.
type Message struct {
	ID       ID
	RoomID   string // the collaboration session id
	ClientID string // the sender's idempotency key
	UserID   string
	Username string
	Text     string
	SentAt   time.Time
}

// Session is what chat needs of a collaboration session.
type Session struct {
	ID      string
	UserIDs []string
	Ended   bool
}

// Has reports whether user takes part in the session.
func (s Session) Has(user string) bool {
	for _, u := range s.UserIDs {
		if u == user {
			return true
		}
	}
	return false
}

// Participant is an authorised user of a room.
type Participant struct {
	RoomID   string
	UserID   string
	Username string
}

// Errors the service returns; httpapi and ws map them.
var (
	// ErrNotFound: no such room, or the caller is not one of its
	// participants (the two are not told apart).
	ErrNotFound = errors.New("chat: room not found")
	// ErrEnded: the session is over; its chat can be read, not written.
	ErrEnded = errors.New("chat: session has ended")
	// ErrUnknownUser: the caller's account no longer exists.
	ErrUnknownUser = errors.New("chat: unknown user")
	// ErrUnavailable wraps failures of a dependency (Redis, PostgreSQL,
	// another service); the message was not accepted and may be retried.
	ErrUnavailable = errors.New("chat: a dependency is unavailable")
	// ErrNeedFloor is returned by a Log whose room stream does not exist
	// (new room, expired, or Redis lost its data): the caller must look the
	// room up in the durable store and append again with a floor.
	ErrNeedFloor = errors.New("chat: room stream missing")
	// ErrRejected: the durable store refuses a message for what it holds,
	// so storing it again cannot succeed.
	ErrRejected = errors.New("chat: message rejected by the store")
)

// RateLimitedError says the sender must wait before sending again.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("chat: rate limited, retry after %s", e.RetryAfter)
}

// ValidateText checks a message text: 1 to 2000 characters, not blank, no
// control characters except newline and tab.
func ValidateText(text string) error {
	if text == "" {
		return validation.Field("text", "must not be empty")
	}
	if !utf8.ValidString(text) {
		return validation.Field("text", "must be valid UTF-8")
	}
	n, blank := 0, true
	for _, r := range text {
		n++
		if n > MaxTextRunes {
			return validation.Field("text", fmt.Sprintf("must be at most %d characters", MaxTextRunes))
		}
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return validation.Field("text", "must not contain control characters other than newline and tab")
		}
		if !unicode.IsSpace(r) {
			blank = false
		}
	}
	if blank {
		return validation.Field("text", "must not be blank")
	}
	return nil
}

// ValidateClientID checks a client id: a UUID in its canonical 36-character
// form. It returns the id in lower case.
func ValidateClientID(id string) (string, error) {
	if !IsUUID(id) {
		return "", validation.Field("client_id", "must be a UUID")
	}
	return strings.ToLower(id), nil
}

// IsUUID reports whether s is a UUID in canonical form (any version).
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
