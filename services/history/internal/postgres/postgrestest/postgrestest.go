// Package postgrestest gives tests outside the store (the handlers' end-to-
// end tests) a Store on a fresh database, and a way to count the attempt
// rows it holds, so they never touch the database driver themselves.
package postgrestest

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/services/history/internal/postgres"
	"github.com/peerprep/peerprep/services/history/internal/postgres/migrations"
)

// DB is a migrated, private database.
type DB struct {
	t    testing.TB
	pool *pgxpool.Pool
}

// New creates the database (dropped when the test ends).
func New(t testing.TB) *DB {
	t.Helper()
	return &DB{t: t, pool: pgtest.New(t, migrations.FS)}
}

// Store is a Store over the database.
func (d *DB) Store() *postgres.Store { return postgres.New(d.pool) }

// FeedbackStore is a FeedbackStore over the database.
func (d *DB) FeedbackStore() *postgres.FeedbackStore { return postgres.NewFeedback(d.pool) }

// CountAttempts counts the attempts rows matching where (a SQL condition
// with $n placeholders for args), failing the test on error.
func (d *DB) CountAttempts(where string, args ...any) int {
	d.t.Helper()
	var n int
	q := fmt.Sprintf("SELECT count(*) FROM attempts WHERE %s", where)
	if err := d.pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		d.t.Fatal(err)
	}
	return n
}
