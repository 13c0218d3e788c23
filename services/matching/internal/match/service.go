package match

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/validation"
)

// Store keeps tickets and pairs them atomically (package redisq).
type Store interface {
	// Enqueue adds a queued ticket for userID and pairs it at once when a
	// compatible ticket waits. It returns a *ConflictError holding the live
	// ticket when the user already has one, and an *InSessionError when
	// the user's ticket is matched and is not seen (the state the caller
	// read before asking for the user's session; zero for none).
	Enqueue(ctx context.Context, ticketID, userID string, c Criteria, seen Ticket) (Ticket, error)
	// Current is the user's latest ticket, live or recently ended; ErrNotFound.
	Current(ctx context.Context, userID string) (Ticket, error)
	// Ticket reads one ticket; ErrNotFound.
	Ticket(ctx context.Context, id string) (Ticket, error)
	// Cancel cancels the user's queued ticket if it is still waiting and
	// returns the ticket's state afterwards; ErrNotFound when there is none.
	Cancel(ctx context.Context, userID string) (Ticket, error)
}

// TopicInfo is what question-service says of a topic.
type TopicInfo struct {
	Known bool
	// HasQuestions is false only when question-service reported no
	// question of the difficulty asked.
	HasQuestions bool
}

// Topics knows the topics question-service offers.
type Topics interface {
	// Lookup describes topic for difficulty; ErrUnavailable when
	// question-service cannot say and nothing is cached.
	Lookup(ctx context.Context, topic, difficulty string) (TopicInfo, error)
}

// Sessions knows which session a user is in (collaboration-service).
type Sessions interface {
	// Current is the id of the active session userID is in and has not
	// left, or "" for none; ErrUnavailable when it cannot be told.
	Current(ctx context.Context, userID string) (string, error)
}

// Deps are what a Service needs.
type Deps struct {
	Store    Store
	Topics   Topics
	Sessions Sessions
	Log      *slog.Logger
	// CancelWait bounds how long Cancel waits for a ticket whose partner
	// was just found to become matched or failed; default 3s.
	CancelWait time.Duration
}

// Service is what a user can do with tickets.
type Service struct {
	store      Store
	topics     Topics
	sessions   Sessions
	log        *slog.Logger
	cancelWait time.Duration
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.CancelWait <= 0 {
		d.CancelWait = 3 * time.Second
	}
	return &Service{store: d.Store, topics: d.Topics, sessions: d.Sessions, log: d.Log, cancelWait: d.CancelWait}
}

// Enqueue validates c and queues a ticket for userID, unless the user is
// in an active session (an *InSessionError: leave it first) or already
// has a live ticket (a *ConflictError).
func (s *Service) Enqueue(ctx context.Context, userID string, c Criteria) (Ticket, error) {
	if err := c.Validate(); err != nil {
		return Ticket{}, err
	}
	info, err := s.topics.Lookup(ctx, c.Topic, c.Difficulty)
	if err != nil {
		return Ticket{}, fmt.Errorf("look up topic: %w", err)
	}
	switch {
	case !info.Known:
		return Ticket{}, validation.Field("topic", "is not a known topic")
	case !info.HasQuestions:
		return Ticket{}, validation.Field("topic", "has no "+c.Difficulty+" questions yet")
	}
	// The user's ticket as it is now, then their session: a ticket matched
	// after this read has a session collaboration may not have shown us
	// yet, and the store refuses it (two tabs, a double submit).
	seen, err := s.store.Current(ctx, userID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Ticket{}, fmt.Errorf("read the current ticket: %w", err)
	}
	if seen.Status == StatusQueued {
		return Ticket{}, &ConflictError{Message: "you already have a ticket in the queue", Ticket: seen}
	}
	session, err := s.sessions.Current(ctx, userID)
	switch {
	case err != nil:
		// Without collaboration's answer, only what the store knows
		// holds: a matched ticket still counts as its session.
		s.log.Warn("could not ask collaboration-service for the user's session; a matched ticket counts as in session",
			"user_id", userID, "error", err.Error())
		seen = Ticket{}
	case session != "":
		return Ticket{}, &InSessionError{SessionID: session}
	}
	t, err := s.store.Enqueue(ctx, uuid.NewString(), userID, c, seen)
	if err != nil {
		return Ticket{}, fmt.Errorf("enqueue: %w", err)
	}
	return t, nil
}

// Current is the user's current (or last) ticket.
func (s *Service) Current(ctx context.Context, userID string) (Ticket, error) {
	return s.store.Current(ctx, userID)
}

// Cancel cancels the user's waiting ticket. A ticket that was matched, or
// whose partner was just found, is not cancelled: the answer is a
// *ConflictError with the ticket (and its match once it is ready).
// Cancelling a cancelled ticket again succeeds.
func (s *Service) Cancel(ctx context.Context, userID string) (Ticket, error) {
	t, err := s.store.Cancel(ctx, userID)
	if err != nil {
		return Ticket{}, err
	}
	// A partner was found a moment ago: the session is being set up, which
	// takes milliseconds. Wait for the outcome so the caller gets the match.
	deadline := time.Now().Add(s.cancelWait)
	for t.Pairing && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return Ticket{}, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
		nt, err := s.store.Ticket(ctx, t.ID)
		if errors.Is(err, ErrNotFound) {
			return Ticket{}, err
		}
		if err != nil {
			return Ticket{}, err
		}
		t = nt
	}
	switch {
	case t.Status == StatusCancelled:
		return t, nil
	case t.Status == StatusMatched:
		return Ticket{}, &ConflictError{Message: "the ticket was already matched", Ticket: t}
	case t.Pairing:
		return Ticket{}, &ConflictError{Message: "a partner was found and the session is being set up", Ticket: t}
	case t.Status == StatusTimeout:
		return Ticket{}, &ConflictError{Message: "the ticket already timed out", Ticket: t}
	default:
		return Ticket{}, &ConflictError{Message: "the ticket already ended (" + string(t.Status) + ")", Ticket: t}
	}
}
