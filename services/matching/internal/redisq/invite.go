package redisq

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/services/matching/internal/invite"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

var (
	inviteAcceptScript = script("invite_accept")
	inviteCancelScript = script("invite_cancel")
)

// InviteGrace is how long an invite stays readable after it expired, so
// the friend who opens the link late is told "expired" rather than "no
// such invite".
const InviteGrace = time.Hour

func (s *Store) inviteKey(code string) string { return s.base + "inv:" + code }

// CreateInvite implements invite.Store.
func (s *Store) CreateInvite(ctx context.Context, inv invite.Invite) error {
	k := s.inviteKey(inv.Code)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k, "id", inv.ID, "code", inv.Code, "inviter", inv.InviterID, "inviter_name", inv.InviterName,
			"question_id", inv.QuestionID, "question_title", inv.QuestionTitle, "topic", inv.Topic,
			"difficulty", inv.Difficulty, "language", inv.Language, "mode", inv.Mode, "inviter_role", inv.InviterRole,
			"created_at", inv.CreatedAt.UnixMilli(), "expires_at", inv.ExpiresAt.UnixMilli(), "status", invite.StatusOpen)
		p.PExpireAt(ctx, k, inv.ExpiresAt.Add(InviteGrace))
		return nil
	})
	if err != nil {
		return storeErr("create invite", err)
	}
	return nil
}

// Invite implements invite.Store.
func (s *Store) Invite(ctx context.Context, code string) (invite.Invite, error) {
	f, err := s.rdb.HGetAll(ctx, s.inviteKey(code)).Result()
	if err != nil {
		return invite.Invite{}, storeErr("read invite", err)
	}
	if len(f) == 0 || f["id"] == "" {
		return invite.Invite{}, invite.ErrNotFound
	}
	ms := func(k string) time.Time { n, _ := strconv.ParseInt(f[k], 10, 64); return time.UnixMilli(n).UTC() }
	return invite.Invite{
		ID: f["id"], Code: f["code"], InviterID: f["inviter"], InviterName: f["inviter_name"],
		QuestionID: f["question_id"], QuestionTitle: f["question_title"], Topic: f["topic"], Difficulty: f["difficulty"],
		Language: f["language"], Mode: f["mode"], InviterRole: f["inviter_role"],
		CreatedAt: ms("created_at"), ExpiresAt: ms("expires_at"), Status: f["status"], AcceptedBy: f["accepted_by"],
	}, nil
}

// AcceptInvite implements invite.Store.
func (s *Store) AcceptInvite(ctx context.Context, code, userID string, seen, inviterSeen match.Ticket) (match.Ticket, error) {
	res, err := s.run(ctx, inviteAcceptScript, code, userID, seen.ID, seen.Version, inviterSeen.ID, inviterSeen.Version,
		uuid.NewString(), uuid.NewString()).Slice()
	if err != nil {
		return match.Ticket{}, storeErr("accept invite script", err)
	}
	if len(res) == 0 {
		return match.Ticket{}, errors.New("accept invite script: empty reply")
	}
	switch res[0] {
	case "missing":
		return match.Ticket{}, invite.ErrNotFound
	case "gone":
		st := ""
		if len(res) > 1 {
			st, _ = res[1].(string)
		}
		return match.Ticket{}, &invite.GoneError{Status: st}
	case "self":
		return match.Ticket{}, &invite.RefusedError{Code: "own_invite", Message: "you cannot accept your own invite; send the link to a friend"}
	case "gone_user":
		return match.Ticket{}, match.ErrUserGone
	case "inviter_busy":
		return match.Ticket{}, &invite.RefusedError{Code: "inviter_busy", Message: "the friend who invited you is waiting for a match or in a session right now; try again later"}
	}
	return ticketOutcome(res, "you are waiting for a match; cancel it before accepting an invite")
}

// CancelInvite implements invite.Store.
func (s *Store) CancelInvite(ctx context.Context, code, userID string) (invite.Invite, error) {
	v, err := s.run(ctx, inviteCancelScript, code, userID).Text()
	if err != nil {
		return invite.Invite{}, storeErr("cancel invite script", err)
	}
	switch v {
	case "ok":
		return s.Invite(ctx, code)
	case "missing":
		return invite.Invite{}, invite.ErrNotFound
	case "forbidden":
		return invite.Invite{}, invite.ErrForbidden
	}
	return invite.Invite{}, &invite.GoneError{Status: v}
}

// ticketOutcome reads a script's {outcome, ticket} reply: the ticket, or
// for "conflict" (a live ticket, with conflict as the message) and
// "in_session" (a match newer than the caller's look) the error, as
// Enqueue reads its own.
func ticketOutcome(res []any, conflict string) (match.Ticket, error) {
	outcome, t, err := outcomeTicket(res)
	if err != nil {
		return match.Ticket{}, err
	}
	switch outcome {
	case "conflict":
		return match.Ticket{}, &match.ConflictError{Message: conflict, Ticket: t}
	case "in_session":
		ie := &match.InSessionError{}
		if t.Match != nil {
			ie.SessionID = t.Match.SessionID
		}
		return match.Ticket{}, ie
	}
	return t, nil
}
