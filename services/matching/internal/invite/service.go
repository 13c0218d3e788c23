package invite

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/validation"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// Store keeps invites (package redisq).
type Store interface {
	// CreateInvite stores inv, readable and acceptable until inv.ExpiresAt.
	CreateInvite(ctx context.Context, inv Invite) error
	// Invite reads one; ErrNotFound (never created, or long expired).
	Invite(ctx context.Context, code string) (Invite, error)
	// AcceptInvite uses the invite for userID, atomically: it pairs the
	// inviter and userID as a match (id inv.ID) whose session the setup
	// workers create, and returns userID's new ticket. ErrNotFound, a
	// *GoneError, a *RefusedError, or, as Enqueue, a *match.ConflictError
	// or *match.InSessionError (seen and inviterSeen are the two users'
	// tickets as read before asking collaboration-service).
	AcceptInvite(ctx context.Context, code, userID string, seen, inviterSeen match.Ticket) (match.Ticket, error)
	// CancelInvite cancels an open invite of userID; ErrNotFound,
	// ErrForbidden, *GoneError.
	CancelInvite(ctx context.Context, code, userID string) (Invite, error)
	// Current and Ticket as match.Store.
	Current(ctx context.Context, userID string) (match.Ticket, error)
	Ticket(ctx context.Context, id string) (match.Ticket, error)
}

// Question is what question-service says of a question.
type Question struct {
	ID, Title, Difficulty string
	Topics                []string
}

// Directory looks up questions and usernames.
type Directory interface {
	// Question finds a question by id or slug; ErrNotFound when none.
	Question(ctx context.Context, idOrSlug string) (Question, error)
	// Username is the user's username.
	Username(ctx context.Context, userID string) (string, error)
}

// Deps are what a Service needs.
type Deps struct {
	Store     Store
	Topics    match.Topics
	Sessions  match.Sessions
	Directory Directory
	Log       *slog.Logger
	TTL       time.Duration // how long an invite may be accepted; default 24h
	// SetupWait bounds how long Accept waits for the session; default 15s.
	SetupWait time.Duration
	Now       func() time.Time
}

// Service is what users can do with invites.
type Service struct{ d Deps }

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.TTL <= 0 {
		d.TTL = 24 * time.Hour
	}
	if d.SetupWait <= 0 {
		d.SetupWait = 15 * time.Second
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}
}

// Create validates r and stores an invite from userID.
func (s *Service) Create(ctx context.Context, userID string, r Request) (Invite, error) {
	if err := r.Validate(); err != nil {
		return Invite{}, err
	}
	inv := Invite{
		ID: uuid.NewString(), Code: NewCode(), InviterID: userID, Language: r.Language,
		Mode: r.Mode, InviterRole: r.InviterRole, Status: StatusOpen,
	}
	if inv.Mode == "" {
		inv.Mode = match.ModePractise
	}
	if inv.Mode == match.ModeMock && inv.InviterRole == "" {
		inv.InviterRole = match.RoleInterviewer
	}
	if r.QuestionID != "" {
		q, err := s.d.Directory.Question(ctx, r.QuestionID)
		if errors.Is(err, ErrNotFound) {
			return Invite{}, validation.Field("question_id", "is not a known question")
		}
		if err != nil {
			return Invite{}, fmt.Errorf("%w: look up the question: %v", match.ErrUnavailable, err)
		}
		inv.QuestionID, inv.QuestionTitle, inv.Difficulty = q.ID, q.Title, q.Difficulty
		if len(q.Topics) > 0 {
			inv.Topic = q.Topics[0]
		}
	} else {
		info, err := s.d.Topics.Lookup(ctx, r.Topic, r.Difficulty)
		if err != nil {
			return Invite{}, fmt.Errorf("look up topic: %w", err)
		}
		switch {
		case !info.Known:
			return Invite{}, validation.Field("topic", "is not a known topic")
		case !info.HasQuestions:
			return Invite{}, validation.Field("topic", "has no "+r.Difficulty+" questions yet")
		}
		inv.Topic, inv.Difficulty = r.Topic, r.Difficulty
	}
	name, err := s.d.Directory.Username(ctx, userID)
	if err != nil {
		return Invite{}, fmt.Errorf("%w: look up the inviter: %v", match.ErrUnavailable, err)
	}
	inv.InviterName = name
	inv.CreatedAt = s.d.Now().UTC().Truncate(time.Millisecond)
	inv.ExpiresAt = inv.CreatedAt.Add(s.d.TTL)
	if err := s.d.Store.CreateInvite(ctx, inv); err != nil {
		return Invite{}, err
	}
	return inv, nil
}

