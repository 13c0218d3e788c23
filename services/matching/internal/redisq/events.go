package redisq

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/redisgroup"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// EventsTail is the id of the newest event ("0-0" when there is none): a
// reader starting from it sees every event written afterwards.
func (s *Store) EventsTail(ctx context.Context) (string, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, s.base+"events", "+", "-", 1).Result()
	if err != nil {
		return "", storeErr("events tail", err)
	}
	if len(msgs) == 0 {
		return "0-0", nil
	}
	return msgs[0].ID, nil
}

// ReadEvents returns the ticket states written after the event id after,
// waiting up to block for one, and the id to read after next time. gap
// reports that the stream was trimmed past after before this read (the
// reader fell more than EventsMaxLen events behind), so some states were
// never seen and the caller must re-read what it cares about.
func (s *Store) ReadEvents(ctx context.Context, after string, count int64, block time.Duration) (out []match.Ticket, next string, gap bool, err error) {
	key := s.base + "events"
	streams, err := s.rdb.XRead(ctx, &redis.XReadArgs{
		Streams: []string{key, after}, Count: count, Block: block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, after, false, nil
	}
	if err != nil {
		return nil, after, false, storeErr("read events", err)
	}
	next = after
	for _, st := range streams {
		for _, m := range st.Messages {
			next = m.ID
			if t, err := decodeTicket(redisgroup.Fields(m)); err == nil {
				out = append(out, t)
			}
		}
	}
	if next != after && after != "0-0" {
		// Only a reader that got something can have missed something.
		oldest, err := s.rdb.XRangeN(ctx, key, "-", "+", 1).Result()
		if err != nil {
			return nil, after, false, storeErr("read events: oldest entry", err)
		}
		gap = len(oldest) > 0 && streamIDLess(after, oldest[0].ID)
	}
	return out, next, gap, nil
}

// streamIDLess compares two stream ids ("<ms>-<seq>"); an id that does
// not parse is less than everything.
func streamIDLess(a, b string) bool {
	am, as, aok := parseStreamID(a)
	bm, bs, bok := parseStreamID(b)
	switch {
	case !aok:
		return bok
	case !bok:
		return false
	case am != bm:
		return am < bm
	default:
		return as < bs
	}
}

func parseStreamID(id string) (ms, seq uint64, ok bool) {
	m, q, found := strings.Cut(id, "-")
	ms, err1 := strconv.ParseUint(m, 10, 64)
	if !found {
		return ms, 0, err1 == nil
	}
	seq, err2 := strconv.ParseUint(q, 10, 64)
	return ms, seq, err1 == nil && err2 == nil
}
