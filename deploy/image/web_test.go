package image

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// webRoot is a repository root with a web app whose package.json exists.
func webRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, WebDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"web","private":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// fakeNPM puts an npm on PATH that records its arguments and exits with code.
func fakeNPM(t *testing.T, code string) string {
	t.Helper()
	bin := t.TempDir()
	log := filepath.Join(bin, "calls")
	script := "#!/bin/sh\necho \"$(pwd) $*\" >> " + log + "\necho npm says hello\nexit " + code + "\n"
	if err := os.WriteFile(filepath.Join(bin, "npm"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	return log
}

func TestBuildWeb(t *testing.T) {
	t.Run("no web app: nothing to do, npm not needed", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		if err := BuildWeb(context.Background(), t.TempDir(), io.Discard); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("web app without npm says what to install", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		err := BuildWeb(context.Background(), webRoot(t), io.Discard)
		if !errors.Is(err, ErrNoNPM) || !strings.Contains(err.Error(), "install Node.js") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("npm ci then npm run build in the web directory", func(t *testing.T) {
		root := webRoot(t)
		calls := fakeNPM(t, "0")
		if err := BuildWeb(context.Background(), root, io.Discard); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(calls)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		dir, _ := filepath.EvalSymlinks(filepath.Join(root, WebDir))
		if len(lines) != 2 || !strings.HasPrefix(lines[0], dir+" ci") || lines[1] != dir+" run build" {
			t.Fatalf("npm calls: %q (want ci then run build in %s)", lines, dir)
		}
	})
	t.Run("a failing npm fails the build with its output", func(t *testing.T) {
		root := webRoot(t)
		fakeNPM(t, "3")
		err := BuildWeb(context.Background(), root, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "npm ci") || !strings.Contains(err.Error(), "npm says hello") {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestBuildWebSkipsAnUpToDateInstall: node_modules that already holds the
// lockfile's versions is not installed again (npm ci would delete and
// rebuild it: minutes on a busy machine).
func TestBuildWebSkipsAnUpToDateInstall(t *testing.T) {
	root := webRoot(t)
	dir := filepath.Join(root, WebDir)
	lock := `{"lockfileVersion":3,"packages":{"":{"name":"web"},"node_modules/a":{"version":"1.0.0"}}}`
	for _, name := range []string{"package-lock.json", "node_modules/.package-lock.json"} { // npm's record after the lockfile
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(lock), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	later := time.Now().Add(time.Second)
	if err := os.Chtimes(filepath.Join(dir, "node_modules/.package-lock.json"), later, later); err != nil {
		t.Fatal(err)
	}
	calls := fakeNPM(t, "0")
	if err := BuildWeb(context.Background(), root, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(calls)
	real, _ := filepath.EvalSymlinks(dir)
	if got := strings.TrimSpace(string(b)); got != real+" run build" {
		t.Fatalf("npm calls %q, want only run build", got)
	}
}
