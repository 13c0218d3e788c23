// Package sandbox runs untrusted programs inside WebAssembly interpreters
// (wazero): no host filesystem, no sockets, no environment of the service,
// a wall-clock deadline, a linear-memory cap and capped output. Each
// interpreter's module is compiled once; every run instantiates it afresh.
package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// Defaults for Limits left zero.
const (
	DefaultTime   = 2 * time.Second
	DefaultMemory = 128 << 20 // bytes of linear memory
	DefaultOutput = 64 << 10  // bytes each of stdout and stderr
)

// cacheMu serialises opening compilation caches (see newInterpreter).
var cacheMu sync.Mutex

// wasmPage is WebAssembly's unit of linear memory.
const wasmPage = 64 << 10

// CodeDir is where the guest finds its program (read-only): the only
// directory mounted from outside the interpreter.
const CodeDir = "/code"

// Outcome is how a run ended.
type Outcome string

const (
	OK           Outcome = "ok"            // exit code 0
	RuntimeError Outcome = "runtime_error" // non-zero exit or a trap; Stderr says why
	TimeLimit    Outcome = "time_limit"    // stopped at the deadline
	MemoryLimit  Outcome = "memory_limit"  // ran out of linear memory
	OutputLimit  Outcome = "output_limit"  // stopped for writing far past the output cap
)

// Limits bound every run of an interpreter. Zero fields take the defaults.
type Limits struct {
	Time   time.Duration // wall time of a run whose Program sets none
	Memory uint64        // bytes of linear memory, rounded down to whole pages
	Output int           // bytes each of stdout and stderr kept
}

// Program is one run's input.
type Program struct {
	Code  string
	Stdin []byte
	Time  time.Duration // wall-time limit; zero takes the interpreter's
}

func (l Limits) withDefaults() Limits {
	if l.Time <= 0 {
		l.Time = DefaultTime
	}
	if l.Memory == 0 {
		l.Memory = DefaultMemory
	}
	if l.Output <= 0 {
		l.Output = DefaultOutput
	}
	return l
}

// Result is what a run produced.
type Result struct {
	Outcome   Outcome
	ExitCode  int
	Stdout    []byte
	Stderr    []byte
	Truncated bool // stdout or stderr went past the cap and was cut
	Duration  time.Duration
	Memory    uint64 // the most linear memory the program had, in bytes (0 where unmeasured)
}

// Options configure an interpreter.
type Options struct {
	Limits Limits
	// CacheDir keeps compiled modules across processes; empty keeps them
	// in memory only.
	CacheDir string
}

// flavour is what differs between interpreters.
type flavour struct {
	name  string
	file  string            // the program's name in CodeDir
	args  []string          // argv before the program's path
	env   map[string]string // all the guest's environment
	isOOM func(stderr []byte) bool
}

var python = flavour{
	name: "python",
	file: "main.py",
	// -I: isolated (no PYTHON* variables, no user site); -B: no .pyc writes;
	// -S: no site import (there are no site-packages), a quarter less CPU per run.
	args: []string{"python", "-I", "-B", "-S"},
	env:  map[string]string{"PYTHONIOENCODING": "utf-8"},
	isOOM: func(stderr []byte) bool {
		return bytes.Contains(stderr, []byte("MemoryError")) ||
			bytes.Contains(stderr, []byte("Cannot allocate memory"))
	},
}

var javascript = flavour{
	name: "javascript",
	file: "main.js",
	args: []string{"goja"},
	env:  map[string]string{},
	isOOM: func(stderr []byte) bool {
		// The Go runtime of the goja build: "fatal error: out of memory",
		// "runtime: out of memory: cannot allocate …".
		return bytes.Contains(stderr, []byte("out of memory"))
	},
}

// Interpreter is one compiled interpreter module in its own runtime; Run
// is safe for concurrent use.
type Interpreter struct {
	flavour
	limits   Limits
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
}

// NewPython compiles CPython for WASI from the file at wasmPath.
func NewPython(ctx context.Context, wasmPath string, opts Options) (*Interpreter, error) {
	return newInterpreter(ctx, python, wasmPath, opts)
}

// NewJavaScript compiles the goja runner (runtimes/goja) from wasmPath.
func NewJavaScript(ctx context.Context, wasmPath string, opts Options) (*Interpreter, error) {
	return newInterpreter(ctx, javascript, wasmPath, opts)
}

func newInterpreter(ctx context.Context, f flavour, wasmPath string, opts Options) (*Interpreter, error) {
	bin, err := os.ReadFile(wasmPath)
	if err != nil {
		return nil, fmt.Errorf("%s interpreter: %w", f.name, err)
	}
	limits := opts.Limits.withDefaults()
	cache := wazero.NewCompilationCache()
	if opts.CacheDir != "" {
		// wazero reads its version lazily, unsynchronised, when it opens a
		// cache directory: two interpreters compiling at once race on it.
		cacheMu.Lock()
		cache, err = wazero.NewCompilationCacheWithDir(opts.CacheDir)
		cacheMu.Unlock()
		if err != nil {
			return nil, fmt.Errorf("%s interpreter: compilation cache: %w", f.name, err)
		}
	}
	cfg := wazero.NewRuntimeConfigCompiler().
		WithCloseOnContextDone(true).
		// With debug info on, a module killed at its deadline kept burning
		// CPU for seconds while building the stack trace.
		WithDebugInfoEnabled(false).
		WithMemoryLimitPages(uint32(limits.Memory / wasmPage)).
		WithCompilationCache(cache)
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("%s interpreter: wasi: %w", f.name, err)
	}
	compiled, err := rt.CompileModule(ctx, bin)
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("%s interpreter: compile %s: %w", f.name, wasmPath, err)
	}
	return &Interpreter{flavour: f, limits: limits, runtime: rt, compiled: compiled}, nil
}

