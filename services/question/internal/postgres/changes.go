package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// changesChannel carries the id of every question written, sent inside the
// writing transaction so that it is delivered on commit and only then.
const changesChannel = "question_changed"

func notifyChanged(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT pg_notify('`+changesChannel+`', $1)`, id.String()); err != nil {
		return fmt.Errorf("notify change: %w", err)
	}
	return nil
}

// ChangeListener hears about written questions, from any replica.
type ChangeListener interface {
	// Changed says the question id was inserted, updated or deleted.
	Changed(id uuid.UUID)
	// Reset says changes may have been missed: forget everything. listening
	// tells whether changes are being heard again (false while the feed is
	// down, when nothing should be cached).
	Reset(listening bool)
}

// WatchChanges feeds l with the ids of questions written by any replica
// until ctx ends, reconnecting with backoff when the feed breaks; onError
// hears why it broke. It holds one connection of the pool for itself.
func (s *Store) WatchChanges(ctx context.Context, l ChangeListener, onError func(error)) {
	backoff := 100 * time.Millisecond
	for {
		err := s.watch(ctx, l, func() { backoff = 100 * time.Millisecond })
		l.Reset(false)
		if ctx.Err() != nil {
			return
		}
		onError(err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (s *Store) watch(ctx context.Context, l ChangeListener, connected func()) error {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("change feed: acquire: %w", err)
	}
	// A LISTENing connection must never go back to the pool.
	conn := pc.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return fmt.Errorf("change feed: listen: %w", err)
	}
	connected()
	// Whatever was cached before now may have missed a change.
	l.Reset(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			return fmt.Errorf("change feed: %w", err)
		}
		id, err := uuid.Parse(n.Payload)
		if err != nil {
			l.Reset(true) // not ours to read: forget everything to be safe
			continue
		}
		l.Changed(id)
	}
}
