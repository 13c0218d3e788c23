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
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/quota"
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

// Size counts the bytes a session stores (see Limits.DocBytes).
func (k Keys) Size(sid string) string { return k.Prefix + "collab:size:" + sid }

// Rate is a user's token bucket for updates (see Limits.Rate).
func (k Keys) Rate(user string) string { return k.Prefix + "collab:rate:" + user }

// appendScript adds an update to a session's stream, creating the stream
// with its consumer group first when it does not exist (a new session, or
// Redis lost it), so no entry is ever outside the group. An empty stream's
// first id is placed above ARGV[6] (the highest id the session is known to
// have reached): ids must keep growing across a Redis that lost its data
// or came back with a clock behind, since storage and the readers rely on
// the order. The expiry is renewed when ARGV[4] is not 0 (about once a
// second) and always set on a new stream.
//
// Before that it enforces the quotas, in the same round trip: the
// session's stored bytes (KEYS[2], ARGV[8]; a full state, ARGV[9] = 1,
// replaces what it covers, so only its own size counts against the cap)
// and the sender's token bucket (quota.BucketLua; KEYS[3] when given:
// ARGV[10] tokens a second, ARGV[11] at most, the update costs ARGV[12]).
//
// It returns {'ok', id, stored bytes}, {'doc', 0, stored bytes} or
// {'rate', ms to wait, 0}.
var appendScript = redis.NewScript(quota.BucketLua + `
local len = string.len(ARGV[3])
local cap = tonumber(ARGV[8])
local size = tonumber(redis.call('GET', KEYS[2]) or '0')
if cap > 0 and ((ARGV[9] == '1' and len > cap) or (ARGV[9] ~= '1' and size + len > cap)) then
  return {'doc', 0, size}
end
local now = now_ms()
if KEYS[3] then
  local wait = take(KEYS[3], tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12]), now)
  if wait > 0 then
    return {'rate', wait, 0}
  end
end
local id = '*'
local ttl = ARGV[4]
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[5], '0', 'MKSTREAM')
  ttl = ARGV[7]
end
if redis.call('XLEN', KEYS[1]) == 0 then
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
size = redis.call('INCRBY', KEYS[2], len)
redis.call('PEXPIRE', KEYS[2], ARGV[7])
return {'ok', res, size}
`)

// Limits are the quotas Append enforces. Zero values take the defaults.
type Limits struct {
	// DocBytes caps what a session stores: its latest full state plus the
	// updates since. Default 1 MiB, ten times the 100 KiB of code a
	// session may save (history's cap): room for the CRDT's overhead and
	// the updates between compactions, never reached by a real editor.
	DocBytes int64
	// Rate and Burst are each user's token bucket, shared by every
	// replica: an update costs one token plus one per KiB. Default 50 a
	// second, 1000 at most: a keystroke is one token, a 100 KiB paste 101.
	Rate  float64
	Burst float64
}

func (l Limits) withDefaults() Limits {
	if l.DocBytes <= 0 {
		l.DocBytes = 1 << 20
	}
	if l.Rate <= 0 {
		l.Rate = 50
	}
	if l.Burst <= 0 {
		l.Burst = 1000
	}
	return l
}

// Cost is what an update of n bytes takes from its sender's bucket.
func Cost(n int) float64 { return float64(1 + n/1024) }

// ErrDocTooLarge refuses an update that would take the session's stored
// document over Limits.DocBytes.
var ErrDocTooLarge = errors.New("docstream: the document is at its size limit")

// RateLimitedError refuses an update its sender has no tokens for.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("docstream: too many updates; retry in %v", e.RetryAfter)
}

// Quota says whose update it is, for Append's limits.
type Quota struct {
	User string // whose bucket pays; "" none
	Full bool   // a client's whole document, which replaces what it covers
}

// Appended is where an update went.
type Appended struct {
	ID     doc.StreamID
	Stored int64 // the session's stored bytes counted after it
}

// Streams appends to and reads session streams.
type Streams struct {
	rdb    *redis.Client
	keys   Keys
	limits Limits
	batch  appendBatcher
}

// NewStreams returns Streams on rdb under keys, with the default limits.
func NewStreams(rdb *redis.Client, keys Keys) *Streams {
	return &Streams{rdb: rdb, keys: keys, limits: Limits{}.withDefaults()}
}

// WithLimits returns s enforcing l.
func (s *Streams) WithLimits(l Limits) *Streams {
	s.limits = l.withDefaults()
	return s
}

// Limits returns the limits in force.
func (s *Streams) Limits() Limits { return s.limits }

// Keys returns the key names in use.
func (s *Streams) Keys() Keys { return s.keys }

// Client returns the Redis client.
func (s *Streams) Client() *redis.Client { return s.rdb }