// Language is the interpreter's language ("python", "javascript").
func (in *Interpreter) Language() string { return in.name }

// Close releases the runtime and its compiled module.
func (in *Interpreter) Close(ctx context.Context) error { return in.runtime.Close(ctx) }

// errOutput is the cause a run is stopped with when it writes far past
// the output cap: the rest would be thrown away anyway.
var errOutput = errors.New("output limit")

// Run runs p within the interpreter's limits. The error is for the
// caller giving up (ctx) only; whatever the program does is in Result.
func (in *Interpreter) Run(ctx context.Context, p Program) (Result, error) {
	limit := p.Time
	if limit <= 0 {
		limit = in.limits.Time
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ctx, stop := context.WithTimeout(ctx, limit)
	defer stop()

	stdout := &capped{max: in.limits.Output, overflow: func() { cancel(errOutput) }}
	stderr := &capped{max: in.limits.Output, overflow: func() { cancel(errOutput) }}
	program := fstest.MapFS{in.file: &fstest.MapFile{Data: []byte(p.Code), Mode: 0o444}}
	mc := wazero.NewModuleConfig().
		WithName(""). // anonymous: runs of one module may overlap
		WithArgs(append(append([]string{}, in.args...), CodeDir+"/"+in.file)...).
		WithStdin(bytes.NewReader(p.Stdin)).
		WithStdout(stdout).
		WithStderr(stderr).
		WithFSConfig(wazero.NewFSConfig().WithFSMount(program, CodeDir)).
		WithSysWalltime().
		WithSysNanotime().
		WithNanosleep(sleepAtMost(10 * time.Millisecond)).
		WithRandSource(rand.Reader)
	for k, v := range in.env {
		mc = mc.WithEnv(k, v)
	}

	start := time.Now()
	mctx, peak := withMemory(ctx)
	mod, err := in.runtime.InstantiateModule(mctx, in.compiled, mc)
	res := Result{Duration: time.Since(start), Memory: peak()}
	if mod != nil {
		mod.Close(context.WithoutCancel(ctx))
	}
	res.Stdout, res.Stderr = stdout.buf.Bytes(), stderr.buf.Bytes()
	res.Truncated = stdout.cut || stderr.cut

	var exit *sys.ExitError
	switch {
	case err == nil:
		res.Outcome = OK
	case errors.As(err, &exit) && (exit.ExitCode() == sys.ExitCodeDeadlineExceeded || exit.ExitCode() == sys.ExitCodeContextCanceled):
		switch {
		case context.Cause(ctx) == errOutput:
			res.Outcome = OutputLimit
		case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && res.Memory >= in.limits.Memory/10*9:
			// Stopped at the deadline with its memory (nearly) all used: a
			// garbage-collected runtime (goja's Go) thrashing its collector
			// at the cap rather than failing an allocation.
			res.Outcome = MemoryLimit
		case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
			res.Outcome = TimeLimit
		default: // the caller gave up
			return res, context.Cause(ctx)
		}
		res.ExitCode = -1
	case errors.As(err, &exit):
		res.ExitCode = int(exit.ExitCode())
		switch {
		case res.ExitCode == 0:
			res.Outcome = OK
		case in.isOOM(res.Stderr):
			res.Outcome = MemoryLimit
		default:
			res.Outcome = RuntimeError
		}
	default:
		// A trap (unreachable, stack overflow, out-of-bounds access): the
		// program's fault, contained by the sandbox.
		res.ExitCode = -1
		res.Outcome = RuntimeError
		if in.isOOM(res.Stderr) {
			res.Outcome = MemoryLimit
		}
		res.Stderr = append(res.Stderr, "\n"+trapMessage(err)...)
	}
	return res, nil
}

// trapMessage is the first line of a wazero error, without the
// host-side stack trace.
func trapMessage(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return "sandbox: " + msg
}

// sleepAtMost sleeps at most max per call, so that a guest asleep is
// back in wasm code, where the deadline stops it, soon after it passes.
func sleepAtMost(max time.Duration) sys.Nanosleep {
	return func(ns int64) {
		d := time.Duration(ns)
		if d > max {
			d = max
		}
		if d > 0 {
			time.Sleep(d)
		}
	}
}

// capped keeps the first max bytes written to it. Past 4×max it calls
// overflow once, so a program printing without end is stopped early.
type capped struct {
	buf      bytes.Buffer
	max      int
	seen     int
	cut      bool
	overflow func()
	stopped  bool
}

var _ io.Writer = (*capped)(nil)

func (c *capped) Write(p []byte) (int, error) {
	c.seen += len(p)
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	if c.seen > c.max {
		c.cut = true
	}
	if c.seen > 4*c.max && !c.stopped {
		c.stopped = true
		c.overflow()
	}
	return len(p), nil
}
