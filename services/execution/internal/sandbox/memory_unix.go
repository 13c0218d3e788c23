//go:build unix

package sandbox

import (
	"context"
	"sync/atomic"
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// withMemory makes a run's linear memory one anonymous mapping of the
// limit's size, reserved without being committed: growing it copies
// nothing (the Go heap would copy at every growth and keep the old
// copies until a GC), and closing the module gives it back to the kernel
// at once. peak reports the most linear memory the run had.
func withMemory(ctx context.Context) (_ context.Context, peak func() uint64) {
	var high atomic.Uint64
	return experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(
		func(_, max uint64) experimental.LinearMemory {
			b, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_READ|syscall.PROT_WRITE,
				syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
			if err != nil {
				return &mapped{buf: make([]byte, max), heap: true, high: &high}
			}
			return &mapped{buf: b, high: &high}
		})), high.Load
}

type mapped struct {
	buf  []byte
	heap bool           // the mapping failed: a Go slice instead
	high *atomic.Uint64 // the largest size asked for
}

func (m *mapped) Reallocate(size uint64) []byte {
	if size > uint64(len(m.buf)) {
		return nil
	}
	if size > m.high.Load() {
		m.high.Store(size)
	}
	return m.buf[:size:size]
}

func (m *mapped) Free() {
	if m.buf != nil && !m.heap {
		_ = syscall.Munmap(m.buf)
		m.buf = nil
	}
}
