// Package redisgroup is the one home of PeerPrep's Redis Streams consumer
// groups, the crash-recovery path of every stream a service persists or
// works off: creating the group (again, after Redis lost its data), reading
// new entries, claiming entries a dead consumer held too long (XAUTOCLAIM),
// acknowledging them, and forgetting consumers of replicas long gone. A
// Worker runs those steps in a loop around a service's handler: chat's
// persister (one stream, batches), collaboration's persister (the streams
// of the sessions a replica hosts) and matching's setup jobs (one entry at
// a time, many at once, handed over at shutdown).
package redisgroup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNoGroup means the stream or its group is missing: Redis lost its data,
// or the stream was deleted. Ensure creates them again.
var ErrNoGroup = errors.New("redisgroup: consumer group missing")

// IsNoGroup reports whether err is ErrNoGroup or a Redis reply meaning the
// same: NOGROUP, or "no such key" from XINFO on a missing stream.
func IsNoGroup(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrNoGroup) {
		return true
	}
	var re redis.Error
	return errors.As(err, &re) && (strings.HasPrefix(re.Error(), "NOGROUP") || strings.Contains(re.Error(), "no such key"))
}

func groupErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case IsNoGroup(err) && !errors.Is(err, ErrNoGroup):
		return fmt.Errorf("%w: %s: %v", ErrNoGroup, op, err)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

// Group is one consumer group name, on one or many streams.
type Group struct {
	rdb  redis.UniversalClient
	name string
}

// New returns the group called name.
func New(rdb redis.UniversalClient, name string) Group { return Group{rdb: rdb, name: name} }

// Name is the group's name.
func (g Group) Name() string { return g.name }

// Ensure creates the group on each stream, and the stream, when missing:
// on first start or after Redis lost its data. Reading starts at 0, so
// nothing already queued is skipped.
func (g Group) Ensure(ctx context.Context, streams ...string) error {
	return g.EnsureTTL(ctx, 0, streams...)
}

// EnsureTTL is Ensure that also gives each stream a TTL (0: none), in the
// same round trip.
func (g Group) EnsureTTL(ctx context.Context, ttl time.Duration, streams ...string) error {
	cmds, _ := g.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for _, s := range streams {
			pl.XGroupCreateMkStream(ctx, s, g.name, "0")
			if ttl > 0 {
				pl.PExpire(ctx, s, ttl)
			}
		}
		return nil
	})
	for _, c := range cmds {
		if err := c.Err(); err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
			return fmt.Errorf("create consumer group %s: %w", g.name, err)
		}
	}
	return nil
}

// Read reads, as consumer, up to count entries of each stream after from:
// ">" for entries never delivered to any consumer, "0" for those consumer
// holds. block is how long to wait for one (negative: do not wait, 0:
// forever). Nothing to read is no error; a missing group is ErrNoGroup.
func (g Group) Read(ctx context.Context, consumer, from string, count int64, block time.Duration, streams ...string) ([]redis.XStream, error) {
	args := make([]string, 0, 2*len(streams))
	args = append(args, streams...)
	for range streams {
		args = append(args, from)
	}
	res, err := g.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: g.name, Consumer: consumer, Streams: args, Count: count, Block: block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return res, groupErr("read group", err)
}

// Claim takes over, for consumer, the entries of stream that were pending
// with another consumer (or this one) for at least minIdle — it died, or
// failed to handle them — in batches of count, and hands each batch to fn.
// It stops after rounds batches (the rest waits for the next call), at the
// end of the pending list, or at fn's first error. A missing stream is
// nothing to claim; a missing group is ErrNoGroup.
func (g Group) Claim(ctx context.Context, stream, consumer string, minIdle time.Duration, count int64, rounds int, fn func([]redis.XMessage) error) error {
	start := "0-0"
	for range max(rounds, 1) {
		msgs, next, err := g.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: stream, Group: g.name, Consumer: consumer, MinIdle: minIdle, Start: start, Count: count,
		}).Result()
		if errors.Is(err, redis.Nil) {
			return nil
		}
		if err != nil {
			return groupErr("autoclaim", err)
		}
		if len(msgs) > 0 {
			if err := fn(msgs); err != nil {
				return err
			}
		}
		if next == "0-0" || next == "" {
			return nil
		}
		start = next
	}
	return nil
}

// Ack acknowledges the entries of stream: they leave the pending list.
func (g Group) Ack(ctx context.Context, stream string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	return groupErr("acknowledge", g.rdb.XAck(ctx, stream, g.name, ids...).Err())
}

// AckDel acknowledges the entries of stream and deletes them from it, in
// one transaction: for streams whose entries matter only until handled.
func (g Group) AckDel(ctx context.Context, stream string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := g.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, stream, g.name, ids...)
		p.XDel(ctx, stream, ids...)
		return nil
	})
	return groupErr("acknowledge", err)
}

// Prune forgets the consumers of stream, other than keep, that hold no
// entries and were idle longer than idle: replicas long gone. (Deleting a
// consumer drops its pending entries, so one holding any is never deleted.)
func (g Group) Prune(ctx context.Context, stream, keep string, idle time.Duration) (int, error) {
	cs, err := g.rdb.XInfoConsumers(ctx, stream, g.name).Result()
	if err != nil {
		return 0, groupErr("list consumers", err)
	}
	n := 0
	for _, c := range cs {
		if c.Name == keep || c.Pending != 0 || c.Idle <= idle {
			continue
		}
		if err := g.rdb.XGroupDelConsumer(ctx, stream, g.name, c.Name).Err(); err != nil {
			return n, groupErr("delete consumer", err)
		}
		n++
	}
	return n, nil
}

// Sleep waits for d or until ctx ends, whichever is first.
func Sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Fields is a stream entry's fields as strings (a field that is not a
// string reads as "").
func Fields(m redis.XMessage) map[string]string {
	f := make(map[string]string, len(m.Values))
	for k, v := range m.Values {
		s, _ := v.(string)
		f[k] = s
	}
	return f
}

// holdScript, for each entry of KEYS[1] that consumer ARGV[3] of group
// ARGV[1] still holds: 'touch' (ARGV[2]) resets its idle time (work in
// progress), 'release' makes it look long idle so anyone claims it at once.
var holdScript = redis.NewScript(`
local n = 0
for i = 4, #ARGV do
  local id = ARGV[i]
  if #redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1, ARGV[3]) > 0 then
    if ARGV[2] == 'touch' then
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, id, 'JUSTID')
    else
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, id, 'IDLE', 86400000, 'JUSTID')
    end
    n = n + 1
  end
end
return n
`)

// Touch tells the others that consumer still works on the entries of
// stream it holds: their idle time starts again, so no one claims them.
func (g Group) Touch(ctx context.Context, stream, consumer string, ids ...string) error {
	return g.hold(ctx, "touch", stream, consumer, ids)
}

// Release hands the entries of stream that consumer holds to whoever
// claims next, at once.
func (g Group) Release(ctx context.Context, stream, consumer string, ids ...string) error {
	return g.hold(ctx, "release", stream, consumer, ids)
}

func (g Group) hold(ctx context.Context, op, stream, consumer string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{g.name, op, consumer}
	for _, id := range ids {
		args = append(args, id)
	}
	return groupErr(op, holdScript.Run(ctx, g.rdb, []string{stream}, args...).Err())
}
