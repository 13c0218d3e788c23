package docstream

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/redisgroup"
	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
)

// Sink stores updates durably; storing one twice must be harmless.
type Sink interface {
	PersistUpdates(ctx context.Context, ups []doc.Update) error
}

// PersisterOptions tune a Persister; zero values take the defaults.
type PersisterOptions struct {
	Interval   time.Duration // how often new entries of hosted sessions are stored; default 200 ms
	SweepEvery time.Duration // how often abandoned entries are looked for; default 5 s
	ClaimIdle  time.Duration // an entry pending this long belongs to a dead (or failing) replica; default 15 s
	KeepFor    time.Duration // persisted entries stay in the stream this long for lagging readers; default 60 s
}

// Persister moves stream entries into the Sink through the consumer group,
// a redisgroup.Worker over the streams of the sessions this replica hosts:
// each replica reads new entries of those (competing consumers: every
// entry goes to one of them), acknowledges them once stored, and claims
// entries another consumer has held too long (XAUTOCLAIM). Its sweep reads
// the streams of sessions nobody hosts any more (the registry) and trims
// what is stored and old enough. At shutdown it stores what this replica
// read and still holds, so a clean shutdown leaves nothing for others to
// claim.
type Persister struct {
	rdb    *redis.Client
	keys   Keys
	sink   Sink
	hosted func() []string
	log    *slog.Logger
	o      PersisterOptions
	w      redisgroup.Worker
}

// NewPersister returns a Persister consuming as consumer (the replica id);
// hosted lists the sessions this replica has sockets for.
func NewPersister(rdb *redis.Client, keys Keys, consumer string, sink Sink, hosted func() []string, log *slog.Logger, o PersisterOptions) *Persister {
	if o.Interval <= 0 {
		o.Interval = 200 * time.Millisecond
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = 5 * time.Second
	}
	if o.ClaimIdle <= 0 {
		o.ClaimIdle = 15 * time.Second
	}
	if o.KeepFor <= 0 {
		o.KeepFor = time.Minute
	}
	p := &Persister{rdb: rdb, keys: keys, sink: sink, hosted: hosted, log: log, o: o}
	p.w = redisgroup.Worker{
		Group: redisgroup.New(rdb, Group), Consumer: consumer, Log: log,
		Streams:       func() []string { return p.streams(hosted()) },
		HandleStreams: p.store, StreamTTL: streamTTL, DrainOnStop: true,
		Poll: o.Interval, Batch: entryBatch, ReadRounds: maxRounds, ClaimRounds: maxRounds,
		ClaimIdle: o.ClaimIdle, ClaimEvery: o.SweepEvery, AckTimeout: 5 * time.Second,
		Backoff: func(int) time.Duration { return 0 }, // the next round is Interval away
		OnError: func(err error, _ int) { log.Warn("persisting document updates failed", "error", err.Error()) },
		Tasks:   []redisgroup.Task{{Every: o.SweepEvery, Do: p.sweep}},
	}
	return p
}

// Run persists until ctx is done, then stores what this replica read and
// still holds.
func (p *Persister) Run(ctx context.Context) { p.w.Run(ctx) }

const (
	entryBatch  = 1000 // entries per stream per read
	maxRounds   = 20   // reads per stream per pass, so one busy stream cannot hold a pass forever
	sweepBatch  = 200  // registry members per sweep
	registryAge = 30 * time.Second
)

func (p *Persister) streams(sids []string) []string {
	out := make([]string, len(sids))
	for i, sid := range sids {
		out[i] = p.keys.Doc(sid)
	}
	return out
}

// persistNew stores the entries of the sessions' streams — new ones (">")
// or those this consumer holds ("0") — now, skipping streams that are gone.
func (p *Persister) persistNew(ctx context.Context, sids []string, from string) error {
	return p.w.Drain(ctx, from, p.streams(sids)...)
}

// store persists the entries (the Worker acknowledges them then); entries
// that are not ours are acknowledged without storing.
func (p *Persister) store(ctx context.Context, batch []redis.XStream, _ bool) error {
	var ups []doc.Update
	for _, st := range batch {
		sid, ok := p.keys.sessionOf(st.Stream)
		if !ok {
			continue
		}
		for _, m := range st.Messages {
			if m.Values == nil {
				continue // trimmed while pending: inside a stored snapshot
			}
			e, err := entry(m)
			if err != nil {
				p.log.Warn("dropping a malformed stream entry", "session_id", sid, "entry", m.ID)
				continue
			}
			ups = append(ups, e.Update(sid))
		}
	}
	if len(ups) == 0 {
		return nil
	}
	return p.sink.PersistUpdates(ctx, ups) // on error not acknowledged: claimed again after ClaimIdle
}

