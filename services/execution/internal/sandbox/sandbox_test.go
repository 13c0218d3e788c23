package sandbox_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/peerprep/peerprep/services/execution/internal/sandbox"
	"github.com/peerprep/peerprep/services/execution/runtimes"
)

// The interpreters, compiled once for all tests (TestMain).
var python, javascript *sandbox.Interpreter

// paths are the interpreters' files, installed and built by TestMain.
var paths struct{ python, javascript, cache string }

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	ctx := context.Background()
	dir, err := runtimes.ModuleDir()
	if err == nil {
		err = runtimes.Prepare(ctx, dir, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	paths.python = filepath.Join(dir, runtimes.PythonWasm)
	paths.javascript = filepath.Join(dir, runtimes.GojaWasm)
	// A compilation cache across test runs: compiling CPython takes seconds.
	if c, err := os.UserCacheDir(); err == nil {
		paths.cache = filepath.Join(c, "peerprep", "wazero")
	}
	// Generous time for the programs that should finish: the machine may
	// be busy. TestTimeLimit sets its own.
	opts := sandbox.Options{CacheDir: paths.cache, Limits: sandbox.Limits{Time: 30 * time.Second}}
	if python, err = sandbox.NewPython(ctx, paths.python, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer python.Close(ctx)
	if javascript, err = sandbox.NewJavaScript(ctx, paths.javascript, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer javascript.Close(ctx)
	code := m.Run()
	// After every escape attempt the interpreters still run programs.
	for _, in := range []*sandbox.Interpreter{python, javascript} {
		src := map[string]string{"python": `print("still here")`, "javascript": `console.log("still here")`}[in.Language()]
		res, err := in.Run(ctx, sandbox.Program{Code: src})
		if err != nil || res.Outcome != sandbox.OK || string(res.Stdout) != "still here\n" {
			fmt.Fprintf(os.Stderr, "%s after the tests: %+v, %v\n", in.Language(), res, err)
			code = 1
		}
	}
	return code
}

type want struct {
	outcome   sandbox.Outcome
	stdout    string   // exact, when not empty
	has       []string // in stdout or stderr
	hasNot    []string // in neither
	truncated bool
}

type run struct {
	name  string
	in    **sandbox.Interpreter
	code  string
	stdin string
	want  want
}

func check(t *testing.T, r run) sandbox.Result {
	t.Helper()
	res, err := (*r.in).Run(context.Background(), sandbox.Program{Code: r.code, Stdin: []byte(r.stdin)})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	out := string(res.Stdout) + string(res.Stderr)
	if res.Outcome != r.want.outcome {
		t.Errorf("outcome = %s (exit %d), want %s; output:\n%.2000s", res.Outcome, res.ExitCode, r.want.outcome, out)
	}
	if r.want.stdout != "" && string(res.Stdout) != r.want.stdout {
		t.Errorf("stdout = %q, want %q (stderr %.2000s)", res.Stdout, r.want.stdout, res.Stderr)
	}
	for _, s := range r.want.has {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%.2000s", s, out)
		}
	}
	for _, s := range r.want.hasNot {
		if strings.Contains(out, s) {
			t.Errorf("output has %q:\n%.2000s", s, out)
		}
	}
	if res.Truncated != r.want.truncated {
		t.Errorf("truncated = %v, want %v", res.Truncated, r.want.truncated)
	}
	return res
}

func runAll(t *testing.T, runs []run) {
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			check(t, r)
		})
	}
}

func TestPrograms(t *testing.T) {
	t.Parallel()
	runAll(t, []run{
		{"python hello world with stdin", &python, "name = input()\nprint(f'hello, {name}')", "world\n",
			want{outcome: sandbox.OK, stdout: "hello, world\n"}},
		{"python exception shows message and line", &python, "x = 1\nraise ValueError('boom')\n", "",
			want{outcome: sandbox.RuntimeError, has: []string{"ValueError: boom", "line 2"}}},
		{"python stdlib imports", &python, "import json, collections, heapq, math\nprint(json.dumps(sorted(collections.Counter('abca').items())), math.gcd(12, 18))", "",
			want{outcome: sandbox.OK, stdout: "[[\"a\", 2], [\"b\", 1], [\"c\", 1]] 6\n"}},
		{"javascript hello world with stdin", &javascript, "const name = readInput().trim();\nconsole.log(`hello, ${name}`);", "world\n",
			want{outcome: sandbox.OK, stdout: "hello, world\n"}},
		{"javascript ES2020: classes, async, ?., BigInt", &javascript, `
class Counter { #n = 0; inc() { return ++this.#n; } }
const c = new Counter(); c.inc();
const o = { a: { b: null } };
async function twice(x) { return 2 * await Promise.resolve(x); }
twice(21).then(v => console.log("async", v));
console.log(c.inc(), o.a?.b?.c ?? "none", 2n ** 64n, [1, 2, 3].map(x => x * x));
`, "", want{outcome: sandbox.OK, stdout: "2 none 18446744073709551616n [1,4,9]\nasync 42\n"}},
		{"javascript exception shows message and line", &javascript, "function g() {\n  return undefined.x;\n}\ng();\n", "",
			want{outcome: sandbox.RuntimeError, has: []string{"TypeError", "main.js:2"}}},
		{"javascript unhandled rejection fails", &javascript, "Promise.reject(new Error('nope'));", "",
			want{outcome: sandbox.RuntimeError, has: []string{"nope"}}},
	})
}

