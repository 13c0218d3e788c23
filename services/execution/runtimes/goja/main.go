// Command goja is the JavaScript interpreter the execution sandbox runs:
// goja compiled to GOOS=wasip1 GOARCH=wasm. It runs the program in the file
// named by its argument, prints
// console.log output to stdout, gives stdin to readInput(), and exits 1 with the error and its line on
// stderr when the program throws. The global __host serves the harness's
// driver: loadScript(name, src) runs more code under its own file name,
// write(s) writes to stdout, now() is a monotonic clock in milliseconds.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// maxCallStack stops runaway recursion with a RangeError long before the
// Go stack eats the sandbox's memory.
const maxCallStack = 10_000

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: goja <program.js>")
		return 2
	}
	src, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()

	vm := goja.New()
	vm.SetMaxCallStackSize(maxCallStack)
	var rejected []goja.Value
	vm.SetPromiseRejectionTracker(func(p *goja.Promise, op goja.PromiseRejectionOperation) {
		if op == goja.PromiseRejectionReject {
			rejected = append(rejected, p.Result())
		} else if len(rejected) > 0 {
			rejected = rejected[:len(rejected)-1]
		}
	})
	console := vm.NewObject()
	logTo := func(w io.Writer) func(goja.FunctionCall) goja.Value {
		return func(call goja.FunctionCall) goja.Value {
			parts := make([]string, len(call.Arguments))
			for i, a := range call.Arguments {
				parts[i] = format(vm, a)
			}
			if w == stderr {
				out.Flush()
			}
			fmt.Fprintln(w, strings.Join(parts, " "))
			return goja.Undefined()
		}
	}
	for _, m := range []string{"log", "info", "debug"} {
		_ = console.Set(m, logTo(out))
	}
	for _, m := range []string{"error", "warn"} {
		_ = console.Set(m, logTo(stderr))
	}
	_ = vm.Set("console", console)
	// readInput() is the program's stdin, whole, as a string.
	_ = vm.Set("readInput", func() (string, error) {
		b, err := io.ReadAll(stdin)
		return string(b), err
	})

	// __host is for the test harness (internal/harness): it takes these
	// into closures and deletes the global before it loads the user's code.
	host := vm.NewObject()
	start := time.Now()
	_ = host.Set("loadScript", func(name, src string) (goja.Value, error) { return vm.RunScript(name, src) })
	_ = host.Set("write", func(s string) error {
		if _, err := out.WriteString(s); err != nil {
			return err
		}
		return out.Flush()
	})
	_ = host.Set("now", func() float64 { return float64(time.Since(start).Nanoseconds()) / 1e6 })
	_ = vm.Set("__host", host)

	if _, err := vm.RunScript(args[0], string(src)); err != nil {
		out.Flush()
		fmt.Fprintln(stderr, describe(err))
		return 1
	}
	if len(rejected) > 0 {
		out.Flush()
		fmt.Fprintln(stderr, "Uncaught (in promise)", format(vm, rejected[0]))
		return 1
	}
	return 0
}

// maxStackLines is how much of an uncaught error's stack is shown: a
// runaway recursion's would be thousands of lines.
const maxStackLines = 10

// describe is an uncaught error as node would show it: the exception with
// its stack (file:line:column), or a syntax error with its position.
func describe(err error) string {
	msg := err.Error()
	switch ex := err.(type) {
	case *goja.Exception:
		msg = "Uncaught " + ex.String()
	case *goja.StackOverflowError: // uncatchable in goja; its text is the stack
		msg = "Uncaught RangeError: Maximum call stack size exceeded\n" + strings.TrimLeft(msg, "\n")
	}
	if lines := strings.SplitN(msg, "\n", maxStackLines+2); len(lines) > maxStackLines+1 {
		msg = strings.Join(lines[:maxStackLines+1], "\n") + "\n\t..."
	}
	return msg
}

// format prints a value roughly as node's console.log does.
func format(vm *goja.Runtime, v goja.Value) string {
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "null"
	}
	switch x := v.Export().(type) {
	case string:
		return x
	case fmt.Stringer: // *big.Int for BigInt
		if _, isObj := v.(*goja.Object); !isObj {
			return x.String() + "n"
		}
	}
	obj, isObj := v.(*goja.Object)
	if !isObj {
		return v.String()
	}
	if _, isFn := goja.AssertFunction(obj); isFn {
		return "[Function]"
	}
	if _, isErr := obj.Export().(error); isErr && obj.Get("stack") != nil {
		return obj.Get("stack").String()
	}
	if b, err := json.Marshal(obj.Export()); err == nil && string(b) != "{}" {
		return string(b)
	}
	return v.String()
}
