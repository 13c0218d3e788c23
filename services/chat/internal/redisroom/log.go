package redisroom

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/redisgroup"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
)

// Limits configure Log.
type Limits struct {
	RatePerSecond int           // messages per second per user, sustained
	Burst         int           // messages a user may send at once
	StreamLen     int           // entries kept per room stream (approximately)
	TTL           time.Duration // idle rooms' streams and client ids expire after this
}

// DefaultLimits are the numbers.
var DefaultLimits = Limits{RatePerSecond: 10, Burst: 10, StreamLen: 1000, TTL: 24 * time.Hour}

// Log implements chat.Log on Redis streams.
type Log struct {
	rdb  redis.UniversalClient
	keys Keys
	l    Limits
}

// NewLog returns a Log whose keys are under keys.
func NewLog(rdb redis.UniversalClient, keys Keys, l Limits) *Log {
	if l.RatePerSecond <= 0 {
		l.RatePerSecond = DefaultLimits.RatePerSecond
	}
	if l.Burst <= 0 {
		l.Burst = DefaultLimits.Burst
	}
	if l.StreamLen <= 0 {
		l.StreamLen = DefaultLimits.StreamLen
	}
	if l.TTL <= 0 {
		l.TTL = DefaultLimits.TTL
	}
	return &Log{rdb: rdb, keys: keys, l: l}
}

// appendScript accepts one message atomically. In order: a client id seen
// before in the room answers "dup" with the earlier entry; a room without a
// stream answers "floor" unless the caller gave the greatest id the durable
// store holds; the sender's token bucket may answer "limited"; otherwise the
// message gets the room's next stream id (greater than the floor), the
// client id is remembered, the message is queued for persistence and
// published with the id before it, so subscribers can see a gap.
var appendScript = redis.NewScript(`
local existing = redis.call('HGET', KEYS[2], ARGV[2])
if existing then
  local e = redis.call('XRANGE', KEYS[1], existing, existing)
  if #e == 1 then return {'dup', existing, e[1][2]} end
  return {'dup', existing}
end
local exists = redis.call('EXISTS', KEYS[1]) == 1
if not exists and ARGV[10] == '' then return {'floor'} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate, burst = tonumber(ARGV[8]), tonumber(ARGV[9])
local b = redis.call('HMGET', KEYS[4], 'tokens', 'at')
local tokens, at = tonumber(b[1]), tonumber(b[2])
if not tokens or not at then tokens, at = burst, now end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
  at = now
end
if tokens < 1 then
  return {'limited', tostring(math.ceil((1 - tokens) * 1000 / rate))}
end
redis.call('HSET', KEYS[4], 'tokens', tostring(tokens - 1), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[4], math.ceil(burst * 1000 / rate) + 1000)
local prev, id = '', '*'
if exists then
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  if #last == 1 then prev = last[1][1] end
else
  local fms, fseq = string.match(ARGV[10], '^(%d+)-(%d+)$')
  if fms and now <= tonumber(fms) then
    id = fms .. '-' .. string.format('%.0f', tonumber(fseq) + 1)
  end
end
id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[12], id,
  'c', ARGV[2], 'u', ARGV[3], 'n', ARGV[4], 't', ARGV[5], 's', ARGV[6])
redis.call('HSET', KEYS[2], ARGV[2], id)
redis.call('PEXPIRE', KEYS[1], ARGV[11])
redis.call('PEXPIRE', KEYS[2], ARGV[11])
redis.call('XADD', KEYS[3], '*', 'r', ARGV[1], 'i', id,
  'c', ARGV[2], 'u', ARGV[3], 'n', ARGV[4], 't', ARGV[5], 's', ARGV[6])
redis.call('PUBLISH', ARGV[7], cjson.encode({k = 'm', p = prev, i = id,
  c = ARGV[2], u = ARGV[3], n = ARGV[4], t = ARGV[5], s = ARGV[6]}))
return {'ok', id, prev}
`)

