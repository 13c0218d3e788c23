// Package docstream carries documents between replicas through Redis.
//
// Every session has a stream ({prefix}collab:doc:{session}) holding the Yjs
// updates its clients sent, each entry with fields o (the sending
// connection, so it is not echoed back), n (a nonce) and d (the update).
// Replicas XREAD the streams of the sessions they host to fan updates out
// (Reader), and a consumer group "persist" hands every entry to one replica
// to store in PostgreSQL; entries a dead replica claimed are taken over
// with XAUTOCLAIM (Persister). The sorted set {prefix}collab:docs lists the
// streams written lately, so entries of sessions nobody hosts any more are
// persisted too. Awareness and control signals, which are not kept, go
// over Pub/Sub ({prefix}collab:sig:{session}).
package docstream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
)

// Group is the consumer group that persists entries.
const Group = "persist"

// streamTTL drops a stream nobody wrote to for a day. Entries are persisted
// within seconds and a session's stream is deleted when it ends, so this
// only collects the leftovers of sessions that ended while Redis was away.
const streamTTL = 24 * time.Hour

// Entry is one update read from a session's stream.
type Entry struct {
	ID     doc.StreamID
	Origin string // the connection that sent it
	Nonce  string
	Data   []byte
}

// Update returns e as the stored update of session sid.
func (e Entry) Update(sid string) doc.Update {
	return doc.Update{SessionID: sid, EntryID: doc.EntryID(e.ID, e.Nonce), Stream: e.ID, Data: e.Data}
}

// Keys names every Redis key the service writes; all start with the
// configured prefix.
type Keys struct{ Prefix string }

// Doc is the stream of a session's updates.
func (k Keys) Doc(sid string) string { return k.Prefix + "collab:doc:" + sid }

// sessionOf returns the session of a Doc key.
func (k Keys) sessionOf(key string) (string, bool) {
	return strings.CutPrefix(key, k.Prefix+"collab:doc:")
}

// Registry is the sorted set of recently written streams (member: session,
// score: unix ms of the last write).
func (k Keys) Registry() string { return k.Prefix + "collab:docs" }

// Signals is the Pub/Sub channel of a session's awareness and control
// messages.
func (k Keys) Signals(sid string) string { return k.Prefix + "collab:sig:" + sid }

// Wake is the stream a replica's reader shard blocks on besides the
// session streams, so a newly hosted session can interrupt its XREAD.
func (k Keys) Wake(replica string, shard int) string {
	return k.Prefix + "collab:wake:" + replica + ":" + strconv.Itoa(shard)
}

// CompactLock is held by the replica that asks a client for its full
// state, so two replicas hosting a session do not both ask.
func (k Keys) CompactLock(sid string) string { return k.Prefix + "collab:compact:" + sid }

// appendScript adds an update to a session's stream, creating the stream
// with its consumer group first when it does not exist (a new session, or
// Redis lost it), so no entry is ever outside the group. An empty stream's
// first id is placed above ARGV[6] (the highest id the session is known to
// have reached): ids must keep growing across a Redis that lost its data
// or came back with a clock behind, since storage and the readers rely on
// the order. The expiry is renewed when ARGV[4] is not 0 (about once a
// second) and always set on a new stream.
var appendScript = redis.NewScript(`
local id = '*'
local ttl = ARGV[4]
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[5], '0', 'MKSTREAM')
  ttl = ARGV[7]
end
if redis.call('XLEN', KEYS[1]) == 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local floor = tonumber(ARGV[6])
  if now <= floor then
    id = string.format('%d-*', floor + 1)
  end
end
local ok, res = pcall(redis.call, 'XADD', KEYS[1], id, 'o', ARGV[1], 'n', ARGV[2], 'd', ARGV[3])
if not ok then
  res = redis.call('XADD', KEYS[1], '*', 'o', ARGV[1], 'n', ARGV[2], 'd', ARGV[3])
end
if ttl ~= '0' then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return res
`)

// Streams appends to and reads session streams.
type Streams struct {
	rdb  *redis.Client
	keys Keys
}

// NewStreams returns Streams on rdb under keys.
func NewStreams(rdb *redis.Client, keys Keys) *Streams { return &Streams{rdb: rdb, keys: keys} }

// Keys returns the key names in use.
func (s *Streams) Keys() Keys { return s.keys }