// TestEscapes: each attempt to reach past the sandbox is contained and
// gets the right outcome.
func TestEscapes(t *testing.T) {
	t.Parallel()
	runAll(t, []run{
		{"python cannot read /etc/passwd", &python, "print(open('/etc/passwd').read())", "",
			want{outcome: sandbox.RuntimeError, has: []string{"No such file"}, hasNot: []string{"root:"}}},
		{"python cannot list the host's root", &python, "import os\nprint(sorted(os.listdir('/')))", "",
			want{outcome: sandbox.RuntimeError, has: []string{"No such file"}, hasNot: []string{"etc", "proc", "home", "tmp"}}},
		{"python cannot write its code directory", &python, "open('/code/x.py', 'w').write('x')", "",
			want{outcome: sandbox.RuntimeError, has: []string{"Error"}}},
		{"python cannot open a socket", &python, "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\ns.connect(('127.0.0.1', 5432))\nprint('connected')", "",
			want{outcome: sandbox.RuntimeError, hasNot: []string{"connected"}}},
		{"python has no ctypes", &python, "import ctypes\nprint('loaded')", "",
			want{outcome: sandbox.RuntimeError, has: []string{"ctypes"}, hasNot: []string{"loaded"}}},
		{"python has no os.system", &python, "import os\nos.system('cat /etc/passwd')\nprint('ran')", "",
			want{outcome: sandbox.RuntimeError, has: []string{"system"}, hasNot: []string{"ran", "root:"}}},
		{"python cannot fork", &python, "import os\nos.fork()\nprint('forked')", "",
			want{outcome: sandbox.RuntimeError, has: []string{"fork"}, hasNot: []string{"forked"}}},
		{"python cannot sleep past the deadline", &python, "import time\ntime.sleep(60)\nprint('woke')", "",
			want{outcome: sandbox.RuntimeError, has: []string{"Not supported"}, hasNot: []string{"woke"}}},
		{"python deep recursion is a runtime error", &python, "def f(n): return f(n + 1)\nf(0)", "",
			want{outcome: sandbox.RuntimeError, has: []string{"RecursionError"}}},
		{"python memory bomb hits the memory limit", &python, "s = 'x'\nwhile True: s += s", "",
			want{outcome: sandbox.MemoryLimit, has: []string{"MemoryError"}}},
		{"python 100 MB print is capped", &python, "import sys\nfor i in range(10**6): sys.stdout.write('x' * 99 + '\\n')", "",
			want{outcome: sandbox.OutputLimit, truncated: true}},
		{"javascript cannot read files", &javascript, "console.log(typeof require, typeof process, typeof fetch, typeof XMLHttpRequest)", "",
			want{outcome: sandbox.OK, stdout: "undefined undefined undefined undefined\n"}},
		{"javascript deep recursion is a runtime error", &javascript, "function f(n) { return f(n + 1) + 1; }\nf(0);", "",
			want{outcome: sandbox.RuntimeError, has: []string{"RangeError"}}},
		{"javascript memory bomb hits the memory limit", &javascript, "let s = 'x';\nfor (;;) s += s;", "",
			want{outcome: sandbox.MemoryLimit}},
		{"javascript 100 MB print is capped", &javascript, "const line = 'x'.repeat(99);\nfor (let i = 0; i < 1e6; i++) console.log(line);", "",
			want{outcome: sandbox.OutputLimit, truncated: true}},
	})
}

// TestOutputCap: what is kept is exactly the cap's worth of what was written.
func TestOutputCap(t *testing.T) {
	t.Parallel()
	res := check(t, run{"", &python, "print('a' * 70000)", "", want{outcome: sandbox.OK, truncated: true}})
	if len(res.Stdout) != sandbox.DefaultOutput || strings.Trim(string(res.Stdout), "a") != "" {
		t.Errorf("stdout has %d bytes, want %d of the program's", len(res.Stdout), sandbox.DefaultOutput)
	}
}

// TestNoServiceEnvironment: a secret in the service's environment never
// reaches the guest.
func TestNoServiceEnvironment(t *testing.T) {
	t.Setenv("PEERPREP_FAKE_SECRET", "hunter2-do-not-leak")
	check(t, run{"", &python, "import os\nprint(dict(os.environ))\nprint(open('/proc/self/environ').read())", "",
		want{outcome: sandbox.RuntimeError, has: []string{"PYTHONIOENCODING"}, hasNot: []string{"hunter2", "PEERPREP", "DATABASE_URL", "PATH"}}})
}

// TestTimeLimit: an endless loop stops within the limit plus 200 ms, and
// the stopped module burns no CPU afterwards. Not parallel: it measures
// the process's CPU time.
func TestTimeLimit(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   **sandbox.Interpreter
		code string
	}{
		{"python", &python, "while True: pass"},
		{"javascript", &javascript, "for (;;) {}"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const limit = time.Second
			start := time.Now()
			res, err := (*tt.in).Run(context.Background(), sandbox.Program{Code: tt.code, Time: limit})
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != sandbox.TimeLimit {
				t.Errorf("outcome = %s, want time_limit (%s)", res.Outcome, res.Stderr)
			}
			t.Logf("stopped after %v (limit %v)", took, limit)
			if most := limit + 200*time.Millisecond + raceSlack; took > most {
				t.Errorf("stopped after %v, want at most %v", took, most)
			}
			before := cpuTime(t)
			time.Sleep(500 * time.Millisecond)
			burnt := cpuTime(t) - before
			t.Logf("CPU in the 500 ms after: %v", burnt)
			if burnt > 150*time.Millisecond {
				t.Errorf("the process burnt %v of CPU in the 500 ms after the deadline", burnt)
			}
		})
	}
}

func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestConcurrentRuns: runs of one interpreter overlap without sharing
// anything.
func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			input := bytes.Repeat([]byte{byte('a' + i)}, 3)
			check(t, run{"", &javascript, "console.log(readInput())", string(input), want{outcome: sandbox.OK, stdout: string(input) + "\n"}})
		})
	}
}
