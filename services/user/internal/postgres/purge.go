package postgres

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"
)

// TokenRetention is how long a refresh token is kept after it expired or
// its family was revoked. Within it, presenting the token again is still
// recognised (reuse of a consumed token revokes its family); after it, the
// token is simply unknown, which refuses it just the same.
const TokenRetention = 7 * 24 * time.Hour

// purgeBatch bounds one DELETE, so the purge never holds many row locks or
// one long transaction.
const purgeBatch = 1000

// PurgeRefreshTokens deletes refresh tokens that expired, or were revoked,
// before cutoff, in batches, and returns how many. Replicas may run it at
// the same time: SKIP LOCKED keeps them off each other's rows.
func (s *Store) PurgeRefreshTokens(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for _, q := range []string{
		`DELETE FROM refresh_tokens WHERE id IN (
			SELECT id FROM refresh_tokens WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
		`DELETE FROM refresh_tokens WHERE id IN (
			SELECT id FROM refresh_tokens WHERE revoked_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
	} {
		for {
			tag, err := s.db.Exec(ctx, q, cutoff, purgeBatch)
			if err != nil {
				return total, err
			}
			total += tag.RowsAffected()
			if tag.RowsAffected() < purgeBatch {
				break
			}
		}
	}
	return total, nil
}

// PurgeLoop purges refresh tokens past TokenRetention every interval (with
// jitter, so replicas spread out) until ctx ends.
func (s *Store) PurgeLoop(ctx context.Context, log *slog.Logger, interval time.Duration) {
	for {
		wait := interval/2 + rand.N(interval) // uniform in [interval/2, 3·interval/2)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		n, err := s.PurgeRefreshTokens(ctx, time.Now().Add(-TokenRetention))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("purging old refresh tokens failed", "error", err.Error())
		case n > 0:
			log.Info("purged old refresh tokens", "count", n)
		}
	}
}