// Get reads an invite for anyone signed in who has its code.
func (s *Service) Get(ctx context.Context, code string) (Invite, error) {
	if !ValidCode(code) {
		return Invite{}, ErrNotFound
	}
	inv, err := s.d.Store.Invite(ctx, code)
	if err != nil {
		return Invite{}, err
	}
	if inv.Status == StatusOpen && !s.d.Now().Before(inv.ExpiresAt) {
		inv.Status = "expired"
	}
	return inv, nil
}

// Cancel cancels an open invite; only its inviter may.
func (s *Service) Cancel(ctx context.Context, code, userID string) (Invite, error) {
	if !ValidCode(code) {
		return Invite{}, ErrNotFound
	}
	return s.d.Store.CancelInvite(ctx, code, userID)
}

// Accept uses the invite for userID and waits (up to SetupWait) for the
// session: the ticket it returns is matched, failed, or still pairing
// when the wait ran out. The rules of tickets apply to both people: no
// one in a session or with a live ticket.
func (s *Service) Accept(ctx context.Context, code, userID string) (match.Ticket, error) {
	if !ValidCode(code) {
		return match.Ticket{}, ErrNotFound
	}
	inv, err := s.Get(ctx, code)
	if err != nil {
		return match.Ticket{}, err
	}
	switch {
	case inv.InviterID == userID:
		return match.Ticket{}, &RefusedError{Code: "own_invite", Message: "you cannot accept your own invite; send the link to a friend"}
	case inv.Status != StatusOpen:
		return match.Ticket{}, &GoneError{Status: inv.Status}
	}
	seen, err := s.current(ctx, userID)
	if err != nil {
		return match.Ticket{}, err
	}
	if seen.Status == match.StatusQueued {
		return match.Ticket{}, &match.ConflictError{Message: "you are waiting for a match; cancel it before accepting an invite", Ticket: seen}
	}
	inviterSeen, err := s.current(ctx, inv.InviterID)
	if err != nil {
		return match.Ticket{}, err
	}
	// Both must be free: the caller's session is told to them, the
	// inviter's only in words.
	for _, u := range []string{userID, inv.InviterID} {
		sid, err := s.d.Sessions.Current(ctx, u)
		switch {
		case err != nil:
			s.d.Log.Warn("could not ask collaboration-service for a session; a matched ticket counts as in session", "user_id", u, "error", err.Error())
			if u == userID {
				seen = match.Ticket{}
			} else {
				inviterSeen = match.Ticket{}
			}
		case sid != "" && u == userID:
			return match.Ticket{}, &match.InSessionError{SessionID: sid}
		case sid != "":
			return match.Ticket{}, &RefusedError{Code: "inviter_busy", Message: inv.InviterName + " is in another session right now; try again when they are free"}
		}
	}
	t, err := s.d.Store.AcceptInvite(ctx, code, userID, seen, inviterSeen)
	if err != nil {
		return match.Ticket{}, err
	}
	deadline := time.Now().Add(s.d.SetupWait)
	for t.Pairing && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return match.Ticket{}, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		nt, err := s.d.Store.Ticket(ctx, t.ID)
		if err != nil {
			return match.Ticket{}, err
		}
		t = nt
	}
	return t, nil
}

func (s *Service) current(ctx context.Context, userID string) (match.Ticket, error) {
	t, err := s.d.Store.Current(ctx, userID)
	if err != nil && !errors.Is(err, match.ErrNotFound) {
		return match.Ticket{}, fmt.Errorf("read the current ticket: %w", err)
	}
	return t, nil
}
