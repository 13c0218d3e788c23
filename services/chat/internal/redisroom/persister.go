package redisroom

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/services/chat/internal/chat"
)

// Sink stores messages durably; storing one twice must be harmless.
type Sink interface {
	Insert(ctx context.Context, msgs []chat.Message) error
}

// Persister copies messages from the persist stream to the Sink through
// the consumer group "persisters". Every replica runs one; an entry is
// acknowledged and deleted only after the Sink stored it, and entries a
// dead replica had read but not stored are claimed by another replica with
// XAUTOCLAIM once idle for ClaimIdle.
type Persister struct {
	rdb       redis.UniversalClient
	keys      Keys
	consumer  string
	sink      Sink
	log       *slog.Logger
	claimIdle time.Duration
	batch     int64
	block     time.Duration
	gather    time.Duration
}

// NewPersister returns a Persister reading as consumer (the replica id).
func NewPersister(rdb redis.UniversalClient, keys Keys, consumer string, sink Sink, claimIdle time.Duration, log *slog.Logger) *Persister {
	return &Persister{rdb: rdb, keys: keys, consumer: consumer, sink: sink, log: log,
		claimIdle: claimIdle, batch: 256, block: time.Second, gather: 50 * time.Millisecond}
}

// Run persists until ctx ends.
func (p *Persister) Run(ctx context.Context) {
	_ = p.ensureGroup(ctx) // failures show, and are retried, in the loop
	claimEvery := min(p.claimIdle/2, 5*time.Second)
	lastClaim, lastTidy := time.Time{}, time.Now()
	failures := 0
	for ctx.Err() == nil {
		var err error
		if time.Since(lastClaim) >= claimEvery {
			lastClaim = time.Now()
			err = p.claim(ctx)
		}
		if err == nil {
			err = p.readNew(ctx)
		}
		if err == nil && time.Since(lastTidy) > time.Minute {
			lastTidy = time.Now()
			p.tidy(ctx)
		}
		if err == nil || ctx.Err() != nil {
			failures = 0
			continue
		}
		failures++
		if failures == 1 || failures%30 == 0 {
			p.log.Warn("persisting chat messages failed; will retry", "error", err.Error(), "failures", failures)
		}
		sleep(ctx, min(time.Duration(failures)*200*time.Millisecond, 3*time.Second))
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func isNoGroup(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOGROUP") }

// ensureGroup creates the group (and stream) when missing: on first start
// or after Redis lost its data. Starting at 0 means nothing queued is
// skipped.
func (p *Persister) ensureGroup(ctx context.Context) error {
	err := p.rdb.XGroupCreateMkStream(ctx, p.keys.Persist(), PersistGroup, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return err
	}
	return nil
}

// readNew reads entries never delivered to any consumer and stores them.
func (p *Persister) readNew(ctx context.Context) error {
	res, err := p.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: PersistGroup, Consumer: p.consumer, Streams: []string{p.keys.Persist(), ">"},
		Count: p.batch, Block: p.block,
	}).Result()
	if isNoGroup(err) {
		return p.ensureGroup(ctx)
	}
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return err
	}
	n := 0
	for _, s := range res {
		n += len(s.Messages)
		if err := p.store(ctx, s.Messages); err != nil {
			return err
		}
	}
	if n < int(p.batch) {
		// A short batch means the stream is drained: let a few more
		// messages gather rather than paying a transaction for each.
		sleep(ctx, p.gather)
	}
	return nil
}

// claim takes over entries another consumer read but has not acknowledged
// within claimIdle (it died, or its store failed) and stores them.
func (p *Persister) claim(ctx context.Context) error {
	start := "0-0"
	for range 100 { // bounded: at most 100 batches per round
		msgs, next, err := p.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: p.keys.Persist(), Group: PersistGroup, Consumer: p.consumer,
			MinIdle: p.claimIdle, Start: start, Count: p.batch,
		}).Result()
		if isNoGroup(err) {
			return p.ensureGroup(ctx)
		}
		if err != nil {
			return err
		}
		if len(msgs) > 0 {
			p.log.Info("claimed unpersisted chat messages", "count", len(msgs))
			if err := p.store(ctx, msgs); err != nil {
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

// store writes a batch to the sink, then acknowledges and deletes it.
func (p *Persister) store(ctx context.Context, xs []redis.XMessage) error {
	if len(xs) == 0 {
		return nil
	}
	msgs := make([]chat.Message, 0, len(xs))
	ids := make([]string, 0, len(xs))
	for _, x := range xs {
		ids = append(ids, x.ID)
		f := make(map[string]string, len(x.Values))
		for k, v := range x.Values {
			s, _ := v.(string)
			f[k] = s
		}
		id, err := chat.ParseID(f["i"])
		if err != nil || !chat.IsUUID(f["r"]) {
			// Written by appendScript, so this is a bug; storing it is
			// impossible and keeping it would block nothing but fill Redis.
			p.log.Error("dropping malformed persist entry", "entry", x.ID)
			continue
		}
		msgs = append(msgs, entryMessage(f["r"], id, f))
	}
	// The write finishes even when shutdown starts, so a batch read is not
	// left for another replica to claim later.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := p.insert(wctx, msgs); err != nil {
		return err
	}
	pipe := p.rdb.Pipeline()
	pipe.XAck(wctx, p.keys.Persist(), PersistGroup, ids...)
	pipe.XDel(wctx, p.keys.Persist(), ids...)
	_, err := pipe.Exec(wctx)
	return err
}

// insert stores msgs; when the store rejects the batch for its content it
// stores them one by one and drops (logging) each one it rejects, so one
// bad entry cannot block persistence.
func (p *Persister) insert(ctx context.Context, msgs []chat.Message) error {
	err := p.sink.Insert(ctx, msgs)
	if !errors.Is(err, chat.ErrRejected) {
		return err
	}
	for _, m := range msgs {
		err := p.sink.Insert(ctx, []chat.Message{m})
		switch {
		case errors.Is(err, chat.ErrRejected):
			p.log.Error("dropping a chat message the database rejects", "room", m.RoomID, "id", m.ID.String(), "error", err.Error())
		case err != nil:
			return err
		}
	}
	return nil
}

// tidy deletes consumers of replicas long gone that hold nothing.
func (p *Persister) tidy(ctx context.Context) {
	cs, err := p.rdb.XInfoConsumers(ctx, p.keys.Persist(), PersistGroup).Result()
	if err != nil {
		return
	}
	for _, c := range cs {
		if c.Name != p.consumer && c.Pending == 0 && c.Idle > time.Hour {
			p.rdb.XGroupDelConsumer(ctx, p.keys.Persist(), PersistGroup, c.Name)
		}
	}
}
