//go:build !unix

package sandbox

import "context"

// withMemory leaves linear memory to wazero's default (the Go heap).
func withMemory(ctx context.Context) context.Context { return ctx }
