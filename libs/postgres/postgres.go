// Package postgres opens pgx connection pools and applies a service's
// embedded goose migrations, the two things every database-owning service
// does the same way.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Connect opens a pool for url and checks it with a ping bounded to 5 s.
func Connect(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, errors.New("parse DATABASE_URL: malformed") // the URL may hold a password: never echo it
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = 30 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	return pool, nil
}

// Migrate applies every pending migration in fsys (goose SQL files at its
// root) to the database at url, creating the database first when it does
// not exist (a service's first deploy to a fresh RDS instance). A Postgres
// session lock makes concurrent runs safe: the second waits and then finds
// nothing to do.
func Migrate(ctx context.Context, url string, fsys fs.FS) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return errors.New("parse DATABASE_URL: malformed")
	}
	if err := ensureDatabase(ctx, cfg); err != nil {
		return err
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	return migrateDB(ctx, db, fsys)
}

// ensureDatabase creates cfg's database through the maintenance database
// "postgres" when connecting fails with invalid_catalog_name (3D000).
func ensureDatabase(ctx context.Context, cfg *pgx.ConnConfig) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err == nil {
		return conn.Close(cctx)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" {
		return fmt.Errorf("connect: %w", err)
	}
	admin := cfg.Copy()
	admin.Database = "postgres"
	aconn, err := pgx.ConnectConfig(cctx, admin)
	if err != nil {
		return fmt.Errorf("connect to create database %s: %w", cfg.Database, err)
	}
	defer aconn.Close(context.WithoutCancel(cctx))
	_, err = aconn.Exec(cctx, "CREATE DATABASE "+pgx.Identifier{cfg.Database}.Sanitize())
	// Another task creating it at the same moment shows as 42P04, or as 23505
	// on the catalog index when both passed the existence check together.
	if err != nil && !(errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505")) {
		return fmt.Errorf("create database %s: %w", cfg.Database, err)
	}
	return nil
}

func migrateDB(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint violation
// (SQLSTATE 23505), optionally of the named constraint.
func IsUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return false
	}
	return constraint == "" || pgErr.ConstraintName == constraint
}