// timeLayout keeps milliseconds, which is what chat.Service gives sent_at.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// Append implements chat.Log.
func (l *Log) Append(ctx context.Context, m chat.Message, floor *chat.ID) (chat.Message, bool, error) {
	f := ""
	if floor != nil {
		f = floor.String()
	}
	keys := []string{l.keys.Stream(m.RoomID), l.keys.ClientIDs(m.RoomID), l.keys.Persist(), l.keys.Rate(m.UserID)}
	res, err := appendScript.Run(ctx, l.rdb, keys,
		m.RoomID, m.ClientID, m.UserID, m.Username, m.Text, m.SentAt.UTC().Format(timeLayout),
		l.keys.Channel(m.RoomID), l.l.RatePerSecond, l.l.Burst, f, l.l.TTL.Milliseconds(), l.l.StreamLen,
	).Slice()
	if err != nil {
		return chat.Message{}, false, err
	}
	if len(res) == 0 {
		return chat.Message{}, false, errors.New("append: empty reply")
	}
	status, _ := res[0].(string)
	switch status {
	case "floor":
		return chat.Message{}, false, chat.ErrNeedFloor
	case "limited":
		ms, _ := strconv.Atoi(str(res, 1))
		return chat.Message{}, false, &chat.RateLimitedError{RetryAfter: time.Duration(max(ms, 1)) * time.Millisecond}
	case "ok":
		id, err := chat.ParseID(str(res, 1))
		if err != nil {
			return chat.Message{}, false, err
		}
		m.ID = id
		return m, false, nil
	case "dup":
		id, err := chat.ParseID(str(res, 1))
		if err != nil {
			return chat.Message{}, false, err
		}
		if len(res) > 2 {
			if fields, ok := res[2].([]any); ok {
				return entryMessage(m.RoomID, id, pairs(fields)), true, nil
			}
		}
		// The entry was trimmed from the stream: the earlier message had the
		// same client id, so it is this one with the id given then.
		m.ID = id
		return m, true, nil
	}
	return chat.Message{}, false, fmt.Errorf("append: unexpected reply %q", status)
}

func str(res []any, i int) string {
	if i >= len(res) {
		return ""
	}
	s, _ := res[i].(string)
	return s
}

// pairs turns a flat [k1 v1 k2 v2 …] reply into a map.
func pairs(flat []any) map[string]string {
	m := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		k, _ := flat[i].(string)
		v, _ := flat[i+1].(string)
		m[k] = v
	}
	return m
}

// entryMessage builds a message from stream entry fields.
func entryMessage(room string, id chat.ID, f map[string]string) chat.Message {
	sent, _ := time.Parse(time.RFC3339Nano, f["s"])
	return chat.Message{ID: id, RoomID: room, ClientID: f["c"], UserID: f["u"], Username: f["n"], Text: f["t"], SentAt: sent.UTC()}
}

func streamMessages(room string, xs []redis.XMessage) []chat.Message {
	out := make([]chat.Message, 0, len(xs))
	for _, x := range xs {
		id, err := chat.ParseID(x.ID)
		if err != nil {
			continue
		}
		out = append(out, entryMessage(room, id, redisgroup.Fields(x)))
	}
	return out
}

// Recent implements chat.Log.
func (l *Log) Recent(ctx context.Context, room string, before *chat.ID, limit int) ([]chat.Message, error) {
	end := "+"
	if before != nil {
		if before.IsZero() {
			return nil, nil
		}
		end = "(" + before.String()
	}
	xs, err := l.rdb.XRevRangeN(ctx, l.keys.Stream(room), end, "-", int64(limit)).Result()
	if err != nil {
		return nil, err
	}
	return streamMessages(room, xs), nil
}

// After returns up to limit messages of room with ids after after, oldest
// first: what a subscriber missed.
func (l *Log) After(ctx context.Context, room string, after chat.ID, limit int) ([]chat.Message, error) {
	xs, err := l.rdb.XRangeN(ctx, l.keys.Stream(room), "("+after.String(), "+", int64(limit)).Result()
	if err != nil {
		return nil, err
	}
	return streamMessages(room, xs), nil
}

// Tail returns the id of the room's newest message in the stream, or the
// zero ID when it has none.
func (l *Log) Tail(ctx context.Context, room string) (chat.ID, error) {
	xs, err := l.rdb.XRevRangeN(ctx, l.keys.Stream(room), "+", "-", 1).Result()
	if err != nil || len(xs) == 0 {
		return chat.ID{}, err
	}
	return chat.ParseID(xs[0].ID)
}
