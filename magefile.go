//go:build mage

// PeerPrep developer commands. Run them with `go run mage.go <target>`; the
// work is done in package devenv.
package main

import (
	"context"

	"github.com/magefile/mage/mg"

	"github.com/peerprep/peerprep/devenv"
)

// Test vets and tests (-race) every go.work module against local PostgreSQL and Redis, then runs the e2e journey.
//
// PostgreSQL and Redis are started if needed; PEERPREP_E2E=0 skips the journey.
// PEERPREP_TEST_DATABASE_URL and PEERPREP_TEST_REDIS_URL choose other servers;
// TESTFLAGS adds go test flags, e.g. TESTFLAGS="-run TestSignup -v".
func Test(ctx context.Context) error { return devenv.Test(ctx) }

// Lint checks gofmt on every Go file, then runs go vet and staticcheck in every go.work module.
func Lint(ctx context.Context) error { return devenv.Lint(ctx) }

// Build compiles every service to services/<name>/bin/<name>-service, stamped with the git SHA.
func Build(ctx context.Context) error { return devenv.Build(ctx) }

// Dev runs every service locally behind the gateway on :8080 against local PostgreSQL and Redis until Ctrl-C.
//
// It creates each service's database, builds, migrates, starts every service
// with its environment wired, prints their health and stops them all with
// SIGTERM on Ctrl-C. LOG_LEVEL (default info) is passed on.
func Dev(ctx context.Context) error { return devenv.Dev(ctx) }

// Bench groups the load benchmarks; results belong in docs/benchmarks.md.
type Bench mg.Namespace

// User measures user-service: cold start, GET /users/me and GET /health/ready at 64 connections.
func (Bench) User(ctx context.Context) error { return devenv.BenchUser(ctx) }

// Matching measures the whole matching path like the web app (2 instances of every service): 400 tickets in flight for 20 s, then 500 pairs within 1 s; CPU-s per process from /proc.
func (Bench) Matching(ctx context.Context) error { return devenv.BenchMatching(ctx) }

// Collab measures the editor: 200 rooms × 2 real yjs + y-websocket clients × 5 updates/s, 20 s, collaboration-service (2 replicas) against the stock y-websocket 1.5.4 server, alternating, 3 runs each.
func (Bench) Collab(ctx context.Context) error { return devenv.BenchCollab(ctx) }

// E2E runs the two-user journey (signup, match, chat, editor, history) through the gateway only.
//
// Against PEERPREP_E2E_URL when set (e.g. a running `go run mage.go dev`);
// otherwise it starts a private platform with PEERPREP_REPLICAS (default 2)
// instances per service on free ports, with its own databases and Redis keys.
func E2E(ctx context.Context) error { return devenv.E2E(ctx) }

// E2e groups the end-to-end reliability checks.
type E2e mg.Namespace

// Rolling restarts every instance of every service one at a time under load through the gateway and reports failures.
func (E2e) Rolling(ctx context.Context) error { return devenv.E2ERolling(ctx) }
