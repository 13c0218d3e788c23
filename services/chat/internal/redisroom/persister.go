package redisroom

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/redisgroup"

	"github.com/peerprep/peerprep/services/chat/internal/chat"
)

// Sink stores messages durably; storing one twice must be harmless.
type Sink interface {
	Insert(ctx context.Context, msgs []chat.Message) error
}

// Persister copies messages from the persist stream to the Sink through
// the consumer group "persisters" (a redisgroup.Worker). Every replica
// runs one; an entry is acknowledged and deleted only after the Sink
// stored it, and entries a dead replica had read but not stored are
// claimed by another replica with XAUTOCLAIM once idle for ClaimIdle.
type Persister struct {
	w    redisgroup.Worker
	sink Sink
	log  *slog.Logger
}

// NewPersister returns a Persister reading as consumer (the replica id).
func NewPersister(rdb redis.UniversalClient, keys Keys, consumer string, sink Sink, claimIdle time.Duration, log *slog.Logger) *Persister {
	p := &Persister{sink: sink, log: log}
	p.w = redisgroup.Worker{
		Group: redisgroup.New(rdb, PersistGroup), Stream: keys.Persist(), Consumer: consumer,
		Handle: p.store, Delete: true,
		Batch: 256, Block: time.Second, Gather: 50 * time.Millisecond, ClaimIdle: claimIdle,
		OnError: func(err error, failures int) {
			if failures == 1 || failures%30 == 0 {
				log.Warn("persisting chat messages failed; will retry", "error", err.Error(), "failures", failures)
			}
		},
	}
	return p
}

// Run persists until ctx ends.
func (p *Persister) Run(ctx context.Context) { p.w.Run(ctx) }

// store writes a batch to the sink; the worker then acknowledges and
// deletes it.
func (p *Persister) store(ctx context.Context, xs []redis.XMessage, claimed bool) error {
	if claimed {
		p.log.Info("claimed unpersisted chat messages", "count", len(xs))
	}
	msgs := make([]chat.Message, 0, len(xs))
	for _, x := range xs {
		f := redisgroup.Fields(x)
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
	return p.insert(wctx, msgs)
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
