//go:build !unix

package sandbox

import "context"

// withMemory leaves linear memory to wazero's default (the Go heap); the
// peak is not measured.
func withMemory(ctx context.Context) (_ context.Context, peak func() uint64) {
	return ctx, func() uint64 { return 0 }
}
