package sandbox_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/peerprep/peerprep/services/execution/internal/sandbox"
)

// Cold compile: a fresh in-memory compilation cache each time. Cached:
// from the on-disk cache TestMain's interpreters filled. Slow; run with
//
//	go test -run '^$' -bench . -benchtime 3x ./internal/sandbox/
func BenchmarkCompile(b *testing.B) {
	for _, bb := range []struct {
		name  string
		new   func(context.Context, string, sandbox.Options) (*sandbox.Interpreter, error)
		path  *string
		cache string
	}{
		{"python/cold", sandbox.NewPython, &paths.python, ""},
		{"python/cached", sandbox.NewPython, &paths.python, paths.cache},
		{"javascript/cold", sandbox.NewJavaScript, &paths.javascript, ""},
		{"javascript/cached", sandbox.NewJavaScript, &paths.javascript, paths.cache},
	} {
		b.Run(bb.name, func(b *testing.B) {
			ctx := context.Background()
			defer reportCPU(b)()
			for b.Loop() {
				in, err := bb.new(ctx, *bb.path, sandbox.Options{CacheDir: bb.cache})
				if err != nil {
					b.Fatal(err)
				}
				in.Close(ctx)
			}
		})
	}
}

// Warm run: a trivial program in an interpreter compiled beforehand.
func BenchmarkRun(b *testing.B) {
	for _, bb := range []struct {
		name string
		in   **sandbox.Interpreter
		code string
	}{
		{"python", &python, "print(sum(range(10)))"},
		{"javascript", &javascript, "console.log([...Array(10).keys()].reduce((a, b) => a + b))"},
	} {
		b.Run(bb.name, func(b *testing.B) {
			ctx := context.Background()
			defer reportCPU(b)()
			for b.Loop() {
				res, err := (*bb.in).Run(ctx, sandbox.Program{Code: bb.code})
				if err != nil || res.Outcome != sandbox.OK || string(res.Stdout) != "45\n" {
					b.Fatalf("%+v %v", res, err)
				}
			}
		})
	}
}

// reportCPU adds the process's CPU time per op (cpu-ms/op): on a shared
// machine it says more than the wall time does.
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		b.ReportMetric(float64((cpu()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}