// Client returns the Redis client.
func (s *Streams) Client() *redis.Client { return s.rdb }

// Append adds an update sent by origin to the session's stream and returns
// its id, which is above floor. register also notes the stream in the
// registry (callers do it about once a second per session; before the
// first append, always).
func (s *Streams) Append(ctx context.Context, sid, origin, nonce string, data []byte, register bool, floor doc.StreamID) (doc.StreamID, error) {
	if register {
		if err := s.rdb.ZAdd(ctx, s.keys.Registry(), redis.Z{Score: float64(time.Now().UnixMilli()), Member: sid}).Err(); err != nil {
			return doc.StreamID{}, fmt.Errorf("register stream: %w", err)
		}
	}
	ttl := int64(0)
	if register {
		ttl = streamTTL.Milliseconds()
	}
	res, err := appendScript.Run(ctx, s.rdb, []string{s.keys.Doc(sid)},
		origin, nonce, data, ttl, Group, floor.Ms, streamTTL.Milliseconds()).Text()
	if err != nil {
		return doc.StreamID{}, fmt.Errorf("append update: %w", err)
	}
	return doc.ParseStreamID(res)
}

// LastID returns the id of the newest entry of the session's stream, or
// the zero id when it is empty or missing.
func (s *Streams) LastID(ctx context.Context, sid string) (doc.StreamID, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, s.keys.Doc(sid), "+", "-", 1).Result()
	if err != nil {
		return doc.StreamID{}, fmt.Errorf("last stream id: %w", err)
	}
	if len(msgs) == 0 {
		return doc.StreamID{}, nil
	}
	return doc.ParseStreamID(msgs[0].ID)
}

// Range returns the entries of the session's stream after `after` up to
// and including upTo.
func (s *Streams) Range(ctx context.Context, sid string, after, upTo doc.StreamID) ([]Entry, error) {
	if !after.Less(upTo) {
		return nil, nil
	}
	msgs, err := s.rdb.XRange(ctx, s.keys.Doc(sid), "("+after.String(), upTo.String()).Result()
	if err != nil {
		return nil, fmt.Errorf("read stream: %w", err)
	}
	return entries(msgs), nil
}

// TrimCovered drops entries up to upTo — a stored snapshot holds them —
// but keeps the last `keep` of entries for replicas whose readers lag.
func (s *Streams) TrimCovered(ctx context.Context, sid string, upTo doc.StreamID, keep time.Duration) error {
	cut := doc.StreamID{Ms: upTo.Ms, Seq: upTo.Seq + 1}
	if recent := (doc.StreamID{Ms: time.Now().Add(-keep).UnixMilli()}); recent.Less(cut) {
		cut = recent
	}
	return s.rdb.XTrimMinIDApprox(ctx, s.keys.Doc(sid), cut.String(), 0).Err()
}

// Delete removes a session's stream and registry entry (the session ended
// and its entries are persisted).
func (s *Streams) Delete(ctx context.Context, sid string) error {
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.keys.Doc(sid))
		p.ZRem(ctx, s.keys.Registry(), sid)
		return nil
	})
	return err
}

// TryLock takes a short-lived lock; it reports whether this caller got it.
func (s *Streams) TryLock(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return s.rdb.SetNX(ctx, key, "1", ttl).Result()
}

// Unlock releases a lock taken with TryLock.
func (s *Streams) Unlock(ctx context.Context, key string) error {
	return s.rdb.Del(ctx, key).Err()
}

// entries converts stream messages, skipping any that are not ours.
func entries(msgs []redis.XMessage) []Entry {
	out := make([]Entry, 0, len(msgs))
	for _, m := range msgs {
		e, err := entry(m)
		if err != nil {
			continue
		}
		out = append(out, e)
	}
	return out
}

var errBadEntry = errors.New("docstream: malformed stream entry")

func entry(m redis.XMessage) (Entry, error) {
	id, err := doc.ParseStreamID(m.ID)
	if err != nil {
		return Entry{}, err
	}
	o, ok1 := m.Values["o"].(string)
	n, ok2 := m.Values["n"].(string)
	d, ok3 := m.Values["d"].(string)
	if !ok1 || !ok2 || !ok3 {
		return Entry{}, errBadEntry
	}
	return Entry{ID: id, Origin: o, Nonce: n, Data: []byte(d)}, nil
}
