package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/services/user/internal/postgres/migrations"
)

// TestPurgeRefreshTokens: tokens expired or revoked before the cutoff go,
// in batches; live ones and recently dead ones stay.
func TestPurgeRefreshTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t, migrations.FS)
	s := New(pool)
	now := time.Now().UTC().Truncate(time.Microsecond)
	userID := uuid.NewString()
	if _, err := pool.Exec(ctx, `INSERT INTO users (id, username, email, password_hash, created_at, updated_at)
		VALUES ($1, 'purge', 'purge@example.com', 'x', $2, $2)`, userID, now); err != nil {
		t.Fatal(err)
	}
	insert := func(n int, expires time.Time, revoked *time.Time) {
		t.Helper()
		for range n {
			id := uuid.New()
			if _, err := pool.Exec(ctx, `INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at, revoked_at)
				VALUES ($1, $1, $2, $3, $4, $5, $6)`, id, userID, id[:], now.Add(-60*24*time.Hour), expires, revoked); err != nil {
				t.Fatal(err)
			}
		}
	}
	longAgo, recently := now.Add(-10*24*time.Hour), now.Add(-time.Hour)
	insert(purgeBatch+5, longAgo, nil)       // expired long ago: two batches
	insert(3, now.Add(time.Hour), &longAgo)  // revoked long ago
	insert(4, recently, nil)                 // expired within the retention
	insert(2, now.Add(time.Hour), &recently) // revoked within the retention
	insert(6, now.Add(24*time.Hour), nil)    // live
	n, err := s.PurgeRefreshTokens(ctx, now.Add(-TokenRetention))
	if err != nil {
		t.Fatal(err)
	}
	var left int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM refresh_tokens`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if n != purgeBatch+5+3 || left != 4+2+6 {
		t.Fatalf("purged %d, %d left; want %d purged, 12 left", n, left, purgeBatch+8)
	}
}