// Append adds an update sent by origin to the session's stream and returns
// its id, which is above floor. register also notes the stream in the
// registry (callers do it about once a second per session; before the
// first append, always). It fails with ErrDocTooLarge or a
// *RateLimitedError, storing nothing, when q's limits refuse it.
//
// Appends made at the same time, by any sockets of any sessions, share
// Redis round trips: one caller at a time (up to maxFlushers) sends every
// append queued meanwhile as one pipeline, so under load a round trip
// carries many updates instead of one.
func (s *Streams) Append(ctx context.Context, sid, origin, nonce string, data []byte, register bool, floor doc.StreamID, q Quota) (Appended, error) {
	req := &appendReq{sid: sid, origin: origin, nonce: nonce, data: data, register: register, floor: floor, q: q, done: make(chan struct{})}
	b := &s.batch
	b.mu.Lock()
	b.queue = append(b.queue, req)
	if b.flushers >= maxFlushers {
		b.mu.Unlock()
		select {
		case <-req.done:
			return req.res, req.err
		case <-ctx.Done():
			return Appended{}, fmt.Errorf("append update: %w", ctx.Err())
		}
	}
	b.flushers++
	for len(b.queue) > 0 {
		batch := b.queue
		b.queue = nil
		b.mu.Unlock()
		s.appendBatch(ctx, batch)
		b.mu.Lock()
	}
	b.flushers--
	b.mu.Unlock()
	<-req.done // in the first batch this caller sent
	return req.res, req.err
}

// maxFlushers bounds the pipelines of appends in flight at once.
const maxFlushers = 4

// appendBatcher queues appends for the next pipeline.
type appendBatcher struct {
	mu       sync.Mutex
	queue    []*appendReq
	flushers int
}

type appendReq struct {
	sid, origin, nonce string
	data               []byte
	register           bool
	floor              doc.StreamID
	q                  Quota

	done chan struct{} // closed once res and err are set
	res  Appended
	err  error
}

// appendBatch sends the appends as one pipeline (a registry ZADD before
// each append that asks for it) and answers each. An append Redis does not
// know the script for is retried alone, which loads it.
func (s *Streams) appendBatch(ctx context.Context, batch []*appendReq) {
	// The pipeline serves every caller in it, not only the one sending.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	regs := make([]*redis.IntCmd, len(batch))
	cmds := make([]*redis.Cmd, len(batch))
	p := s.rdb.Pipeline()
	now := float64(time.Now().UnixMilli())
	for i, r := range batch {
		if r.register {
			regs[i] = p.ZAdd(ctx, s.keys.Registry(), redis.Z{Score: now, Member: r.sid})
		}
		keys, args := s.appendArgs(r)
		cmds[i] = appendScript.EvalSha(ctx, p, keys, args...)
	}
	_, _ = p.Exec(ctx) // each command's error is its own
	for i, r := range batch {
		if regs[i] != nil && regs[i].Err() != nil {
			r.err = fmt.Errorf("register stream: %w", regs[i].Err())
		} else {
			res, err := cmds[i].Slice()
			if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
				keys, args := s.appendArgs(r)
				res, err = appendScript.Run(ctx, s.rdb, keys, args...).Slice()
			}
			r.res, r.err = appended(res, err)
		}
		close(r.done)
	}
}

func (s *Streams) appendArgs(r *appendReq) ([]string, []any) {
	ttl := int64(0)
	if r.register {
		ttl = streamTTL.Milliseconds()
	}
	keys := []string{s.keys.Doc(r.sid), s.keys.Size(r.sid)}
	if r.q.User != "" {
		keys = append(keys, s.keys.Rate(r.q.User))
	}
	full := "0"
	if r.q.Full {
		full = "1"
	}
	l := s.limits
	return keys, []any{r.origin, r.nonce, r.data, ttl, Group, r.floor.Ms, streamTTL.Milliseconds(),
		l.DocBytes, full, l.Rate, l.Burst, Cost(len(r.data))}
}

// appended reads appendScript's answer.
func appended(res []any, err error) (Appended, error) {
	if err != nil {
		return Appended{}, fmt.Errorf("append update: %w", err)
	}
	if len(res) != 3 {
		return Appended{}, fmt.Errorf("append update: unexpected answer %v", res)
	}
	status, _ := res[0].(string)
	n, _ := res[2].(int64)
	switch status {
	case "doc":
		return Appended{Stored: n}, ErrDocTooLarge
	case "rate":
		ms, _ := res[1].(int64)
		return Appended{}, &RateLimitedError{RetryAfter: time.Duration(ms) * time.Millisecond}
	}
	idText, _ := res[1].(string)
	id, err := doc.ParseStreamID(idText)
	return Appended{ID: id, Stored: n}, err
}

// compactedScript sets a session's stored bytes after a compaction: the
// snapshot (ARGV[1] bytes) plus whatever was appended after it, i.e.
// the count now less the count right after the snapshot was appended
// (ARGV[2]). Updates appended between the full-state request and the
// snapshot are not counted; they are few.
var compactedScript = redis.NewScript(`
local now = tonumber(redis.call('GET', KEYS[1]) or '0')
local v = tonumber(ARGV[1]) + math.max(0, now - tonumber(ARGV[2]))
if v < now then
  redis.call('SET', KEYS[1], v, 'KEEPTTL')
end
return v
`)

// Compacted notes that a snapshot of snapBytes, whose append left the
// session's stored bytes at storedAfter, replaced the updates it covers.
func (s *Streams) Compacted(ctx context.Context, sid string, snapBytes int, storedAfter int64) error {
	return compactedScript.Run(ctx, s.rdb, []string{s.keys.Size(sid)}, snapBytes, storedAfter).Err()
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
		p.Del(ctx, s.keys.Doc(sid), s.keys.Size(sid))
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
