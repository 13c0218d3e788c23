package docstream

import (
	"context"
	"errors"
	"fmt"
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

// Persister moves stream entries into the Sink through the consumer group:
// each replica reads new entries of the sessions it hosts (competing
// consumers: every entry goes to one of them), acknowledges them once
// stored, and periodically claims entries another consumer has held too
// long (XAUTOCLAIM) and reads the streams of sessions nobody hosts any
// more (the registry). Then it trims what is stored and old enough.
type Persister struct {
	rdb      *redis.Client
	group    redisgroup.Group
	keys     Keys
	consumer string
	sink     Sink
	hosted   func() []string
	log      *slog.Logger
	o        PersisterOptions
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
	return &Persister{rdb: rdb, group: redisgroup.New(rdb, Group), keys: keys, consumer: consumer, sink: sink, hosted: hosted, log: log, o: o}
}

// Run persists until ctx is done, then stores what this replica read and
// still holds, so a clean shutdown leaves nothing for others to claim.
func (p *Persister) Run(ctx context.Context) {
	tick := time.NewTicker(p.o.Interval)
	defer tick.Stop()
	sweep := time.NewTicker(p.o.SweepEvery)
	defer sweep.Stop()
	var recent []string // hosted at the last tick: the sockets may be closed by now
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			sids := union(recent, p.hosted())
			if err := p.persistNew(fctx, sids, "0", false); err != nil {
				p.log.Warn("persisting held entries at shutdown failed", "error", err.Error())
			}
			if err := p.persistNew(fctx, sids, ">", false); err != nil {
				p.log.Warn("persisting new entries at shutdown failed", "error", err.Error())
			}
			return
		case <-tick.C:
			recent = p.hosted()
			if err := p.persistNew(ctx, recent, ">", true); err != nil && ctx.Err() == nil {
				p.log.Warn("persisting document updates failed", "error", err.Error())
			}
		case <-sweep.C:
			p.sweep(ctx)
		}
	}
}

const (
	readBatch   = 64   // streams per XREADGROUP
	entryBatch  = 1000 // entries per stream per read
	maxRounds   = 20   // reads per stream per pass, so one busy stream cannot hold a pass forever
	sweepBatch  = 200  // registry members per sweep
	registryAge = 30 * time.Second
)

// persistNew reads entries of the sessions' streams — new ones (">") or
// those this consumer holds ("0") — stores and acknowledges them.
func (p *Persister) persistNew(ctx context.Context, sids []string, from string, create bool) error {
	var errs []error
	for len(sids) > 0 {
		n := min(len(sids), readBatch)
		batch := sids[:n]
		sids = sids[n:]
		for round := 0; round < maxRounds; round++ {
			got, err := p.readGroup(ctx, batch, from, create)
			if err != nil {
				errs = append(errs, err)
				break
			}
			if err := p.store(ctx, got); err != nil {
				errs = append(errs, err)
				break
			}
			if from == "0" || !full(got) {
				break
			}
		}
	}
	return errors.Join(errs...)
}

// full reports whether some stream returned a whole batch (more may wait).
func full(got map[string][]redis.XMessage) bool {
	for _, msgs := range got {
		if len(msgs) >= entryBatch {
			return true
		}
	}
	return false
}

