package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/postgres"
)

var migrations = fstest.MapFS{
	"00001_t.sql": {Data: []byte("-- +goose Up\nCREATE TABLE t (id int PRIMARY KEY);\n-- +goose Down\nDROP TABLE t;\n")},
}

// TestMigrateCreatesTheDatabase: a first deploy against a fresh server finds
// no database; migrate makes it, and running twice (as two tasks might) is
// harmless.
func TestMigrateCreatesTheDatabase(t *testing.T) {
	t.Parallel()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "test_fresh_" + hex.EncodeToString(b[:])
	u, _ := url.Parse(pgtest.AdminURL())
	u.Path = "/" + name
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), pgtest.AdminURL())
		if err == nil {
			_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			_ = conn.Close(context.Background())
		}
	})
	ctx := context.Background()
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- postgres.Migrate(ctx, u.String(), migrations) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	pool, err := postgres.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatalf("migrated table missing: %v", err)
	}
}

func TestIsUniqueViolation(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t, migrations)
	ctx := context.Background()
	_, _ = pool.Exec(ctx, "INSERT INTO t VALUES (1)")
	_, err := pool.Exec(ctx, "INSERT INTO t VALUES (1)")
	if !postgres.IsUniqueViolation(err, "") || !postgres.IsUniqueViolation(err, "t_pkey") || postgres.IsUniqueViolation(err, "other") {
		t.Fatalf("err %v", err)
	}
}
