package redisq

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// Enqueue implements match.Store.
func (s *Store) Enqueue(ctx context.Context, ticketID, userID string, c match.Criteria, seen match.Ticket) (match.Ticket, error) {
	interviewer := "0"
	if c.StartAsInterviewer {
		interviewer = "1"
	}
	res, err := s.run(ctx, enqueueScript, ticketID, userID, c.Difficulty, c.Topic, c.Language,
		max(s.o.RelaxAfter.Milliseconds(), 0), s.o.MatchTimeout.Milliseconds(), seen.ID, seen.Version,
		c.ModeOrDefault(), interviewer).Slice()
	if err != nil {
		return match.Ticket{}, storeErr("enqueue script", err)
	}
	if len(res) == 1 && res[0] == "gone" {
		return match.Ticket{}, match.ErrUserGone
	}
	outcome, t, err := outcomeTicket(res)
	if err != nil {
		return match.Ticket{}, err
	}
	switch outcome {
	case "conflict":
		return match.Ticket{}, &match.ConflictError{Message: "you already have a ticket in the queue", Ticket: t}
	case "in_session":
		ie := &match.InSessionError{}
		if t.Match != nil {
			ie.SessionID = t.Match.SessionID
		}
		return match.Ticket{}, ie
	}
	return t, nil
}

// Cancel implements match.Store.
func (s *Store) Cancel(ctx context.Context, userID string) (match.Ticket, error) {
	res, err := s.run(ctx, cancelScript, userID).Slice()
	if err != nil {
		return match.Ticket{}, storeErr("cancel script", err)
	}
	if len(res) == 1 {
		return match.Ticket{}, match.ErrNotFound
	}
	_, t, err := outcomeTicket(res)
	return t, err
}

// ForgetUser cancels the waiting ticket of a deleted account and, for
// keep, refuses its new tickets and never pairs one of its tickets.
func (s *Store) ForgetUser(ctx context.Context, userID string, keep time.Duration) error {
	if err := s.run(ctx, forgetScript, userID, keep.Milliseconds()).Err(); err != nil {
		return storeErr("forget script", err)
	}
	return nil
}

// Current implements match.Store.
func (s *Store) Current(ctx context.Context, userID string) (match.Ticket, error) {
	res, err := s.run(ctx, currentScript, userID).Slice()
	if errors.Is(err, redis.Nil) {
		return match.Ticket{}, match.ErrNotFound
	}
	if err != nil {
		return match.Ticket{}, storeErr("current script", err)
	}
	return decodeTicket(pairsToMap(res))
}

// Ticket implements match.Store.
func (s *Store) Ticket(ctx context.Context, id string) (match.Ticket, error) {
	f, err := s.rdb.HGetAll(ctx, s.base+"t:"+id).Result()
	if err != nil {
		return match.Ticket{}, storeErr("read ticket", err)
	}
	if len(f) == 0 {
		return match.Ticket{}, match.ErrNotFound
	}
	return decodeTicket(f)
}

// CurrentMany implements ws.Store: the current tickets of several users.
func (s *Store) CurrentMany(ctx context.Context, userIDs []string) (map[string]match.Ticket, error) {
	gets := make([]*redis.StringCmd, len(userIDs))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, u := range userIDs {
			gets[i] = p.Get(ctx, s.base+"u:"+u)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, storeErr("read users' tickets", err)
	}
	var ids []string
	for _, g := range gets {
		if id := g.Val(); id != "" {
			ids = append(ids, id)
		}
	}
	tickets, err := s.Tickets(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]match.Ticket, len(tickets))
	for _, t := range tickets {
		// A pointer may have moved on meanwhile; keep the user's newest.
		if cur, ok := out[t.UserID]; !ok || t.Newer(cur) {
			out[t.UserID] = t
		}
	}
	return out, nil
}

// Tickets reads several tickets at once; missing ones are left out.
func (s *Store) Tickets(ctx context.Context, ids []string) (map[string]match.Ticket, error) {
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.base+"t:"+id)
		}
		return nil
	})
	if err != nil {
		return nil, storeErr("read tickets", err)
	}
	out := make(map[string]match.Ticket, len(ids))
	for i, c := range cmds {
		if f := c.Val(); len(f) > 0 {
			if t, err := decodeTicket(f); err == nil {
				out[ids[i]] = t
			}
		}
	}
	return out, nil
}

// Relax implements match.SweepStore.
func (s *Store) Relax(ctx context.Context, limit int) (int, bool, error) {
	return s.sweep(ctx, relaxScript, limit)
}

// Expire implements match.SweepStore.
func (s *Store) Expire(ctx context.Context, limit int) (int, bool, error) {
	return s.sweep(ctx, expireScript, limit)
}

func (s *Store) sweep(ctx context.Context, sc *redis.Script, limit int) (int, bool, error) {
	res, err := s.run(ctx, sc, limit).Int64Slice()
	if err != nil {
		return 0, false, storeErr("sweep script", err)
	}
	if len(res) != 2 {
		return 0, false, errors.New("sweep script: unexpected reply")
	}
	return int(res[0]), res[1] == 1, nil
}

// Epoch implements match.SweepStore.
func (s *Store) Epoch(ctx context.Context) (int64, error) {
	v, err := s.run(ctx, epochScript).Text()
	if err != nil {
		return 0, storeErr("epoch script", err)
	}
	return strconv.ParseInt(v, 10, 64)
}
