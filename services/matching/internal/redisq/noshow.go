package redisq

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// ErrNotRequeued: the user was not put back in the queue, because the
// match, its ticket or the account is gone, or the user has another
// ticket since.
var ErrNotRequeued = errors.New("not requeued")

// ClaimNoShows takes up to limit no-show checks that are due, for lease:
// one replica gets each, and one that dies holding it has it retried
// after the lease.
func (s *Store) ClaimNoShows(ctx context.Context, limit int, lease time.Duration) ([]string, error) {
	ids, err := s.run(ctx, noShowClaimScript, limit, lease.Milliseconds()).StringSlice()
	if err != nil {
		return nil, storeErr("claim no-shows", err)
	}
	return ids, nil
}

// NoShowDone drops a handled no-show check.
func (s *Store) NoShowDone(ctx context.Context, matchID string) error {
	return storeErr("drop no-show check", s.rdb.ZRem(ctx, s.base+"noshow", matchID).Err())
}

// NoShowRetry makes a no-show check due again after after.
func (s *Store) NoShowRetry(ctx context.Context, matchID string, after time.Duration) error {
	return storeErr("retry no-show check", s.rdb.ZAddXX(ctx, s.base+"noshow",
		redisZ(float64(time.Now().Add(after).UnixMilli()), matchID)).Err())
}

// Requeue puts user, whose partner never joined the session of match
// matchID, back in the queue at the front with the criteria of their
// ticket of the match, as ticketID (once per match: asked again, it
// returns the ticket already made). ErrNotRequeued when it cannot or
// should not.
func (s *Store) Requeue(ctx context.Context, matchID, userID, ticketID string) (match.Ticket, error) {
	res, err := s.run(ctx, requeueScript, matchID, userID, ticketID,
		max(s.o.RelaxAfter.Milliseconds(), 0), s.o.MatchTimeout.Milliseconds()).Slice()
	if err != nil {
		return match.Ticket{}, storeErr("requeue script", err)
	}
	if len(res) == 1 {
		return match.Ticket{}, ErrNotRequeued
	}
	_, t, err := outcomeTicket(res)
	return t, err
}

func redisZ(score float64, member string) redis.Z { return redis.Z{Score: score, Member: member} }