// PersistSession stores the new entries of one session's stream now, e.g.
// when this replica's last socket for it closed.
func (p *Persister) PersistSession(ctx context.Context, sid string) {
	if err := p.persistNew(ctx, []string{sid}, ">"); err != nil {
		p.log.Warn("persisting a released session failed; the sweep will", "session_id", sid, "error", err.Error())
	}
}

// Flush persists every entry of the session's stream, whoever holds it,
// then deletes the stream: the session ended.
func (p *Persister) Flush(ctx context.Context, sid string) error {
	if err := p.persistNew(ctx, []string{sid}, ">"); err != nil {
		return err
	}
	if err := p.w.Claim(ctx, 0, p.keys.Doc(sid)); err != nil {
		return err
	}
	return NewStreams(p.rdb, p.keys).Delete(ctx, sid)
}

// removeIfIdleScript drops a registry member only if its score is still the
// one seen: a write since then re-registered it.
var removeIfIdleScript = redis.NewScript(`
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
`)

// sweep reads streams nobody hosts and claims their entries held too long
// (the Worker does so for hosted streams), forgets fully persisted streams
// and trims persisted entries.
func (p *Persister) sweep(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, p.o.SweepEvery*4)
	defer cancel()
	now := time.Now()
	members, err := p.rdb.ZRangeByScoreWithScores(ctx, p.keys.Registry(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.Add(-2*time.Second).UnixMilli(), 10), Count: sweepBatch,
	}).Result()
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("reading the stream registry failed", "error", err.Error())
		}
		return
	}
	hosted := map[string]bool{}
	for _, sid := range p.hosted() {
		hosted[sid] = true
	}
	var orphans []string
	for _, m := range members {
		if sid, ok := m.Member.(string); ok && !hosted[sid] {
			orphans = append(orphans, sid)
		}
	}
	if err := p.persistNew(ctx, orphans, ">"); err != nil {
		p.log.Warn("persisting abandoned streams failed", "error", err.Error())
	}
	if err := p.w.Claim(ctx, p.o.ClaimIdle, p.streams(orphans)...); err != nil {
		p.log.Warn("claiming stale entries failed", "error", err.Error())
	}
	all := append(orphans, keysOf(hosted)...)
	p.trim(ctx, all, now)
	for _, m := range members {
		sid, _ := m.Member.(string)
		if sid == "" || hosted[sid] || now.Sub(time.UnixMilli(int64(m.Score))) < registryAge {
			continue
		}
		if done, err := p.persisted(ctx, sid); err == nil && done {
			score := strconv.FormatFloat(m.Score, 'f', -1, 64)
			_ = removeIfIdleScript.Run(ctx, p.rdb, []string{p.keys.Registry()}, sid, score).Err()
		}
	}
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// persisted reports whether the group has read and acknowledged every
// entry of the session's stream (or the stream is gone).
func (p *Persister) persisted(ctx context.Context, sid string) (bool, error) {
	groups, err := p.rdb.XInfoGroups(ctx, p.keys.Doc(sid)).Result()
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return true, nil
		}
		return false, err
	}
	for _, g := range groups {
		if g.Name == Group {
			return g.Pending == 0 && g.Lag == 0, nil
		}
	}
	return false, nil
}

// trim drops entries that are persisted and older than KeepFor: below the
// oldest pending entry and the group's last delivered one.
func (p *Persister) trim(ctx context.Context, sids []string, now time.Time) {
	if len(sids) == 0 {
		return
	}
	type info struct {
		groups  *redis.XInfoGroupsCmd
		pending *redis.XPendingCmd
	}
	infos := make([]info, len(sids))
	_, _ = p.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for i, sid := range sids {
			infos[i] = info{pl.XInfoGroups(ctx, p.keys.Doc(sid)), pl.XPending(ctx, p.keys.Doc(sid), Group)}
		}
		return nil
	})
	keep := doc.StreamID{Ms: now.Add(-p.o.KeepFor).UnixMilli()}
	_, _ = p.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for i, sid := range sids {
			cut := keep
			groups, err := infos[i].groups.Result()
			if err != nil {
				continue
			}
			found := false
			for _, g := range groups {
				if g.Name != Group {
					continue
				}
				found = true
				if last, err := doc.ParseStreamID(g.LastDeliveredID); err == nil && last.Less(cut) {
					cut = last
				}
			}
			if !found {
				continue
			}
			if pend, err := infos[i].pending.Result(); err == nil && pend.Count > 0 {
				if low, err := doc.ParseStreamID(pend.Lower); err == nil && low.Less(cut) {
					cut = low
				}
			}
			if !cut.IsZero() {
				pl.XTrimMinIDApprox(ctx, p.keys.Doc(sid), cut.String(), 0)
			}
		}
		return nil
	})
}
