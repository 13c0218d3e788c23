package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/peerprep/peerprep/libs/validation"
)

// Sessions looks up collaboration sessions. It returns ErrNotFound for an
// unknown session.
type Sessions interface {
	Session(ctx context.Context, id string) (Session, error)
}

// Directory looks up usernames. It returns ErrUnknownUser for an unknown
// user.
type Directory interface {
	Username(ctx context.Context, userID string) (string, error)
}

// Log is the live, ordered message log of every room (Redis). Append must
// be atomic: within one step it recognises a client id already accepted in
// the room (returning that message and dup=true), applies the sender's rate
// limit (*RateLimitedError), gives the message the room's next ID, queues
// it for persistence and publishes it to the room's subscribers. It returns
// ErrNeedFloor when the room has no stream and floor is nil; with a floor
// the new ID is greater than floor.
type Log interface {
	Append(ctx context.Context, m Message, floor *ID) (Message, bool, error)
	// Recent returns up to limit of the room's newest messages still in the
	// log with IDs before before (nil: no bound), newest first.
	Recent(ctx context.Context, room string, before *ID, limit int) ([]Message, error)
}

// Store is the durable message store (PostgreSQL).
type Store interface {
	// Page returns up to limit messages with IDs before before (nil: no
	// bound), newest first.
	Page(ctx context.Context, room string, before *ID, limit int) ([]Message, error)
	// ByClientID returns the stored message with this client id, or
	// ErrNotFound.
	ByClientID(ctx context.Context, room, clientID string) (Message, error)
	// Latest returns the greatest stored ID of the room (zero when none).
	Latest(ctx context.Context, room string) (ID, error)
}

// Deps are what a Service needs.
type Deps struct {
	Sessions  Sessions
	Directory Directory
	Log       Log
	Store     Store
	Logger    *slog.Logger
	Now       func() time.Time // default time.Now
}

// Service is chat-service's domain logic.
type Service struct {
	sessions Sessions
	dir      Directory
	log      Log
	store    Store
	logger   *slog.Logger
	now      func() time.Time
}

// NewService returns a Service over d.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{sessions: d.Sessions, dir: d.Directory, log: d.Log, store: d.Store, logger: d.Logger, now: d.Now}
}

func unavailable(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, err)
}

// session returns the room's session when user takes part in it. Room ids
// are UUIDs in lower case everywhere (Redis keys are case-sensitive).
func (s *Service) session(ctx context.Context, room, user string) (Session, error) {
	if !IsUUID(room) {
		return Session{}, ErrNotFound
	}
	room = strings.ToLower(room)
	sess, err := s.sessions.Session(ctx, room)
	if errors.Is(err, ErrNotFound) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, unavailable("look up session", err)
	}
	if !sess.Has(user) {
		return Session{}, ErrNotFound
	}
	sess.ID = room
	return sess, nil
}

// Join authorises user to talk in room: the room is an active session the
// user takes part in. It returns who the user is in the room.
func (s *Service) Join(ctx context.Context, room, user string) (Participant, error) {
	sess, err := s.session(ctx, room, user)
	if err != nil {
		return Participant{}, err
	}
	if sess.Ended {
		return Participant{}, ErrEnded
	}
	name, err := s.dir.Username(ctx, user)
	if errors.Is(err, ErrUnknownUser) {
		return Participant{}, ErrUnknownUser
	}
	if err != nil {
		return Participant{}, unavailable("look up username", err)
	}
	return Participant{RoomID: sess.ID, UserID: user, Username: name}, nil
}

// Send accepts a message from p. A client id already accepted in the room
// returns the message accepted then, with dup=true, and nothing new is
// delivered or stored.
func (s *Service) Send(ctx context.Context, p Participant, clientID, text string) (Message, bool, error) {
	clientID, err := ValidateClientID(clientID)
	if err != nil {
		return Message{}, false, err
	}
	if err := ValidateText(text); err != nil {
		return Message{}, false, err
	}
	m := Message{
		RoomID: p.RoomID, ClientID: clientID, UserID: p.UserID, Username: p.Username, Text: text,
		// Milliseconds survive every store unchanged, so history shows the
		// very sent_at that was delivered.
		SentAt: s.now().UTC().Truncate(time.Millisecond),
	}
	got, dup, err := s.log.Append(ctx, m, nil)
	if errors.Is(err, ErrNeedFloor) {
		// The room's stream is gone (new room, expired, or Redis lost its
		// data): the durable store knows what the stream forgot.
		prev, perr := s.store.ByClientID(ctx, m.RoomID, clientID)
		if perr == nil {
			return prev, true, nil
		}
		if !errors.Is(perr, ErrNotFound) {
			return Message{}, false, unavailable("look up client id", perr)
		}
		floor, ferr := s.store.Latest(ctx, m.RoomID)
		if ferr != nil {
			return Message{}, false, unavailable("latest stored id", ferr)
		}
		got, dup, err = s.log.Append(ctx, m, &floor)
	}
	var rl *RateLimitedError
	switch {
	case errors.As(err, &rl):
		return Message{}, false, err
	case err != nil:
		return Message{}, false, unavailable("append message", err)
	}
	return got, dup, nil
}

// Page is one page of history, oldest first.
type Page struct {
	Messages []Message
	HasMore  bool // older messages exist
}

// History returns up to limit messages of room before before (nil: the
// newest), oldest first. Messages come from the durable store, merged with
// the live log's tail for messages not yet persisted; when the live log is
// unreachable the durable store alone answers.
func (s *Service) History(ctx context.Context, room, user string, before *ID, limit int) (Page, error) {
	if limit < 1 || limit > MaxPageSize {
		return Page{}, validation.Field("limit", fmt.Sprintf("must be between 1 and %d", MaxPageSize))
	}
	sess, err := s.session(ctx, room, user)
	if err != nil {
		return Page{}, err
	}
	room = sess.ID
	// Both reads at once: the page costs the slower of the two.
	var (
		recent []Message
		rerr   error
		done   = make(chan struct{})
	)
	go func() {
		defer close(done)
		recent, rerr = s.log.Recent(ctx, room, before, limit+1)
	}()
	stored, err := s.store.Page(ctx, room, before, limit+1)
	<-done
	if err != nil {
		return Page{}, unavailable("read history", err)
	}
	if rerr != nil {
		s.logger.WarnContext(ctx, "history without the live log", "room", room, "error", rerr.Error())
		recent = nil
	}
	msgs := mergeNewestFirst(stored, recent)
	p := Page{HasMore: len(msgs) > limit}
	if p.HasMore {
		msgs = msgs[:limit]
	}
	slices.Reverse(msgs)
	p.Messages = msgs
	return p, nil
}

// mergeNewestFirst merges two newest-first lists, dropping repeated IDs.
func mergeNewestFirst(a, b []Message) []Message {
	out := make([]Message, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var m Message
		switch {
		case j >= len(b) || (i < len(a) && b[j].ID.Less(a[i].ID)):
			m = a[i]
			i++
		case i >= len(a) || a[i].ID.Less(b[j].ID):
			m = b[j]
			j++
		default: // same ID in both
			m = a[i]
			i++
			j++
		}
		out = append(out, m)
	}
	return out
}
