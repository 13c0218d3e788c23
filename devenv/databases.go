package devenv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	goredis "github.com/redis/go-redis/v9"
)

// databaseTimeout bounds creating or dropping a namespace's databases.
const databaseTimeout = 10 * time.Second

// createDatabases creates the database (w.databaseName) of every service that owns one
// database and does not have it yet.
func (e *Env) createDatabases(ctx context.Context, adminURL string, w wiring, svcs []Service) error {
	ctx, cancel := context.WithTimeout(ctx, databaseTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connecting to PostgreSQL to create databases: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, s := range svcs {
		if !s.Database {
			continue
		}
		name := w.databaseName(s)
		var exists bool
		err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
		if err != nil {
			return fmt.Errorf("looking up database %s: %w", name, err)
		}
		if exists {
			continue
		}
		_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created meanwhile
			err = nil
		}
		if err != nil {
			return fmt.Errorf("creating database %s: %w", name, err)
		}
		e.logf("created database %s", name)
	}
	return nil
}

// resetNamespace drops the namespace's databases and deletes its Redis
// keys, so a test platform starts from nothing.
func (e *Env) resetNamespace(ctx context.Context, w wiring, svcs []Service, postgres, redis bool) error {
	ctx, cancel := context.WithTimeout(ctx, databaseTimeout)
	defer cancel()
	if postgres {
		conn, err := pgx.Connect(ctx, w.AdminDatabaseURL)
		if err != nil {
			return fmt.Errorf("connecting to PostgreSQL to drop test databases: %w", err)
		}
		defer conn.Close(context.WithoutCancel(ctx))
		for _, s := range svcs {
			if !s.Database {
				continue
			}
			// WITH (FORCE): a killed earlier run may have left connections.
			if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{w.databaseName(s)}.Sanitize()+" WITH (FORCE)"); err != nil {
				return fmt.Errorf("dropping database %s: %w", w.databaseName(s), err)
			}
		}
	}
	if redis {
		opts, err := goredis.ParseURL(w.RedisURL)
		if err != nil {
			return fmt.Errorf("REDIS_URL: %w", err)
		}
		rdb := goredis.NewClient(opts)
		defer rdb.Close()
		iter := rdb.Scan(ctx, 0, w.RedisKeyPrefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
			if len(keys) == 1000 {
				if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
					return fmt.Errorf("deleting test keys in Redis: %w", err)
				}
				keys = keys[:0]
			}
		}
		if err := iter.Err(); err != nil {
			return fmt.Errorf("listing test keys in Redis: %w", err)
		}
		if len(keys) > 0 {
			if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
				return fmt.Errorf("deleting test keys in Redis: %w", err)
			}
		}
	}
	return nil
}
