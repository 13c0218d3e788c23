package postgres

import (
	"github.com/jackc/pgx/v5/pgxpool"
)

// Pool exposes the pool to the external tests' invariant checks.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }
