// Package pgtest gives each test its own PostgreSQL database: created on a
// real server, migrated, and dropped when the test ends.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/peerprep/peerprep/libs/postgres"
)

// EnvURL names the variable holding the admin URL of the test server.
const EnvURL = "PEERPREP_TEST_DATABASE_URL"

// DefaultURL is used when EnvURL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL returns the admin connection URL for tests.
func AdminURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// NewURL creates a fresh database, applies migrations (nil for none) and
// returns its URL. The database is dropped on cleanup.
func NewURL(t testing.TB, migrations fs.FS) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatalf("pgtest: PostgreSQL is not reachable at %s (set %s, or run `go run mage.go test`, which starts it): %v", redact(AdminURL()), EnvURL, err)
	}
	defer admin.Close(context.Background())

	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, AdminURL())
		if err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
		}
	})

	u, err := url.Parse(AdminURL())
	if err != nil {
		t.Fatalf("pgtest: parse admin URL: %v", err)
	}
	u.Path = "/" + name
	dbURL := u.String()
	if migrations != nil {
		if err := postgres.Migrate(ctx, dbURL, migrations); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	return dbURL
}

// New is NewURL plus a pool on the new database, closed on cleanup.
func New(t testing.TB, migrations fs.FS) *pgxpool.Pool {
	t.Helper()
	dbURL := NewURL(t, migrations)
	pool, err := postgres.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
