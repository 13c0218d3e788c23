// Package devenv is the developer tooling behind the mage targets: it finds the
// workspace modules, makes sure local PostgreSQL and Redis are up, and tests,
// lints, builds and runs the services. magefile.go only calls into it.
package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Env is what a target needs from the outside world, so tests can supply their own.
type Env struct {
	Root    string              // repository root: the directory holding go.work
	Getenv  func(string) string // usually os.Getenv
	Environ func() []string     // usually os.Environ; the base environment of child processes
	Stdout  io.Writer
	Stderr  io.Writer
}

// FromProcess returns the Env of the running process, with Root found by
// walking up from the working directory to the nearest go.work.
func FromProcess() (*Env, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	root, err := FindRoot(wd)
	if err != nil {
		return nil, err
	}
	return &Env{Root: root, Getenv: os.Getenv, Environ: os.Environ, Stdout: os.Stdout, Stderr: os.Stderr}, nil
}

// FindRoot returns the nearest directory at or above dir that contains go.work.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.work found in this directory or any parent: run this from inside the PeerPrep repository")
		}
		dir = parent
	}
}

// Test runs the test target for the current process.
func Test(ctx context.Context) error { return run(ctx, (*Env).Test) }

// Lint runs the lint target for the current process.
func Lint(ctx context.Context) error { return run(ctx, (*Env).Lint) }

// Build runs the build target for the current process.
func Build(ctx context.Context) error {
	return run(ctx, func(e *Env, ctx context.Context) error {
		_, err := e.Build(ctx)
		return err
	})
}

// Dev runs the dev target for the current process.
func Dev(ctx context.Context) error { return run(ctx, (*Env).Dev) }

func run(ctx context.Context, target func(*Env, context.Context) error) error {
	e, err := FromProcess()
	if err != nil {
		return err
	}
	return target(e, ctx)
}

// logf prints one line of tooling output, set apart from the output of the
// commands it runs.
func (e *Env) logf(format string, args ...any) {
	fmt.Fprintf(e.Stdout, "==> "+format+"\n", args...)
}

// command returns a command that runs in dir (relative to the root) with the
// base environment plus extra, streaming to the Env's stdout and stderr.
func (e *Env) command(ctx context.Context, dir string, extraEnv []string, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = filepath.Join(e.Root, filepath.FromSlash(dir))
	cmd.Env = append(e.Environ(), extraEnv...)
	cmd.Stdout = e.Stdout
	cmd.Stderr = e.Stderr
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// output runs a command in dir and returns its trimmed stdout; stderr is
// included in the error when the command fails.
func (e *Env) output(ctx context.Context, dir string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = filepath.Join(e.Root, filepath.FromSlash(dir))
	cmd.Env = e.Environ()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// packages lists the packages of the module in dir; none is not an error.
func (e *Env) packages(ctx context.Context, dir string) ([]string, error) {
	out, err := e.output(ctx, dir, "go", "list", "./...")
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}

// fmtDuration rounds d for a summary line.
func fmtDuration(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// BenchUser runs the user-service benchmark for the current process.
func BenchUser(ctx context.Context) error { return run(ctx, (*Env).BenchUser) }