func (p *Persister) readGroup(ctx context.Context, sids []string, from string, create bool) (map[string][]redis.XMessage, error) {
	res, err := p.xreadgroup(ctx, sids, from)
	if redisgroup.IsNoGroup(err) {
		// A stream does not exist: Redis lost it, or the session ended and
		// it was deleted. Streams of hosted sessions are recreated with
		// their group (an append would do the same); otherwise the streams
		// are read one by one, skipping the missing.
		if create {
			if err = p.ensureGroups(ctx, sids); err == nil {
				res, err = p.xreadgroup(ctx, sids, from)
			}
		} else {
			res, err = nil, nil
			for _, sid := range sids {
				one, oerr := p.xreadgroup(ctx, []string{sid}, from)
				if oerr != nil && !redisgroup.IsNoGroup(oerr) {
					err = oerr
				}
				res = append(res, one...)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read group: %w", err)
	}
	out := make(map[string][]redis.XMessage, len(res))
	for _, st := range res {
		if sid, ok := p.keys.sessionOf(st.Stream); ok && len(st.Messages) > 0 {
			out[sid] = st.Messages
		}
	}
	return out, nil
}

func (p *Persister) xreadgroup(ctx context.Context, sids []string, from string) ([]redis.XStream, error) {
	streams := make([]string, len(sids))
	for i, sid := range sids {
		streams[i] = p.keys.Doc(sid)
	}
	return p.group.Read(ctx, p.consumer, from, entryBatch, -1, streams...)
}

func (p *Persister) ensureGroups(ctx context.Context, sids []string) error {
	streams := make([]string, len(sids))
	for i, sid := range sids {
		streams[i] = p.keys.Doc(sid)
	}
	return p.group.EnsureTTL(ctx, streamTTL, streams...)
}

// store persists the entries and acknowledges them; entries that are not
// ours are acknowledged without storing.
func (p *Persister) store(ctx context.Context, got map[string][]redis.XMessage) error {
	if len(got) == 0 {
		return nil
	}
	var ups []doc.Update
	for sid, msgs := range got {
		for _, m := range msgs {
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
	if err := p.sink.PersistUpdates(ctx, ups); err != nil {
		return err // not acknowledged: claimed again after ClaimIdle
	}
	_, err := p.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for sid, msgs := range got {
			ids := make([]string, len(msgs))
			for i, m := range msgs {
				ids[i] = m.ID
			}
			pl.XAck(ctx, p.keys.Doc(sid), Group, ids...)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("acknowledge: %w", err) // stored; a redelivery is skipped by the sink
	}
	return nil
}

// claim takes over entries pending longer than idle on the session's
// stream (a dead replica's, or ones this replica failed to store) and
// persists them.
func (p *Persister) claim(ctx context.Context, sid string, idle time.Duration) error {
	err := p.group.Claim(ctx, p.keys.Doc(sid), p.consumer, idle, entryBatch, maxRounds, func(msgs []redis.XMessage) error {
		return p.store(ctx, map[string][]redis.XMessage{sid: msgs})
	})
	if redisgroup.IsNoGroup(err) {
		return nil
	}
	return err
}

// PersistSession stores the new entries of one session's stream now, e.g.
// when this replica's last socket for it closed.
func (p *Persister) PersistSession(ctx context.Context, sid string) {
	if err := p.persistNew(ctx, []string{sid}, ">", false); err != nil {
		p.log.Warn("persisting a released session failed; the sweep will", "session_id", sid, "error", err.Error())
	}
}

// Flush persists every entry of the session's stream, whoever holds it,
// then deletes the stream: the session ended.
func (p *Persister) Flush(ctx context.Context, sid string) error {
	if err := p.persistNew(ctx, []string{sid}, ">", false); err != nil {
		return err
	}
	if err := p.claim(ctx, sid, 0); err != nil {
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

// sweep claims entries held too long on every hosted or recently written
// stream, reads streams nobody hosts, forgets fully persisted streams and
// trims persisted entries.
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
	if err := p.persistNew(ctx, orphans, ">", false); err != nil {
		p.log.Warn("persisting abandoned streams failed", "error", err.Error())
	}
	all := append(orphans, keysOf(hosted)...)
	for _, sid := range all {
		if err := p.claim(ctx, sid, p.o.ClaimIdle); err != nil {
			p.log.Warn("claiming stale entries failed", "session_id", sid, "error", err.Error())
		}
	}
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

func union(a, b []string) []string {
	seen := make(map[string]bool, len(a)+len(b))
	var out []string
	for _, s := range append(append([]string(nil), a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
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
