package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// result is the outcome of one module in test or lint.
type result struct {
	module   Module
	skipped  bool     // no packages
	failed   []string // the steps that failed
	duration time.Duration
}

// Test vets and tests (with -race) every workspace module against the
// PostgreSQL and Redis that EnsureDeps provides, then runs the end-to-end
// journey (E2E) unless PEERPREP_E2E=0. Every module runs even when an
// earlier one fails; the summary says which failed.
func (e *Env) Test(ctx context.Context) error {
	mods, err := Modules(e.Root)
	if err != nil {
		return err
	}
	flags, err := splitFlags(e.Getenv("TESTFLAGS"))
	if err != nil {
		return fmt.Errorf("TESTFLAGS: %w", err)
	}
	if cgo, err := e.output(ctx, ".", "go", "env", "CGO_ENABLED"); err != nil {
		return err
	} else if cgo != "1" {
		return errors.New("go test -race needs cgo, which is off (usually: no C compiler found): install gcc (apt-get install gcc)")
	}
	deps, err := e.EnsureDeps(ctx)
	if err != nil {
		return err
	}
	env := []string{EnvDatabaseURL + "=" + deps.DatabaseURL, EnvRedisURL + "=" + deps.RedisURL}
	testArgs := append([]string{"test", "-race", "-count=1"}, flags...)
	testArgs = append(testArgs, "./...")

	var results []result
	for _, m := range mods {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		results = append(results, e.runModule(ctx, m, env, append(testPrepare[m.Dir],
			step{"go vet", []string{"vet", "./..."}},
			step{"go test", testArgs},
		)))
	}
	// The web app's unit tests (Vitest); its browser tests run with the
	// journey, against the same platform.
	if r, ok := e.runWeb(ctx, "test"); ok {
		results = append(results, r)
	}
	err = summarize(e.Stdout, "test", results)
	if e.Getenv("PEERPREP_E2E") == "0" {
		e.logf("e2e skipped (PEERPREP_E2E=0)")
		return err
	}
	// The journey through the gateway, on every run: it is what catches a
	// contract one service changed and another did not.
	e.logf("e2e: the two-user journey through the gateway (go run mage.go e2e)")
	if e2eErr := e.E2E(ctx); e2eErr != nil {
		return errors.Join(err, e2eErr)
	}
	return err
}

// testPrepare are the steps a module needs before its tests: what they
// load that the repository does not hold. Each is cheap when already done.
var testPrepare = map[string][]step{
	// The sandbox's interpreters: CPython for WASI by npm ci from the
	// lockfile (skipped when installed), the goja runner by go build for
	// wasip1 (skipped when up to date).
	"services/execution": {{"prepare runtimes", []string{"run", "./runtimes/prepare"}}},
}

// servicePrepare are the steps a service needs before it starts, run
// when the file they make (relative to the module) is missing: the
// sandbox's interpreters of execution-service.
var servicePrepare = map[string]struct {
	makes string
	steps []step
}{
	"services/execution": {"runtimes/build/goja.wasm", testPrepare["services/execution"]},
}

// prepareServices runs the servicePrepare steps of svcs whose output is
// missing.
func (e *Env) prepareServices(ctx context.Context, svcs []Service) error {
	for _, s := range svcs {
		p, ok := servicePrepare[s.Dir]
		if !ok {
			continue
		}
		if _, err := os.Stat(filepath.Join(e.Root, filepath.FromSlash(s.Dir), filepath.FromSlash(p.makes))); err == nil {
			continue
		}
		for _, st := range p.steps {
			e.logf("%s: %s (go %s)", s.Binary(), st.name, strings.Join(st.args, " "))
			if err := e.command(ctx, s.Dir, nil, "go", st.args...).Run(); err != nil {
				return fmt.Errorf("%s: %s: %w", s.Binary(), st.name, err)
			}
		}
	}
	return nil
}

type step struct {
	name string
	args []string // arguments of the go command
}

// runModule runs steps in the module, all of them even when one fails.
func (e *Env) runModule(ctx context.Context, m Module, env []string, steps []step) result {
	start := time.Now()
	r := result{module: m}
	pkgs, err := e.packages(ctx, m.Dir)
	if err != nil {
		fmt.Fprintln(e.Stderr, err)
		r.failed = append(r.failed, "go list")
		r.duration = time.Since(start)
		return r
	}
	if len(pkgs) == 0 {
		e.logf("%s: no packages yet, skipped", m.Dir)
		r.skipped = true
		r.duration = time.Since(start)
		return r
	}
	for _, s := range steps {
		e.logf("%s: go %s", m.Dir, strings.Join(s.args, " "))
		if err := e.command(ctx, m.Dir, env, "go", s.args...).Run(); err != nil {
			r.failed = append(r.failed, s.name)
		}
	}
	r.duration = time.Since(start)
	return r
}

// summarize prints one line per module and returns an error when any failed.
func summarize(w io.Writer, target string, results []result) error {
	fmt.Fprintf(w, "\n%s summary:\n", target)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var failed []string
	for _, r := range results {
		status, note := "ok", ""
		switch {
		case len(r.failed) > 0:
			status, note = "FAIL", "("+strings.Join(r.failed, ", ")+" failed)"
			failed = append(failed, r.module.Dir)
		case r.skipped:
			note = "(no packages)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.module.Path, status, fmtDuration(r.duration), note)
	}
	tw.Flush()
	if len(failed) > 0 {
		return fmt.Errorf("%s failed in %s", target, strings.Join(failed, ", "))
	}
	return nil
}

// splitFlags splits TESTFLAGS like a shell would for simple cases: words
// separated by spaces, with single or double quotes grouping ("-run 'A|B'").
func splitFlags(s string) ([]string, error) {
	var (
		args  []string
		cur   strings.Builder
		inArg bool
		quote rune
	)
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inArg = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote in %q", quote, s)
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}
