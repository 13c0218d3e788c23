// Package migrations holds execution-service's goose SQL migrations.
package migrations

import "embed"

// FS holds the migration files at its root.
//
//go:embed *.sql
var FS embed.FS
