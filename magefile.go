//go:build mage

// PeerPrep developer commands. Run them with `go run mage.go <target>`; the
// work is done in package devenv.
package main

import (
	"context"

	"github.com/magefile/mage/mg"

	"github.com/peerprep/peerprep/devenv"
)

// Test vets and tests (-race) every go.work module against local PostgreSQL and Redis, starting them if needed.
//
// PEERPREP_TEST_DATABASE_URL and PEERPREP_TEST_REDIS_URL choose other servers;
// TESTFLAGS adds go test flags, e.g. TESTFLAGS="-run TestSignup -v".
func Test(ctx context.Context) error { return devenv.Test(ctx) }

// Lint checks gofmt on every Go file, then runs go vet and staticcheck in every go.work module.
func Lint(ctx context.Context) error { return devenv.Lint(ctx) }

// Build compiles every service to services/<name>/bin/<name>-service, stamped with the git SHA.
func Build(ctx context.Context) error { return devenv.Build(ctx) }

// Dev runs every service locally (ports 8101-8106) against local PostgreSQL and Redis until Ctrl-C.
//
// It creates each service's database, builds, migrates, starts every service
// with its environment wired, prints their health and stops them all with
// SIGTERM on Ctrl-C. LOG_LEVEL (default info) is passed on.
func Dev(ctx context.Context) error { return devenv.Dev(ctx) }

// Bench groups the load benchmarks; results belong in docs/benchmarks.md.
type Bench mg.Namespace

// User measures user-service: cold start, GET /users/me and GET /health/ready at 64 connections.
func (Bench) User(ctx context.Context) error { return devenv.BenchUser(ctx) }
