// Package migrations embeds the question-service schema as goose SQL files,
// applied by `question-service migrate` through libs/postgres.Migrate.
package migrations

import "embed"

// FS holds the migrations at its root, as postgres.Migrate expects.
//
//go:embed *.sql
var FS embed.FS
